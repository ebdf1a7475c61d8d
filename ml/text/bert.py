"""The shipped classifier's network in plain torch, for serving.

``BertForSequenceClassification`` as ``transformers`` defines it, inference only: the same
module names, so the shipped ``model.safetensors`` loads with ``strict=True``. Serving without
``transformers`` keeps its import (which pulls in torch's compiler stack, ~140 MB of RSS) out of
every process that holds the model. ``tests/ml/test_bert.py`` checks the logits against
``transformers`` on the shipped weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

SUPPORTED = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}


def read_config(model_dir: str | Path) -> dict:
    """``config.json`` of a Hugging Face BERT classifier; ValueError for anything this module cannot run."""
    config = json.loads((Path(model_dir) / "config.json").read_text())
    for key, value in SUPPORTED.items():
        if config.get(key, value) != value:
            raise ValueError(f"{model_dir}: {key}={config.get(key)!r} is not supported (needs {value!r})")
    return config


class Embeddings(nn.Module):
    """Word, position and token-type embeddings, summed and normalised (transformers' BertEmbeddings)."""

    def __init__(self, c: dict):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        # One segment per text: token type 0 everywhere.
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product attention over the padded batch (BertSelfAttention)."""

    def __init__(self, c: dict):
        super().__init__()
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        batch, length, width = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

        out = F.scaled_dot_product_attention(split(self.query(x)), split(self.key(x)), split(self.value(x)), mask)
        return out.transpose(1, 2).reshape(batch, length, width)


class DenseNorm(nn.Module):
    """Projection, residual add and LayerNorm (BERT's ``*Output`` blocks)."""

    def __init__(self, c: dict, width_in: int):
        super().__init__()
        self.dense = nn.Linear(width_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    """Self-attention, its output projection and the residual norm (BertAttention)."""

    def __init__(self, c: dict):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c, c["hidden_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    """The feed-forward expansion with GELU (BertIntermediate)."""

    def __init__(self, c: dict):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        return F.gelu(self.dense(x))  # exact (erf) GELU, as hidden_act "gelu"


class Layer(nn.Module):
    """One transformer layer: attention, then feed-forward with its residual norm (BertLayer)."""

    def __init__(self, c: dict):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c, c["intermediate_size"])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    """The stack of layers (BertEncoder)."""

    def __init__(self, c: dict):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))


class Pooler(nn.Module):
    """tanh over the [CLS] vector (BertPooler)."""

    def __init__(self, c: dict):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])


class Bert(nn.Module):
    """Embeddings, encoder and pooler (BertModel)."""

    def __init__(self, c: dict):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Pooler(c)


class BertClassifier(nn.Module):
    """Encoder, tanh pooler over [CLS] and a linear layer: logits over ``config["id2label"]``."""

    def __init__(self, config: dict):
        super().__init__()
        self.config = config
        self.bert = Bert(config)
        self.classifier = nn.Linear(config["hidden_size"], len(config["id2label"]))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The layer's output for a batch."""
        x = self.bert.embeddings(input_ids)
        # True where a key is a real token; broadcast over heads and query positions.
        mask = attention_mask.bool()[:, None, None, :]
        for layer in self.bert.encoder.layer:
            x = layer(x, mask)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return self.classifier(pooled)

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, dtype: torch.dtype = torch.float32) -> BertClassifier:
        """Load ``config.json`` and ``model.safetensors`` in ``dtype``, in eval mode."""
        from safetensors.torch import load_file

        config = read_config(model_dir)
        # Built on the CPU and then given the file's tensors: building on the "meta" device
        # instead would import torch's compiler stack (its init functions go through torch._refs).
        model = cls(config)
        state = {name: tensor.to(dtype) for name, tensor in load_file(Path(model_dir) / "model.safetensors").items()}
        model.load_state_dict(state, strict=True, assign=True)
        return model.eval()
