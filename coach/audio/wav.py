"""WAV files out: everything inside coach is 16 kHz mono float32 in [-1, 1].

Writing is 16-bit PCM, and :class:`WavWriter` keeps the file valid after every
block so a crash mid-answer keeps what was said. Recordings of any format are
read by :func:`coach.audio.decode.read_audio`.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
CONVERT_HINT = "convert it to a PCM WAV, e.g. `sox answer.m4a -b 16 answer.wav`"


def pcm_to_float(frames: bytes, width: int) -> np.ndarray:
    """Interleaved PCM bytes (8, 16, 24 or 32 bit) as float32 in [-1, 1]."""
    if width == 1:
        return (np.frombuffer(frames, np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 3:
        raw = np.frombuffer(frames, np.uint8).reshape(-1, 3)
        padded = np.zeros((raw.shape[0], 4), np.uint8)
        padded[:, 1:] = raw
        return padded.view("<i4").ravel().astype(np.float32) / 2.0**31
    dtype = {2: "<i2", 4: "<i4"}[width]
    return np.frombuffer(frames, dtype).astype(np.float32) / float(2 ** (8 * width - 1))


def float_to_pcm16(samples: np.ndarray) -> bytes:
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).round().astype("<i2").tobytes()


def write_wav(path: Path | str, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write mono float samples as a 16-bit PCM WAV."""
    with WavWriter(path, rate) as writer:
        writer.write(samples)
    return Path(path)


class WavWriter:
    """Append blocks to a 16-bit mono WAV; the header is correct after every block."""

    def __init__(self, path: Path | str, rate: int = SAMPLE_RATE) -> None:
        from coach.privacy import open_private

        self.path = Path(path)
        self._file = open_private(self.path)  # 0600, never through a symbolic link
        self._writer = wave.open(self._file, "wb")  # noqa: SIM115
        self._writer.setnchannels(1)
        self._writer.setsampwidth(2)
        self._writer.setframerate(rate)
        self.frames_written = 0

    def write(self, block: np.ndarray) -> None:
        self._writer.writeframes(float_to_pcm16(block))  # patches the header
        self._file.flush()
        self.frames_written += len(block)

    def close(self) -> None:
        self._writer.close()
        self._file.close()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
