"""The shipped model on real tweets of the kinds it used to misread (held-out or never-trained texts).

Complaints are airline tweets by users of the held-out fifth (`ml.training.data.is_airline_eval_user`), rated
negative unanimously; the others are SemEval-2018 dev tweets (never trained on) and the README's examples.
"""

import pytest

from ml.labels import NEUTRAL

COMPLAINTS = [
    "@united Just had the worst experience ever flying with you",
    "@USAirways your service sucks.",
    "@SouthwestAir Worst customer service ever. You Cancelled Flightled my connecting flight to NY hours ago "
    "&amp; didn't tell me. Now I'm stuck in Tampa.",
    "@united yea, a refund. Your airline ruined our trip.",
    "@USAirways PLEASE improve your phone system! Going through multiple prompts &amp; menus just to be told to "
    "call back Late Flightr = MAJOR FAIL",
    "@AmericanAir been calling 2 different offices already and still no sign of my baggage. First time on "
    "American Air.. (6)",
]


def top(probs: dict) -> str:
    return max(probs, key=probs.get)


@pytest.mark.parametrize("text", COMPLAINTS)
def test_complaints_are_anger_or_sadness(classifier, text):
    (probs,) = classifier.predict([text])
    assert top(probs) in ("anger", "sadness"), probs


def test_sarcasm_with_upside_down_face_is_not_joy(classifier):
    (probs,) = classifier.predict(["you annoy me, your name annoys me, your EVERYTHING annoys me 🙃"])
    assert top(probs) == "anger" and probs["joy"] < 0.2, probs


@pytest.mark.parametrize(
    "text, allowed",
    [
        ("what a day 😩", ("sadness", "anger", "fear")),
        ("😭", ("sadness",)),
        ("got the job!!! 🎉", ("joy",)),
        ("best concert ever!!", ("joy", "love")),
        ("I cried all night, I miss her so much and nothing feels worth it anymore", ("sadness",)),
    ],
)
def test_the_readme_examples(classifier, text, allowed):
    (probs,) = classifier.predict([text])
    assert top(probs) in allowed, probs


def test_plain_information_stays_neutral(classifier):
    texts = ["Flight 1234 departs from gate B22 at 6:40pm", "The meeting moved to Thursday at 3pm in room 4"]
    assert [top(p) for p in classifier.predict(texts)] == [NEUTRAL, NEUTRAL]
