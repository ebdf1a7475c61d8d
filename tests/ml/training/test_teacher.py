import os
import shutil

import pytest
from transformers import BertConfig, BertModel

from ml.labels import LABELS
from ml.text.classifier import TOKENIZER_DIR
from ml.training.data import DATA_DIR, goemotions_rows, read_jsonl, read_teacher, training_rows
from ml.training.teacher import main

pytestmark = pytest.mark.slow  # trains or builds from data: in `make test`, not `make test-fast`


def test_smoke_teacher_labels_goemotions_rows_for_training(tmp_path):
    # A one-layer encoder stands in for all-mpnet-base-v2 (not shipped): this checks the mechanics.
    base = tmp_path / "base"
    config = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    BertModel(config).save_pretrained(base)
    for name in os.listdir(TOKENIZER_DIR):
        shutil.copy(TOKENIZER_DIR / name, base / name)
    data = tmp_path / "data"
    data.mkdir()
    for name in ("goemotions_train.jsonl.gz", "goemotions_dev_neutral.jsonl", "emotion_train.jsonl"):
        (data / name).symlink_to(DATA_DIR / name)
    out = data / "goemotions_teacher.jsonl.gz"
    checkpoint = tmp_path / "teacher.pt"
    args = ["--base", str(base), "--data-dir", str(data), "--out", str(out), "--checkpoint", str(checkpoint)]
    main([*args, "--limit", "48", "--epochs", "1", "--batch-size", "16"])

    teacher = read_teacher(out)
    first = read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz")[:48]
    assert list(teacher) == [r["id"] for r in first]
    assert all(len(v) == len(LABELS) for v in teacher.values())
    assert not checkpoint.exists()
    labelled = goemotions_rows(data / "goemotions_train.jsonl.gz", teacher)
    assert 0 < len(labelled) <= 48 and all("teacher" in r for r in labelled)
    assert training_rows(data, sources=("carer", "goemotions"))[-len(labelled) :] == labelled
