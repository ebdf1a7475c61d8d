"""The serving network (ml.text.bert) against transformers' BertForSequenceClassification on the shipped files."""

import json
import random
import shutil

import pytest
import torch

from ml.text.bert import BertClassifier, read_config
from ml.text.classifier import MODEL_DIR, TOKENIZER_DIR, ClassificationModel, pad_batch
from ml.text.preprocess import normalize
from ml.training.data import DATA_DIR, read_jsonl

EDGE_TEXTS = [
    "",
    "   ",
    "😂😂😂🔥",
    "今日はとても楽しかったです",
    "so tired of waiting " * 500,
    "\x00\x01\x1b[31m",
    "Café naïve RÉSUMÉ don't!!!",
    "@user http #HappyNewYear",
]


@pytest.fixture(scope="module")
def texts():
    rows = read_jsonl(DATA_DIR / "emotion_validation.jsonl") + read_jsonl(DATA_DIR / "goemotions_dev.jsonl")
    return [r["text"] for r in random.Random(3).sample(rows, 300)] + EDGE_TEXTS


@pytest.fixture(scope="module")
def float32_model():
    return ClassificationModel(dtype="float32").load()


def test_token_ids_match_the_transformers_tokenizer(texts, float32_model):
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(TOKENIZER_DIR, local_files_only=True)
    expected = reference([normalize(t) for t in texts], truncation=True, max_length=128)["input_ids"]
    assert float32_model.encode(texts) == expected
    assert float32_model.pad_id_ == reference.pad_token_id


@pytest.mark.slow
def test_logits_match_transformers_on_a_padded_batch(texts, float32_model):
    from transformers import AutoModelForSequenceClassification

    reference = AutoModelForSequenceClassification.from_pretrained(
        MODEL_DIR, local_files_only=True, dtype=torch.float32
    ).eval()
    encoded = float32_model.encode(texts)
    ids, mask = pad_batch(encoded, range(len(texts)), float32_model.pad_id_)
    assert mask.sum(1).min() < mask.shape[1]  # the batch really holds padding
    with torch.inference_mode():
        expected = reference(input_ids=ids, attention_mask=mask).logits
        got = float32_model.model_(ids, mask)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


def test_unsupported_configs_are_refused(tmp_path):
    config = json.loads((MODEL_DIR / "config.json").read_text())
    for key, value in (("model_type", "roberta"), ("hidden_act", "relu")):
        (tmp_path / "config.json").write_text(json.dumps({**config, key: value}))
        with pytest.raises(ValueError, match=f"{key}=.*not supported"):
            read_config(tmp_path)


def test_weights_that_do_not_fit_the_network_are_refused(tmp_path):
    config = json.loads((MODEL_DIR / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 7}))
    shutil.copy(MODEL_DIR / "model.safetensors", tmp_path)
    with pytest.raises(RuntimeError, match="Missing key"):
        BertClassifier.from_pretrained(tmp_path)
