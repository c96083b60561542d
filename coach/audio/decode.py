"""Read any recording a user has as 16 kHz mono float32 in [-1, 1].

PyAV (FFmpeg's libraries; faster-whisper already depends on it) decodes the
first audio stream of WAV, FLAC, MP3, M4A/AAC, Ogg (Vorbis or Opus), WebM and
most other containers, video files included. Every channel is averaged into
one, and the rate is converted to 16 kHz. A damaged packet is skipped (with a
notice naming how many) rather than failing the whole file, and a file that
ends well before the duration it declares gets a notice too; a file that is
missing, empty, a folder, without sound or not decodable at all raises
:class:`~coach.errors.AudioFileError` with the fix.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from coach.audio.wav import SAMPLE_RATE
from coach.errors import AudioFileError

FORMATS = "WAV, FLAC, MP3, M4A/AAC, Ogg/Opus or WebM"
"""The recording formats named in messages and help (others FFmpeg reads work too)."""
FORMATS_FIX = f"give a recording in {FORMATS} (check that it plays in a media player)"
MISSING_NOTICE_S = 0.5
"""Audio missing against the duration the file declares that earns a notice (seconds)."""


def read_audio(path: Path | str) -> np.ndarray:
    """The first audio stream of the file as 16 kHz mono float32."""
    path = Path(path)
    check_file(path)
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except PermissionError as error:
        raise AudioFileError(
            f"cannot read {path}: permission denied", "check its permissions"
        ) from error
    except av.error.FFmpegError as error:
        raise not_audio(path, error) from error
    with container:
        stream = audio_stream(container, path)
        declared_s = container.duration / 1e6 if container.duration else None
        blocks, damaged = decode_stream(container, stream)
    if damaged and not blocks:
        raise AudioFileError(f"{path} cannot be decoded: every audio packet is damaged",
                             FORMATS_FIX)
    samples = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    report_loss(path, damaged, samples.size / SAMPLE_RATE, declared_s)
    return samples


def report_loss(path: Path, damaged: int, read_s: float, declared_s: float | None) -> None:
    """Say on stderr what could not be read: damaged packets, or a file shorter than it says."""
    if damaged:
        print(f"coach: skipped {damaged} damaged packet(s) in {path}", file=sys.stderr)
    elif declared_s is not None and declared_s - read_s > MISSING_NOTICE_S:
        print(
            f"coach: read {read_s:.1f} s of the {declared_s:.1f} s {path} declares; "
            "the rest is damaged or missing",
            file=sys.stderr,
        )


def check_file(path: Path) -> None:
    """Refuse a path that is missing, a folder or empty, before PyAV is imported."""
    if path.is_dir():
        raise AudioFileError(f"{path} is a folder, not an audio file", "give a recording's path")
    if not path.is_file():
        raise AudioFileError(f"no such audio file: {path}", "check the path")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path} is empty (0 bytes)", "record the answer again")


def not_audio(path: Path, error: Exception) -> AudioFileError:
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return AudioFileError(f"{path} is not audio coach can read ({reason})", FORMATS_FIX)


def audio_stream(container: Any, path: Path) -> Any:
    """The container's first audio stream."""
    if container.streams.audio:
        return container.streams.audio[0]
    kinds = sorted({stream.type for stream in container.streams}) or ["nothing"]
    raise AudioFileError(
        f"{path} has no audio stream (it holds {', '.join(kinds)})",
        "give a recording with sound, or a video with its audio track",
    )


def decode_stream(container: Any, stream: Any) -> tuple[list[np.ndarray], int]:
    """The stream's samples in 16 kHz mono blocks, and how many damaged packets were skipped."""
    import av

    blocks: list[np.ndarray] = []
    damaged = 0
    converter = Converter()
    packets = container.demux(stream)
    while True:
        try:
            frames = next(packets).decode()
        except StopIteration:
            break
        except av.error.FFmpegError:  # a damaged packet, or a container damaged past here
            damaged += 1
            continue
        for frame in frames:
            blocks.extend(converter.convert(frame))
    blocks.extend(converter.flush())
    return [block for block in blocks if block.size], damaged


class Converter:
    """Frames of any sample format, layout and rate to 16 kHz mono float32.

    A stream whose format changes midway (it happens in concatenated files)
    gets a fresh resampler, the previous one flushed first.
    """

    def __init__(self) -> None:
        self._resampler: Any = None
        self._source: tuple[str, str, int] | None = None

    def convert(self, frame: Any) -> Iterator[np.ndarray]:
        source = (frame.format.name, frame.layout.name, frame.sample_rate)
        if source != self._source:
            yield from self.flush()
            import av

            self._resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
            self._source = source
        for converted in self._resampler.resample(frame):
            yield to_mono(converted)

    def flush(self) -> Iterator[np.ndarray]:
        if self._resampler is not None:
            for converted in self._resampler.resample(None):
                yield to_mono(converted)
        self._resampler = None
        self._source = None


def to_mono(frame: Any) -> np.ndarray:
    """A planar float frame (channels x samples) averaged into one channel."""
    planes = frame.to_ndarray().reshape(len(frame.layout.channels), -1)
    return np.clip(planes.mean(axis=0), -1.0, 1.0).astype(np.float32)
