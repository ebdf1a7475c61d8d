import json
import math
import subprocess
import sys

import pytest

import ml.text.classifier
from ml.labels import EMOTIONS, LABELS
from ml.text.classifier import MODEL_DIR, TOKENIZER_DIR, ClassificationModel

CLEAR_EXAMPLES = {
    "sadness": [
        "i feel so lonely and miserable since my dog died",
        "I miss my grandma so much, the house feels empty without her",
    ],
    "joy": [
        "i am so happy today, everything went perfectly and i feel great",
        "Got the job!!! Best day ever, so excited 🎉",
    ],
    "love": [
        "i love my wife so much, she is the most caring and affectionate person",
        "i feel romantic and tender when he holds my hand",
    ],
    "anger": [
        "i am furious at how rude and disrespectful they were to me",
        "i feel so irritated and angry that they lied again",
    ],
    "fear": [
        "i feel scared and terrified of what will happen at the hospital tomorrow",
        "I'm so anxious and nervous about the exam, I can't stop shaking",
    ],
    "surprise": [
        "i was shocked and amazed, i never expected that at all",
        "i feel so amazed and surprised by how it turned out",
    ],
    "neutral": [
        "The meeting is scheduled for 3pm in room 204.",
        "The train leaves from platform 4.",
    ],
}

BAD_INPUTS = {
    "empty": "",
    "whitespace": "   \n ",
    "emoji_only": "😂😂😂🔥",
    "url_only": "https://t.co/AbCdEf123",
    "mention_only": "@someone",
    "japanese": "今日はとても楽しかったです",
    "arabic": "أنا سعيد جدا اليوم",
    "long": "so tired of waiting " * 500,  # 10,000 characters
    "control_chars": "\x00\x01\x1b[31m",
    "lone_surrogate_free_symbols": "∑∂≈ ░▒▓ ✓",
}


def test_ships_huggingface_layout_with_named_labels():
    config = json.loads((MODEL_DIR / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(len(LABELS))] == list(LABELS)
    weights = MODEL_DIR / "model.safetensors"
    assert weights.stat().st_size <= 50 * 1024 * 1024
    assert (TOKENIZER_DIR / "tokenizer.json").is_file()
    assert (MODEL_DIR / "README.md").is_file()


def test_loads_lazily_once():
    model = ClassificationModel()
    assert not hasattr(model, "model_")
    model.predict(["hello"])
    loaded = model.model_
    model.predict(["again"])
    assert model.model_ is loaded


@pytest.mark.slow
def test_loads_offline_in_a_fresh_process_without_transformers():
    # transformers' import pulls in torch's compiler stack (~140 MB of RSS); serving needs neither (ml.text.bert).
    code = (
        "import os, sys; os.environ['HF_HUB_OFFLINE']='1'; os.environ['HF_HOME']='/nonexistent';"
        "from ml import ClassificationModel; print(ClassificationModel().predict(['yay'])[0]['joy'] > 0,"
        "sorted(m for m in ('transformers', 'torch._dynamo') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("True []")


def test_importing_ml_does_not_import_torch():
    code = "import sys, ml, ml.text.preprocess, ml.labels; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("label", LABELS)
def test_clear_examples_are_classified_right(classifier, label):
    for text, probs in zip(CLEAR_EXAMPLES[label], classifier.predict(CLEAR_EXAMPLES[label])):
        assert max(probs, key=probs.get) == label, (text, probs)


def test_probabilities_are_a_distribution_over_all_labels(classifier):
    for probs in classifier.predict(["what a day", "ugh"]):
        assert list(probs) == list(LABELS)
        assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probs.values())
        assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-5)


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_inputs_get_an_answer(classifier, name):
    (probs,) = classifier.predict([BAD_INPUTS[name]])
    assert set(probs) == set(LABELS)
    assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-5)
    assert all(math.isfinite(p) for p in probs.values())


def test_empty_batch_and_none_items(classifier):
    assert classifier.predict([]) == []
    assert len(classifier.predict([None, "fine"])) == 2


def test_label_subset_renormalises(classifier):
    (probs,) = classifier.predict(["i am so happy"], labels=list(EMOTIONS))
    assert list(probs) == list(EMOTIONS)
    assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-5)


def test_unknown_label_subset_and_single_string_are_errors(classifier):
    with pytest.raises(ValueError, match="unknown labels"):
        classifier.predict(["x"], labels=["joy", "bliss"])
    with pytest.raises(TypeError):
        classifier.predict("a single string")


def test_order_is_kept_across_length_buckets(classifier):
    texts = ["i am so happy " * 20, "sad", "i am terrified of the dark", "", "love you", "ok " * 60]
    batched = ClassificationModel(batch_size=2).load().predict(texts)
    one_by_one = [classifier.predict([t])[0] for t in texts]
    for a, b in zip(batched, one_by_one):
        assert max(a, key=a.get) == max(b, key=b.get)
        assert all(abs(a[k] - b[k]) < 0.05 for k in a)


def test_batches_are_padded_to_their_own_length_longest_first(classifier):
    texts = ["a b c d e f g h", "a", "a b c d", "a b", "a b c d e f", "a b c"]
    model = ClassificationModel(batch_size=2).load()
    batches = model.preprocess(texts)
    widths = [b["input_ids"].shape[1] for b in batches]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 3  # longest first (heap reuse)
    for batch in batches:
        assert batch["attention_mask"].sum(1).max() == batch["input_ids"].shape[1]  # no padding beyond its longest
    assert sorted(i for b in batches for i in b["index"]) == list(range(len(texts)))


def test_long_text_is_truncated_not_rejected(classifier):
    encoded = classifier.preprocess(["word " * 3000])
    assert encoded[0]["input_ids"].shape[1] == classifier.max_length


@pytest.mark.parametrize(
    ("amx", "fbgemm", "avx512_bf16", "expected"),
    [
        (True, True, True, "bfloat16"),  # AMX: bf16 beats int8 and keeps float32 accuracy
        (False, True, True, "int8"),  # AVX512-BF16 alone: int8 is faster
        (False, False, True, "bfloat16"),
        (False, False, False, "float32"),
    ],
)
def test_auto_dtype_picks_the_fastest_mode_for_the_cpu(monkeypatch, amx, fbgemm, avx512_bf16, expected):
    probes = {"_is_amx_tile_supported": amx, "_is_avx512_bf16_supported": avx512_bf16}
    monkeypatch.setattr(ml.text.classifier, "_cpu_has", probes.__getitem__)
    monkeypatch.setattr(ml.text.classifier, "int8_is_available", lambda: fbgemm)
    assert ml.text.classifier.resolve_dtype("auto") == expected
    assert ml.text.classifier.resolve_dtype("float32") == "float32"


def test_default_model_runs_the_mode_auto_picks_here():
    model = ClassificationModel().load()
    assert model.dtype_ == ml.text.classifier.resolve_dtype("auto")
    (probs,) = model.predict(["what a wonderful day"])
    assert max(probs, key=probs.get) == "joy"
