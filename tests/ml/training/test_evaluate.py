import json
import random

import pytest

from ml.labels import EMOTIONS, LABELS
from ml.training import evaluate
from ml.training.data import DATA_DIR, is_airline_eval_user, neutral_gold, read_jsonl

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


# --- real tweets ---------------------------------------------------------------------------------

SEMEVAL_ROWS = [  # SemEval E-c's format: comma-joined emotions, "" for none
    {"id": "a", "text": "I am so furious with this airline, worst service ever #angry", "label": "anger,disgust"},
    {"id": "b", "text": "Best day of my life, I passed my exam!! 🎉", "label": "joy,optimism"},
    {"id": "c", "text": "I miss my grandma so much, it hurts every day", "label": "sadness,love"},
    {"id": "d", "text": "Looking forward to the game on Saturday", "label": "anticipation"},
    {"id": "e", "text": "The meeting is at 3pm in room 4", "label": ""},
]


def write_rows(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def test_multi_label_scores_the_top_label_against_the_mapped_gold(tmp_path, classifier):
    path = write_rows(tmp_path / "ec.jsonl", SEMEVAL_ROWS)
    result = evaluate.main(["--data", str(path), "--multi-label"], classifier=classifier)
    # The anticipation-only row has no label of ours: counted, not scored.
    assert (result["n"], result["left_out"], result["emotional_rows"]) == (4, 1, 3)
    probs = classifier.predict([r["text"] for r in SEMEVAL_ROWS])
    tops = [max(p, key=p.get) for p in probs]
    golds = [{"anger"}, {"joy"}, {"sadness", "love"}, set(), {"neutral"}]
    scored = [(t, g) for t, g in zip(tops, golds) if g]
    assert result["top1_in_gold"] == round(sum(t in g for t, g in scored) / 4, 4)
    assert result["emotional_predicted_neutral"] == round(tops[:3].count("neutral") / 3, 4)
    assert set(result["per_class"]) == set(LABELS)
    assert result["per_class"]["anger"]["support"] == 1 and result["per_class"]["neutral"]["support"] == 1


def test_tweeteval_reports_three_and_four_class_macro_f1(tmp_path, classifier):
    rows = [
        {"text": "I hate waiting in line for hours, so annoying", "label": "anger"},
        {"text": "so happy to see all my friends tonight!!", "label": "joy"},
        {"text": "feeling down and lonely today", "label": "sadness"},
        {"text": "tomorrow will be better, keep going #positive", "label": "optimism"},
    ]
    result = evaluate.main(
        ["--data", str(write_rows(tmp_path / "te.jsonl", rows)), "--tweeteval"], classifier=classifier
    )
    three, four = result["three_class"], result["four_class_optimism_as_joy"]
    assert (result["n"], three["n"], four["n"]) == (4, 3, 4)
    assert set(three["per_class"]) == {"anger", "joy", "sadness"}
    assert four["per_class"]["joy"]["support"] == 2 and three["per_class"]["joy"]["support"] == 1
    assert 0.0 <= three["macro_f1"] <= 1.0 and 0.0 <= four["macro_f1"] <= 1.0


def test_airline_scores_only_the_held_out_users_unanimous_tweets(tmp_path, classifier):
    users = ["held_a", "held_b", "train_c", "train_d", "held_e", "x1", "x2", "x3"]
    held = [u for u in users if is_airline_eval_user(u)]
    assert held and len(held) < len(users)  # the sample has both sides
    rows = [
        {"user": u, "text": f"@united my bag is lost again, terrible service ({u})", "label": "negative",
         "label_confidence": 1.0}
        for u in users
    ] + [{"user": held[0], "text": "@united thanks!", "label": "positive", "label_confidence": 0.6}]  # fmt: skip
    path = tmp_path / "airline.jsonl"
    write_rows(path, rows)
    result = evaluate.main(["--data", str(path), "--airline"], classifier=classifier)
    assert result["n"] == len(held)
    negative = result["by_sentiment"]["negative"]
    assert negative["n"] == len(held) and set(negative["predicted"]) == {"negative", "positive", "neutral"}
    assert "positive" not in result["by_sentiment"]  # not unanimous: left out


def test_real_tweet_mode_errors(tmp_path, capsys):
    ec = write_rows(tmp_path / "ec.jsonl", [{"id": "a", "text": "x", "label": "anger,boredom"}])
    assert "ec.jsonl:1: unknown label 'boredom'" in run_cli_error(capsys, "--data", str(ec), "--multi-label")
    te = write_rows(tmp_path / "te.jsonl", [{"text": "x", "label": "joy"}, {"text": "y", "label": "love"}])
    assert "te.jsonl:2: unknown label 'love'" in run_cli_error(capsys, "--data", str(te), "--tweeteval")
    air = tmp_path / "air.jsonl"
    air.write_text('{"user": "held_a", "text": "late again"}\n')
    assert "air.jsonl:1: expected an airline tweet" in run_cli_error(capsys, "--data", str(air), "--airline")
    write_rows(air, [{"user": "u", "text": "meh", "label": "angry", "label_confidence": 1.0}])
    assert "air.jsonl:1: unknown sentiment 'angry'" in run_cli_error(capsys, "--data", str(air), "--airline")
    train_only = [u for u in ("a", "b", "c", "d") if not is_airline_eval_user(u)][0]
    write_rows(air, [{"user": train_only, "text": "meh", "label": "neutral", "label_confidence": 1.0}])
    assert "no examples" in run_cli_error(capsys, "--data", str(air), "--airline")
    assert "choose one of --multi-label, --tweeteval" in run_cli_error(
        capsys, "--data", str(ec), "--multi-label", "--tweeteval"
    )
    assert "--labels and --multi-label cannot be combined" in run_cli_error(
        capsys, "--data", str(ec), "--multi-label", "--labels", SIX
    )
