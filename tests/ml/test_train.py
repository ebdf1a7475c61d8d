import json
import random

from ml import ClassificationModel
from ml.labels import LABELS
from ml.train import MODEL_VERSION, bucketed_batches, main


def test_bucketed_batches_cover_every_row_once_and_group_lengths():
    lengths = [random.Random(1).randint(3, 60) for _ in range(1000)]
    batches = bucketed_batches(lengths, 16, random.Random(0))
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(1000))
    spread = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches]
    assert sum(spread) / len(spread) < 10  # random batches would spread ~50


def test_smoke_training_writes_a_loadable_model(tmp_path):
    model_dir, tokenizer_dir = tmp_path / "model", tmp_path / "tokenizer"
    main(
        [
            "--limit",
            "64",
            "--epochs",
            "1",
            "--batch-size",
            "16",
            "--model-dir",
            str(model_dir),
            "--tokenizer-dir",
            str(tokenizer_dir),
            "--skip-report",
        ]
    )
    config = json.loads((model_dir / "config.json").read_text())
    assert config["mood_model_version"] == MODEL_VERSION
    assert config["id2label"] == {str(i): label for i, label in enumerate(LABELS)}
    log = json.loads((model_dir / "training_log.json").read_text())
    assert log["epochs"][0]["epoch"] == 1
    (probs,) = ClassificationModel(model_dir, tokenizer_dir).predict(["a tweet"])
    assert set(probs) == set(LABELS)
