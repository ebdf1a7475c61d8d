import json
import random

import pytest

from ml import evaluate
from ml.data import DATA_DIR, neutral_gold, read_jsonl
from ml.labels import EMOTIONS

SIX = ",".join(EMOTIONS)


@pytest.fixture
def sample(tmp_path):
    """A seeded 300-row sample of the emotion validation split."""
    rows = read_jsonl(DATA_DIR / "emotion_validation.jsonl")
    rows = random.Random(7).sample(rows, 300)
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_validation_sample_scores_above_floor(sample, classifier, capsys):
    result = evaluate.main(["--data", str(sample), "--labels", SIX], classifier=classifier)
    printed = json.loads(capsys.readouterr().out)
    assert printed == result
    assert result["n"] == 300
    assert result["accuracy"] >= 0.88
    assert result["macro_f1"] >= 0.80
    assert set(result["per_class"]) == set(EMOTIONS)
    assert sum(map(sum, result["confusion_matrix"]["matrix"])) == 300
    assert 0.0 <= result["ece"] <= 0.1
    assert result["model_version"] == classifier.version


def test_neutral_vs_emotional_on_goemotions_dev_sample(tmp_path, classifier):
    rows = random.Random(7).sample(read_jsonl(DATA_DIR / "goemotions_dev_neutral.jsonl"), 400)
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = evaluate.main(["--data", str(path), "--neutral-vs-emotional"], classifier=classifier)
    assert result["n"] == 400
    assert result["f1"] >= 0.55


def test_neutral_gold_scores_goemotions_rows_both_ways(tmp_path, classifier):
    rows = random.Random(7).sample(read_jsonl(DATA_DIR / "goemotions_dev.jsonl"), 400)
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    derived = tmp_path / "derived.jsonl"
    derived.write_text("".join(json.dumps(neutral_gold(r)) + "\n" for r in rows))
    only = evaluate.main(["--data", str(path), "--neutral-gold", "only"], classifier=classifier)
    plain = evaluate.main(["--data", str(derived), "--neutral-vs-emotional"], classifier=classifier)
    assert only.pop("gold") == "only" and only == plain
    any_vote = evaluate.main(["--data", str(path), "--neutral-gold", "any"], classifier=classifier)
    mixed = sum("neutral" in r["label"].split(",") and r["label"] != "neutral" for r in rows)
    assert mixed and any_vote["support"] == only["support"] + mixed


def run_cli_error(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        evaluate.main(list(argv), classifier=object())  # never reached: errors come first
    assert exc.value.code == 2
    return capsys.readouterr().err


def test_malformed_line_is_named(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": "joy"}\nnot json\n')
    assert "bad.jsonl:2: not valid JSON" in run_cli_error(capsys, "--data", str(path))


def test_unknown_gold_label_is_named(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": "joy"}\n{"text": "meh", "label": "boredom"}\n')
    assert "bad.jsonl:2: unknown label 'boredom'" in run_cli_error(capsys, "--data", str(path))


def test_gold_label_outside_subset_is_an_error(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "nothing much", "label": "neutral"}\n')
    assert "d.jsonl:1: unknown label 'neutral'" in run_cli_error(capsys, "--data", str(path), "--labels", SIX)


def test_bad_labels_option_missing_file_and_empty_file(tmp_path, capsys):
    assert "unknown label(s) bliss" in run_cli_error(capsys, "--data", "x.jsonl", "--labels", "joy,bliss")
    assert "no such file" in run_cli_error(capsys, "--data", str(tmp_path / "missing.jsonl"))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert "no examples" in run_cli_error(capsys, "--data", str(empty))


def test_missing_field_is_named(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n')
    assert 'bad.jsonl:1: expected an object with string "text" and "label"' in run_cli_error(
        capsys, "--data", str(path)
    )


def test_neutral_gold_errors(tmp_path, capsys):
    path = tmp_path / "go.jsonl"
    path.write_text('{"text": "ok", "label": "joy,neutral"}\n{"text": "meh", "label": "neutral,boredom"}\n')
    assert "go.jsonl:2: unknown label 'boredom'" in run_cli_error(capsys, "--data", str(path), "--neutral-gold", "any")
    assert "cannot be combined" in run_cli_error(capsys, "--data", str(path), "--neutral-gold", "any", "--labels", SIX)
