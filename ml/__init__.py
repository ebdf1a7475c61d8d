"""Emotion classification and text normalisation: pure Python, no web framework.

``from ml import ClassificationModel`` resolves lazily, so importing ``ml`` (as the web
process does for scoring) never imports torch.
"""

__all__ = ["BATCH_SIZE", "ClassificationModel"]

# Texts per forward pass unless configured: int8 (the default without AMX) ran fastest at 32 in most
# bench runs, and bf16 with AMX runs at 85-95 % of its best (batch 64) there (model card).
BATCH_SIZE = 32


def __getattr__(name: str):
    if name == "ClassificationModel":
        from ml.text.classifier import ClassificationModel

        return ClassificationModel
    raise AttributeError(f"module 'ml' has no attribute {name!r}")
