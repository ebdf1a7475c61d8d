import pytest

from ml.text.language import (
    DETECT_MIN_CONFIDENCE,
    UNDETERMINED,
    detect_language,
    is_scored,
    main_language,
    tweet_language,
)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Estoy muy triste, ya no puedo más con todo esto", "es"),
        ("Je suis tellement fatigué de tout, rien ne va plus", "fr"),
        ("Ich bin so traurig und müde, alles ist zu viel für mich", "de"),
        ("I can't believe how awful this week has been, honestly", "en"),
    ],
)
def test_full_sentences_are_detected(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["lol", "ok", "😭😭😭", "", "   ", "@united #fail http://t.co/x"])
def test_short_or_empty_texts_have_no_language(text):
    # Below DETECT_MIN_CONFIDENCE, or nothing but names and links: kept, not guessed.
    assert detect_language(text) is None


def test_twitter_language_wins_and_undetermined_codes_ask_the_detector():
    spanish = "Estoy muy triste, ya no puedo más con todo esto"
    assert tweet_language(spanish, "en") == "en"  # Twitter's answer is taken as it is
    assert tweet_language("anything", "pt-BR") == "pt"
    for code in sorted(UNDETERMINED):
        assert tweet_language(spanish, code) == "es"
        assert tweet_language("lol", code) is None
    assert tweet_language(spanish, None) == tweet_language(spanish, "") == "es"


def test_only_english_and_unknown_tweets_are_scored():
    assert [is_scored(x) for x in ("en", None, "es", "ja", "und")] == [True, True, False, False, True]
    assert main_language(["en", "es", "es", None, "en", "es"]) == "es"
    assert main_language([]) is None
    assert 0.5 < DETECT_MIN_CONFIDENCE < 1
