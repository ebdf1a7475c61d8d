"""Classify tweets from the command line: ``python -m ml [TEXT ...]`` (examples when none given)."""

from __future__ import annotations

import argparse

EXAMPLES = (
    "Finally got the job!!! Best day ever 🎉 #blessed",
    "I miss my grandma so much, the house feels empty without her",
    "@united lost my bag AGAIN and nobody answers the phone. Unbelievable. https://t.co/x",
    "Can't sleep, my exam is tomorrow and I'm terrified I'll fail",
    "Wait, they cancelled the show?? Did not see that coming 😮",
    "Happy anniversary to the love of my life ❤️",
    "The 8:15 train leaves from platform 4 today",
)


def main(argv: list[str] | None = None) -> None:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("texts", nargs="*", help="texts to classify (default: built-in examples)")
    args = parser.parse_args(argv)
    from ml.text.classifier import ClassificationModel

    texts = args.texts or list(EXAMPLES)
    model = ClassificationModel()
    print(f"model {model.version}, labels: {', '.join(model.labels)}\n")
    for text, probs in zip(texts, model.predict(texts)):
        ranked = sorted(probs.items(), key=lambda kv: kv[1], reverse=True)
        top = "  ".join(f"{label} {p:.2f}" for label, p in ranked[:3])
        print(f"{ranked[0][0]:>9}  {text[:70]}\n{'':>9}  {top}")


if __name__ == "__main__":
    main()
