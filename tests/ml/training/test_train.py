import json
import random

import pytest
import torch

import ml.training.train
from ml import ClassificationModel
from ml.labels import LABELS
from ml.training.train import MODEL_VERSION, bucketed_batches, main, neutral_f1_at, row_losses
from tests.ml.training.shared_data import tiny_shared

pytestmark = pytest.mark.slow  # trains or builds from data: in `make test`, not `make test-fast`


def test_bucketed_batches_cover_every_row_once_and_group_lengths():
    lengths = [random.Random(1).randint(3, 60) for _ in range(1000)]
    batches = bucketed_batches(lengths, 16, random.Random(0))
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(1000))
    spread = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches]
    assert sum(spread) / len(spread) < 10  # random batches would spread ~50


def test_neutral_bias_moves_only_the_neutral_decision():
    neutral = LABELS.index("neutral")
    log_probs = torch.full((3, len(LABELS)), -5.0)
    log_probs[0, neutral], log_probs[0, 1] = -0.5, -0.4  # neutral a close second
    log_probs[1, neutral], log_probs[1, 1] = -0.1, -3.0  # clearly neutral
    log_probs[2, neutral], log_probs[2, 3] = -2.0, -0.1  # clearly emotional
    gold = torch.tensor([True, True, False])
    assert neutral_f1_at(log_probs, gold, 0.0) == pytest.approx(2 / 3)  # one of two neutral found
    assert neutral_f1_at(log_probs, gold, 0.2) == 1.0
    assert neutral_f1_at(log_probs, gold, 2.5) == pytest.approx(0.8)  # too far: the emotional one flips too
    assert neutral_f1_at(log_probs, gold, -1.0) == pytest.approx(2 / 3)
    assert neutral_f1_at(log_probs, gold, -3.0) == 0.0


def test_smoke_training_writes_a_loadable_model(tmp_path):
    model_dir, tokenizer_dir = tmp_path / "model", tmp_path / "tokenizer"
    main(
        [
            "--shared-dir",
            str(tiny_shared(tmp_path / "shared")),
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
    assert log["calibration"]["rows"] == 64 and -3 <= log["calibration"]["neutral_bias"] <= 3
    assert log["calibration"]["f1_after"] >= log["calibration"]["f1_before"]
    (probs,) = ClassificationModel(model_dir, tokenizer_dir).predict(["a tweet"])
    assert set(probs) == set(LABELS)


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, monkeypatch, capsys):
    args = ["--limit", "32", "--epochs", "2", "--batch-size", "16", "--skip-report"]
    args += ["--shared-dir", str(tiny_shared(tmp_path / "shared"))]
    args += ["--model-dir", str(tmp_path / "model"), "--tokenizer-dir", str(tmp_path / "tok")]
    args += ["--checkpoint", str(tmp_path / "ck" / "state.pt")]
    evaluate = ml.training.train.evaluate_in_training
    calls = []

    def crash_in_second_epoch(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return evaluate(*a, **k)

    monkeypatch.setattr(ml.training.train, "evaluate_in_training", crash_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        main(args)
    assert (tmp_path / "ck" / "state.pt").exists() and not (tmp_path / "model").exists()
    monkeypatch.setattr(ml.training.train, "evaluate_in_training", evaluate)
    main([*args, "--resume"])
    assert "resumed after epoch 1" in capsys.readouterr().out
    log = json.loads((tmp_path / "model" / "training_log.json").read_text())
    assert [e["epoch"] for e in log["epochs"]] == [1, 2]
    assert {"validation_accuracy", "neutral_f1"} <= set(log["epochs"][1])
    assert not (tmp_path / "ck" / "state.pt").exists()  # a finished run leaves no checkpoint


def test_partial_rows_learn_the_mass_on_their_allowed_labels():
    logits = torch.tensor([[2.0, 0.0, 0.0, 1.0, 1.0, 0.0, 3.0], [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    allowed = torch.tensor([[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    losses = row_losses(logits, allowed, torch.tensor([True, False]))
    probs = logits.softmax(-1)
    assert losses[0] == pytest.approx(-torch.log(probs[0, [0, 3, 4]].sum()).item())  # sadness/anger/fear mass
    assert losses[1] == pytest.approx(-torch.log(probs[1, 1]).item())  # a one-hot soft target is cross-entropy
    # Moving mass from neutral to any allowed label lowers a partial row's loss; the choice among them is free.
    to_anger, to_fear = logits.clone(), logits.clone()
    to_anger[0, 3] += 2
    to_fear[0, 4] += 2
    partial = torch.tensor([True, False])
    assert row_losses(to_anger, allowed, partial)[0] < losses[0]
    assert row_losses(to_anger, allowed, partial)[0] == pytest.approx(row_losses(to_fear, allowed, partial)[0].item())
    logits.requires_grad_(True)
    row_losses(logits, allowed, partial).sum().backward()
    assert torch.isfinite(logits.grad).all()  # zeros in soft targets never reach a -inf


def test_training_without_the_real_tweet_data_says_where_to_point(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            ["--shared-dir", str(tmp_path), "--model-dir", str(tmp_path / "m"), "--tokenizer-dir", str(tmp_path / "t")]
        )
    assert exc.value.code == 2
    assert "--shared-dir" in capsys.readouterr().err and not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "replay, message",
    [("carer", "expected SOURCE=SHARE"), ("carer=2", "share in (0, 1]"), ("semeval=0.5", "share in (0, 1]")],
)
def test_bad_replay_shares_are_refused(tmp_path, capsys, replay, message):
    with pytest.raises(SystemExit) as exc:
        main(["--replay", replay, "--model-dir", str(tmp_path / "m"), "--tokenizer-dir", str(tmp_path / "t")])
    assert exc.value.code == 2 and message in capsys.readouterr().err
