# Command 1: `make run`   Command 2: `make test`   (see README.md)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1

.PHONY: run test test-fast lint chromium bench train evaluate clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(PY) -m server.dev.demo

# Lint (ruff: style, docstrings, timezone-aware datetimes; mypy: types), then every test, warnings as errors.
# The browser tests drive Debian's Chromium: installed here when missing and apt-get may run; else they skip.
test: lint chromium
	$(PY) -m pytest

chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium >/dev/null; } \
		|| { command -v sudo >/dev/null && sudo -n apt-get install -y -q chromium >/dev/null; } \
		|| echo "No Chromium and no way to install it: tests/browser will skip (apt-get install chromium)"

# The in-process tests, on both cores: no worker, web server or broker processes, no training (1-1.5 minutes).
test-fast: $(VENV)/.dev-deps
	$(PY) -m pytest -m "not stack and not slow" -n 2 -q

lint: $(VENV)/.dev-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench: $(VENV)/.run-deps
	$(PY) -m ml.training.bench

# Stage 1 learns CARER + GoEmotions from the base (the -3 recipe); stage 2 fine-tunes that model on real
# tweets with a share of CARER kept (model/README.md, "Training recipe").
train: $(VENV)/.run-deps
	$(PY) -m ml.training.train --sources carer,goemotions --model-dir .train/stage1 --tokenizer-dir .train/stage1-tokenizer
	$(PY) -m ml.training.train --init .train/stage1 --replay carer=0.5 --epochs 1 --lr 5e-5

SHARED ?= ../shared/data

evaluate: $(VENV)/.run-deps
	$(PY) -m ml.training.evaluate --data ml/data/emotion_validation.jsonl --labels sadness,joy,love,anger,fear,surprise
	$(PY) -m ml.training.evaluate --data ml/data/goemotions_dev_neutral.jsonl --neutral-vs-emotional
	$(PY) -m ml.training.evaluate --data ml/data/goemotions_dev.jsonl --neutral-gold any
	$(PY) -m ml.training.evaluate --data $(SHARED)/semeval2018_ec/dev.jsonl --multi-label
	$(PY) -m ml.training.evaluate --data $(SHARED)/tweeteval_emotion/validation.jsonl --tweeteval
	$(PY) -m ml.training.evaluate --data $(SHARED)/tweets/airline_tweets.jsonl.gz --airline

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .train
