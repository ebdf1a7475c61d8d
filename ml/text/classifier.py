"""The shipped emotion classifier: load once, predict batches of tweets offline on the CPU."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import torch

from ml import BATCH_SIZE
from ml.text.preprocess import normalize

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "model"
TOKENIZER_DIR = ROOT / "tokenizer"
ModuleT = TypeVar("ModuleT", bound=torch.nn.Module)

# Tokens read per text. Tweets (280 characters) stay well under it; longer texts are cut.
MAX_LENGTH = 128


def int8_is_available() -> bool:
    """True when torch has the fbgemm int8 GEMM backend (x86; VNNI-accelerated where present)."""
    return "fbgemm" in torch.backends.quantized.supported_engines


def resolve_dtype(dtype: str) -> str:
    """Map ``auto`` to the fastest mode that costs at most 0.3 points of validation accuracy.

    bf16 where the CPU has AMX tiles (1.6x int8 there, at float32 accuracy); else int8 with
    per-channel weight scales (0.1 points below float32, 2.4x faster) where torch has
    fbgemm; else bf16 where the CPU has AVX512-BF16; else float32. Figures: model card.
    """
    if dtype != "auto":
        return dtype
    if amx_is_available():
        return "bfloat16"
    if int8_is_available():
        return "int8"
    return "bfloat16" if bf16_is_fast() else "float32"


def _cpu_has(probe: str) -> bool:
    check = getattr(getattr(torch, "cpu", None), probe, None)
    try:
        return bool(check is not None and check())
    except RuntimeError:
        return False


def amx_is_available() -> bool:
    """True when this CPU has AMX tiles, which run bf16 matrix products in hardware."""
    return _cpu_has("_is_amx_tile_supported")


def bf16_is_fast() -> bool:
    """True when this CPU has native bf16 matrix units (AMX or AVX512-BF16)."""
    return amx_is_available() or _cpu_has("_is_avx512_bf16_supported")


def release_freed_memory() -> None:
    """Hand memory freed after quantization (the float32 weights) back to the OS.

    glibc keeps freed heap pages otherwise, and a worker would carry them for its lifetime.
    """
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def quantize_int8(model: ModuleT) -> ModuleT:
    """Dynamic int8 quantization of every ``nn.Linear`` (embeddings and norms stay float32).

    Weights get one scale per output channel: per-tensor scales cost 0.45 points of validation
    accuracy, per-channel 0.1 (model card). Activations are quantized per batch at run time.
    """
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig

    # Process-wide setting. fbgemm ran these small GEMMs ~3x faster than the default "x86"
    # dispatcher here (ml.training.bench); weights are packed for the engine set now.
    torch.backends.quantized.engine = "fbgemm"
    with warnings.catch_warnings():
        # torch points eager-mode quantization users to torchao; the eager API still ships and works.
        warnings.simplefilter("ignore")
        # In place: a copy would hold a second float32 model in memory.
        return torch.ao.quantization.quantize_dynamic(
            model, {torch.nn.Linear: per_channel_dynamic_qconfig}, inplace=True
        )


def pad_batch(encoded: Sequence[Sequence[int]], index: Sequence[int], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask for the texts ``index`` of ``encoded``, padded to the longest of them."""
    width = max(len(encoded[i]) for i in index)
    ids = torch.full((len(index), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(index), width), dtype=torch.long)
    for row, i in enumerate(index):
        ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
        mask[row, : len(encoded[i])] = 1
    return ids, mask


class ClassificationModel:
    """Emotion classifier over the seven labels in ``model/config.json``.

    Parameters
    ----------
    model_dir, tokenizer_dir : path, optional
        Hugging Face directories; default to the shipped ``model/`` and ``tokenizer/``.
    batch_size : int
        Texts per forward pass. Texts are sorted by length first, so each batch is
        padded only to its own longest text.
    max_length : int
        Tokens kept per text (truncation).
    dtype : {"auto", "int8", "bfloat16", "float32"}
        ``int8`` quantizes the linear layers dynamically (int8 weights with per-channel
        scales, activations quantized per batch; needs torch's fbgemm backend). ``auto``
        picks bf16 where the CPU has AMX, else int8 where fbgemm is available, else bf16
        where the CPU has AVX512-BF16, else float32. Measured figures for each are in the
        model card.

    The model is loaded lazily on the first :meth:`predict` (or :meth:`load`), once per
    instance; load it in the process that uses it (after a worker forks).
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        tokenizer_dir: str | Path | None = None,
        batch_size: int | None = None,
        max_length: int = MAX_LENGTH,
        dtype: str = "auto",
    ):
        self.model_dir = Path(model_dir) if model_dir else MODEL_DIR
        self.tokenizer_dir = Path(tokenizer_dir) if tokenizer_dir else TOKENIZER_DIR
        self.batch_size = batch_size or BATCH_SIZE
        self.max_length = max_length
        self.dtype = dtype
        self._lock = threading.Lock()

    # -- loading -----------------------------------------------------------------
    def load(self) -> ClassificationModel:
        """Load tokenizer and weights from disk (offline); idempotent and thread-safe."""
        if hasattr(self, "model_"):
            return self
        with self._lock:
            if hasattr(self, "model_"):
                return self
            from tokenizers import Tokenizer

            from ml.text.bert import BertClassifier

            dtype = resolve_dtype(self.dtype)
            if dtype == "int8" and not int8_is_available():
                raise RuntimeError("dtype='int8' needs torch's fbgemm int8 backend, absent here")
            tokenizer = Tokenizer.from_file(str(self.tokenizer_dir / "tokenizer.json"))
            tokenizer.enable_truncation(self.max_length)
            tokenizer.no_padding()  # batches are padded by pad_batch, each to its own longest text
            pad_id = tokenizer.token_to_id("[PAD]")  # BERT WordPiece vocabularies' padding token
            if pad_id is None:
                raise ValueError(f"{self.tokenizer_dir} has no [PAD] token")
            self.pad_id_ = pad_id
            self.tokenizer_ = tokenizer
            model = BertClassifier.from_pretrained(
                self.model_dir, dtype=torch.float32 if dtype == "int8" else getattr(torch, dtype)
            )
            if dtype == "int8":
                model = quantize_int8(model)
                release_freed_memory()
            self.labels_ = tuple(model.config["id2label"][str(i)] for i in range(len(model.config["id2label"])))
            self.dtype_ = dtype
            self.model_ = model
            logger.info("loaded emotion model from %s (%s)", self.model_dir, dtype)
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        """The label names, in the model's output order."""
        return self.load().labels_

    @property
    def version(self) -> str:
        """The model version recorded in ``config.json`` (``mood_model_version``)."""
        return str(self.load().model_.config.get("mood_model_version", "unversioned"))

    # -- inference: preprocess -> _forward -> postprocess -------------------------
    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text: normalised, with [CLS] and [SEP], cut at ``max_length``."""
        return [e.ids for e in self.load().tokenizer_.encode_batch([normalize(t) for t in texts])]

    def preprocess(self, texts: Sequence[str]) -> list[dict]:
        """Normalise and tokenise; return batches of padded tensors with their original indices."""
        encoded = self.encode(texts)
        # Longest first: the first batch's freed activation blocks then fit every later one.
        # Shortest first made each batch a little larger than the freed blocks, and glibc's
        # heap grew by ~80 MB of peak RSS over a 1,024-tweet call (model card).
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]), reverse=True)
        batches = []
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            ids, mask = pad_batch(encoded, index, self.pad_id_)
            batches.append({"index": index, "input_ids": ids, "attention_mask": mask})
        return batches

    def _forward(self, batch: dict) -> torch.Tensor:
        with torch.inference_mode():
            logits = self.model_(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return logits.float()

    def postprocess(self, logits: torch.Tensor, labels: Sequence[str] | None = None) -> list[dict[str, float]]:
        """Softmax over all labels, or over ``labels`` only (renormalised); plain floats."""
        names = self.labels_
        if labels is not None:
            keep = [names.index(label) for label in labels]
            logits, names = logits[:, keep], tuple(labels)
        probs = torch.softmax(logits, dim=-1).tolist()
        return [dict(zip(names, row)) for row in probs]

    def predict(self, texts: Sequence[str], labels: Sequence[str] | None = None) -> list[dict[str, float]]:
        """Return, per text, a dict of label -> probability (summing to 1).

        ``labels`` restricts the softmax to a subset of the model's labels (e.g. the six
        emotions without ``neutral``). Any string gets an answer: empty, emoji-only,
        URL-only, non-English or very long texts included.
        """
        if isinstance(texts, str):
            raise TypeError("predict() takes a list of strings, not a single string")
        self.load()
        if labels is not None:
            unknown = [label for label in labels if label not in self.labels_]
            if unknown or not labels:
                raise ValueError(f"unknown labels {unknown}; the model knows {', '.join(self.labels_)}")
        texts = ["" if t is None else str(t) for t in texts]
        if not texts:
            return []
        results: list[dict[str, float]] = [{}] * len(texts)
        for batch in self.preprocess(texts):
            for i, probs in zip(batch["index"], self.postprocess(self._forward(batch), labels)):
                results[i] = probs
        return results
