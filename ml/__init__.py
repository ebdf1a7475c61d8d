"""Emotion classification and text normalisation: pure Python, no web framework.

``from ml import ClassificationModel`` resolves lazily, so importing ``ml`` (as the web
process does for scoring) never imports torch.
"""

__all__ = ["ClassificationModel"]


def __getattr__(name: str):
    if name == "ClassificationModel":
        from ml.classifier import ClassificationModel

        return ClassificationModel
    raise AttributeError(f"module 'ml' has no attribute {name!r}")
