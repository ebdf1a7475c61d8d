import gzip
import json
from collections import Counter

import pytest

from ml.labels import GOEMOTIONS_TO_LABEL, LABELS, SEMEVAL_TO_LABEL
from ml.training.data import (
    AIRLINE_NEGATIVE_SHARE,
    DATA_DIR,
    SOURCES,
    TEACHER_FILE,
    TEACHER_WEIGHT,
    TWEET_REPEATS,
    DataError,
    calibration_rows,
    goemotions_rows,
    is_airline_eval_user,
    is_calibration_row,
    is_partial,
    is_semeval_holdout,
    map_goemotions,
    neutral_eval_rows,
    neutral_gold,
    read_airline,
    read_jsonl,
    read_teacher,
    selection_rows,
    semeval_gold,
    semeval_target,
    subsample,
    text_key,
    training_rows,
    training_target,
    tweet_rows,
)
from tests.ml.training.shared_data import write_shared


def test_goemotions_mapping_collapses_or_drops():
    assert map_goemotions("amusement,joy") == "joy"
    assert map_goemotions("caring") == "love"
    assert map_goemotions("disgust") == "anger"
    assert map_goemotions("neutral") == "neutral"
    assert map_goemotions("approval") == "joy"
    assert map_goemotions("realization,curiosity") == "surprise"
    assert map_goemotions("joy,sadness") is None  # mixed
    assert map_goemotions("joy,neutral") == "joy"  # raters who saw an emotion win, as in the dev gold
    assert map_goemotions("anger,annoyance,neutral") == "anger"
    assert map_goemotions("joy,sadness,neutral") is None


def test_training_set_is_as_documented_and_never_holds_calibration_rows():
    rows = training_rows(sources=("carer", "goemotions"))
    tweets = read_jsonl(DATA_DIR / "emotion_train.jsonl")
    assert len(tweets) == 16000
    assert rows[: len(tweets) * TWEET_REPEATS] == tweets * TWEET_REPEATS
    reddit = rows[len(tweets) * TWEET_REPEATS :]
    goemotions = read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz")
    held_out = {r["text"] for r in goemotions if is_calibration_row(r)}
    kept = {r["text"] for r in goemotions if not is_calibration_row(r)}
    assert not {r["text"] for r in reddit} & (held_out - kept)
    labels = Counter(r["label"] for r in reddit)
    assert set(labels) == {*LABELS, None} and labels["neutral"] > 10000
    assert labels[None] > 2000  # rows mixing two of our labels, learned from the teacher alone
    assert all(len(r["teacher"]) == len(LABELS) for r in reddit)
    assert rows == training_rows(sources=("carer", "goemotions"))  # no randomness in what is trained on


def test_shipped_teacher_logits_cover_every_goemotions_train_row():
    teacher = read_teacher(DATA_DIR / TEACHER_FILE)
    assert set(teacher) == {r["id"] for r in read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz")}


def test_training_targets_mix_label_and_teacher():
    neutral, joy = LABELS.index("neutral"), LABELS.index("joy")
    assert training_target({"text": "t", "label": "joy"}) == [float(i == joy) for i in range(len(LABELS))]
    logits = [0.0] * len(LABELS)
    logits[neutral] = 4.0
    mixed = training_target({"text": "t", "label": None, "teacher": logits})
    assert sum(mixed) == pytest.approx(1.0) and max(mixed) == mixed[neutral]
    labelled = training_target({"text": "t", "label": "joy", "teacher": logits})
    assert sum(labelled) == pytest.approx(1.0)
    assert labelled[joy] == pytest.approx(1 - TEACHER_WEIGHT + TEACHER_WEIGHT * mixed[joy])
    assert labelled[neutral] == pytest.approx(TEACHER_WEIGHT * mixed[neutral])


def test_goemotions_rows_with_a_teacher_keep_mixed_rows_and_skip_unlabelled_ids(tmp_path):
    source = tmp_path / "go.jsonl"
    lines = [
        {"id": "a1", "text": "so happy", "label": "joy"},
        {"id": "a2", "text": "happy and sad", "label": "joy,sadness"},
        {"id": "a3", "text": "no teacher for me", "label": "neutral"},
    ]
    lines.append(
        {"id": next(f"c{i}" for i in range(100) if is_calibration_row({"id": f"c{i}"})), "text": "x", "label": "joy"}
    )
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    teacher = {key: [0.0] * len(LABELS) for key in ("a1", "a2", lines[3]["id"])}
    assert [(r["text"], r["label"]) for r in goemotions_rows(source, teacher)] == [
        ("so happy", "joy"),
        ("happy and sad", None),
    ]
    assert [r["label"] for r in goemotions_rows(source)] == ["joy", "neutral"]


def test_read_teacher_rejects_rows_of_the_wrong_width(tmp_path):
    path = tmp_path / TEACHER_FILE
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({"id": "x1", "logits": [0.1, 0.2]}) + "\n")
    with pytest.raises(DataError, match="'x1' needs 7 logits"):
        read_teacher(path)


def test_calibration_rows_are_a_stable_tenth_of_goemotions_train():
    rows = calibration_rows()
    total = len(read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz"))
    assert 0.08 < len(rows) / total < 0.12
    assert {r["label"] for r in rows} == {"neutral", "emotional"}
    assert rows == calibration_rows()
    assert is_calibration_row({"id": "eebbqej"}) == is_calibration_row({"id": "eebbqej"})


def test_read_jsonl_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "label": "joy"}\n\n{"text": "x", "label": \n')
    with pytest.raises(DataError, match=r"bad.jsonl:3: not valid JSON"):
        read_jsonl(path)
    path.write_text(json.dumps({"text": "ok", "label": "bliss"}) + "\n")
    with pytest.raises(DataError, match=r":1: unknown label 'bliss'"):
        read_jsonl(path, LABELS)
    path.write_text(
        json.dumps({"text": "ok", "label": "joy,neutral"}) + "\n" + json.dumps({"text": "x", "label": "joy,bliss"})
    )
    with pytest.raises(DataError, match=r":2: unknown label 'bliss'"):
        read_jsonl(path, tuple(GOEMOTIONS_TO_LABEL), multi_label=True)
    path.write_text(json.dumps({"text": 3, "label": "joy"}) + "\n")
    with pytest.raises(DataError, match=r":1: expected an object"):
        read_jsonl(path)


def test_shipped_evaluation_files_are_well_formed():
    assert len(read_jsonl(DATA_DIR / "emotion_validation.jsonl", LABELS)) == 2000
    neutral = read_jsonl(DATA_DIR / "goemotions_dev_neutral.jsonl", ("neutral", "emotional"))
    assert Counter(r["label"] for r in neutral) == {"emotional": 3834, "neutral": 1592}


def test_neutral_gold_only_counts_sole_neutral_and_any_counts_every_neutral_vote():
    label = {
        gold: [
            neutral_gold({"text": "t", "label": names}, gold)["label"] for names in ("neutral", "joy,neutral", "joy")
        ]
        for gold in ("only", "any")
    }
    assert label == {"only": ["neutral", "emotional", "emotional"], "any": ["neutral", "neutral", "emotional"]}
    with pytest.raises(ValueError, match="gold must be one of"):
        neutral_gold({"text": "t", "label": "neutral"}, "most")


def test_shipped_neutral_check_is_goemotions_dev_with_the_only_gold():
    rows = neutral_eval_rows(DATA_DIR / "goemotions_dev.jsonl")
    assert rows == read_jsonl(DATA_DIR / "goemotions_dev_neutral.jsonl")
    any_vote = neutral_eval_rows(DATA_DIR / "goemotions_dev.jsonl", "any")
    assert Counter(r["label"] for r in any_vote)["neutral"] == 1766  # README: rows carrying neutral


# --- real tweets ---------------------------------------------------------------------------------


def test_semeval_labels_map_as_the_model_card_says():
    assert semeval_gold("anger,disgust,joy") == {"anger", "joy"}
    assert semeval_gold("optimism,pessimism") == {"joy", "sadness"}
    assert semeval_gold("") == {"neutral"}  # annotated with no emotion
    assert semeval_gold("anticipation,trust") == set()  # no label of ours
    assert semeval_target("anger,disgust,joy") == {"anger": 2 / 3, "joy": 1 / 3}
    assert semeval_target("love,trust") == {"love": 1.0}
    assert semeval_target("") == {"neutral": 1.0}
    assert semeval_target("anticipation") is None
    assert set(SEMEVAL_TO_LABEL.values()) - {None} <= set(LABELS)


def test_text_keys_find_tweeteval_copies_of_semeval_tweets():
    semeval = "@Max_Kellerman  it also helps that the majority of NFL coaching is inept. #GOPATS"
    tweeteval = "@user it also helps that the majority of NFL coaching is inept. #GOPATS "
    assert text_key(semeval) == text_key(tweeteval)
    assert text_key("so happy today") != text_key("so sad today")


def semeval_row_id(holdout: bool, start: int = 0) -> str:
    return next(f"id{i}" for i in range(start, 10_000) if is_semeval_holdout({"id": f"id{i}"}) == holdout)


def test_tweet_rows_carry_their_targets_and_never_an_evaluation_tweet(tmp_path):
    train_id, holdout_id = semeval_row_id(False), semeval_row_id(True)
    other_train_id = semeval_row_id(False, int(train_id[2:]) + 1)
    # A complaint among the share of negative airline tweets trained on, and one outside it.
    kept, dropped = (
        next(
            t
            for t in (f"@united lost my bag ({i})" for i in range(1000))
            if bool(subsample([{"text": t}], share)) == keep
        )
        for keep, share in ((True, AIRLINE_NEGATIVE_SHARE), (False, AIRLINE_NEGATIVE_SHARE))
    )
    eval_user = next(f"u{i}" for i in range(100) if is_airline_eval_user(f"u{i}"))
    train_user = next(f"u{i}" for i in range(100) if not is_airline_eval_user(f"u{i}"))
    shared = write_shared(
        tmp_path,
        semeval_train=[
            {"id": train_id, "text": "@bob so angry and disgusted, also happy?", "label": "anger,disgust,joy"},
            {"id": holdout_id, "text": "held out for selection", "label": "sadness"},
            {"id": other_train_id, "text": "@someone the dev tweet again", "label": "fear"},
            {"id": "x", "text": "only trust here", "label": "trust"},
        ],
        semeval_dev=[{"id": "d", "text": "@alice the dev tweet again", "label": "fear"}],
        tweeteval_train=[
            {"text": "@user grr so annoyed", "label": "anger"},
            {"text": "@user keep going, it will be fine", "label": "optimism"},
            {"text": "@user the dev tweet again", "label": "sadness"},
        ],
        tweeteval_validation=[{"text": "@user validation tweet", "label": "joy"}],
        airline=[
            {"user": train_user, "text": kept, "label": "negative", "label_confidence": 1.0},
            {"user": train_user, "text": dropped, "label": "negative", "label_confidence": 1.0},
            {"user": train_user, "text": "@united meh", "label": "negative", "label_confidence": 0.6},
            {"user": train_user, "text": "@united validation tweet", "label": "neutral", "label_confidence": 1.0},
            {"user": eval_user, "text": "@united late again", "label": "negative", "label_confidence": 1.0},
        ],
    )
    rows = tweet_rows(shared, SOURCES)
    texts = [r["text"] for r in rows]
    assert texts == [
        "@bob so angry and disgusted, also happy?",
        "@user grr so annoyed",
        "@user keep going, it will be fine",
        kept,
    ]
    assert rows[0]["target"] == {"anger": 2 / 3, "joy": 1 / 3} and not is_partial(rows[0])
    assert [r["label"] for r in rows[1:3]] == ["anger", "joy"]  # optimism is joy's
    assert is_partial(rows[3]) and training_target(rows[3]) == [
        float(label in ("sadness", "anger", "fear")) for label in LABELS
    ]
    assert [r["text"] for r in tweet_rows(shared, ("semeval",))] == texts[:1]
    exclude = tmp_path / "demo.jsonl"
    exclude.write_text(json.dumps({"text": "@someone_else grr, so annoyed"}) + "\n")
    assert "@user grr so annoyed" not in [r["text"] for r in tweet_rows(shared, SOURCES, [exclude])]
    assert selection_rows(shared) == [{"text": "held out for selection", "gold": ["sadness"]}]


def test_missing_real_tweet_sources_are_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no semeval2018_ec/train.jsonl.*--shared-dir"):
        training_rows(shared_dir=tmp_path)
    with pytest.raises(DataError, match="unknown source"):
        training_rows(sources=("carer", "reddit"))
    assert training_rows(shared_dir=tmp_path, sources=("carer",))  # no real tweets asked for: fine


def test_airline_lines_are_checked(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"user": "u", "text": "late", "label": "negative", "label_confidence": 1.0}\n{"user": "u"}\n')
    with pytest.raises(DataError, match="a.jsonl:2: expected an airline tweet"):
        read_airline(path)
