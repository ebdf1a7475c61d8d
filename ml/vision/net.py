"""The expression CNN: a small VGG-style network for 48x48 grey face crops (FER2013's layout)."""

from __future__ import annotations

import torch
from torch import nn

from ml.vision.fer import FACE_SIZE, FER_LABELS, PIXEL_MEAN, PIXEL_STD

__all__ = ["FACE_SIZE", "FER_LABELS", "ExpressionNet", "normalise"]


def _block(c_in: int, c_out: int, convs: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [
            nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        ]
    return [*layers, nn.MaxPool2d(2)]


class ExpressionNet(nn.Module):
    """Four conv stages (48 → 24 → 12 → 6 → 3), global average pooling, one linear layer.

    ``width`` scales every stage; the shipped model's value is in its config.json.
    """

    def __init__(self, width: int = 32, dropout: float = 0.4) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_block(1, w, 2),
            *_block(w, 2 * w, 2),
            *_block(2 * w, 4 * w, 3),
            *_block(4 * w, 8 * w, 3),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(8 * w * 9, len(FER_LABELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, 7)`` for normalised faces ``(N, 1, 48, 48)``."""
        return self.head(self.features(x))


def normalise(faces: torch.Tensor) -> torch.Tensor:
    """uint8 faces ``(N, 48, 48)`` → float input ``(N, 1, 48, 48)``."""
    return ((faces.float() / 255.0 - PIXEL_MEAN) / PIXEL_STD).unsqueeze(1)
