"""Where the Silero voice-activity detector (shipped with faster-whisper) hears speech.

Used by the streaming transcriber to find pauses and by the transcript guards to
check that decoded words sit on real speech and that no speech went undecoded.
"""

from __future__ import annotations

import numpy as np

from coach.audio.wav import SAMPLE_RATE

Span = tuple[float, float]
"""(start, end) in seconds."""


def speech_in(audio: np.ndarray) -> list[dict[str, int]]:
    """Where the VAD hears speech: [{"start": sample, "end": sample}, ...], unpadded."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return list(get_speech_timestamps(audio, VadOptions(speech_pad_ms=0)))


def speech_spans(audio: np.ndarray, offset_s: float = 0.0) -> list[Span]:
    """Speech in the audio as (start, end) seconds, shifted by ``offset_s``."""
    return [
        (offset_s + s["start"] / SAMPLE_RATE, offset_s + s["end"] / SAMPLE_RATE)
        for s in speech_in(audio)
    ]


def has_speech(audio: np.ndarray, at_least_s: float) -> bool:
    """True when the VAD finds at least ``at_least_s`` of speech in the audio."""
    return sum(s["end"] - s["start"] for s in speech_in(audio)) >= at_least_s * SAMPLE_RATE


def first_speech(audio: np.ndarray) -> int:
    """Sample where the VAD first hears speech in the audio (its length if never)."""
    speech = speech_in(audio)
    return speech[0]["start"] if speech else audio.size


def overlap_s(span: Span, spans: list[Span]) -> float:
    """Seconds of ``span`` that lie inside any of ``spans`` (which do not overlap)."""
    start, end = span
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """The parts of ``spans`` outside every hole (both sorted lists of (start, end))."""
    left: list[Span] = []
    for start, end in spans:
        cursor = start
        for a, b in holes:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                left.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            left.append((cursor, end))
    return left
