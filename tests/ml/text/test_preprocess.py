from ml.text.preprocess import MAX_CHARS, normalize, split_hashtag


def test_urls_become_one_token():
    assert normalize("look https://t.co/AbC123 and www.example.com/x?y=1") == "look http and http"


def test_mentions_are_anonymised_but_emails_kept():
    assert normalize("@united thanks @Bob_99!") == "@user thanks @user !"
    assert normalize("mail me at ann@example.com") == "mail me at ann@example.com"


def test_html_entities_unescaped():
    assert normalize("fish &amp; chips &lt;3 &quot;yum&quot;") == 'fish & chips <3 "yum"'


def test_hashtag_words_kept():
    assert (
        normalize("so #blessed today #HappyNewYear #best_day_2024") == "so blessed today happy new year best day 2024"
    )
    assert split_hashtag("NYCMarathon") == "nyc marathon"


def test_emoji_become_words():
    assert normalize("I passed 😂😂") == "I passed face with tears of joy face with tears of joy"
    assert normalize("❤️") == "red heart"


def test_repeated_characters_capped():
    assert normalize("noooooooo!!!!!!!") == "nooo!!!"


def test_whitespace_and_empty():
    assert normalize("  a \n\t b  ") == "a b"
    assert normalize("") == ""
    assert normalize(None) == ""


def test_long_text_is_bounded():
    assert len(normalize("word " * 5000)) <= MAX_CHARS


def test_non_english_passes_through():
    assert normalize("これは日本語です") == "これは日本語です"


def test_uppercase_urls_are_caught_too():
    assert normalize("SEE HTTPS://T.CO/X and WWW.EXAMPLE.COM") == "SEE http and http"
