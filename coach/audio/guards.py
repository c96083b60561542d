"""Guards against what Whisper says when nobody is speaking.

Whisper invents text on silence and noise ("You", "Thank you for watching.")
and sometimes loops on a phrase. These checks run on every decoded segment,
in batch and in streaming alike, so the scorer only ever sees what was said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coach.audio.words import is_silence_phrase, plain

SILENCE_RMS = 0.002
"""Audio quieter than this (RMS of the loudest 0.5 s, about -54 dBFS) is treated as silence."""

NO_SPEECH_PROB = 0.6
"""A segment the model itself rates this likely to be non-speech ..."""
FEW_WORDS = 3
"""... and that has at most this many words is dropped."""

MAX_REPEATS = 3
"""A phrase said more than this many times in a row is a decoding loop: keep one copy."""

IMPROBABLE = 0.02
"""A word the model itself gives less than this probability ..."""
IMPROBABLE_RUN = 3
"""... is dropped when this many such words come in a row: the model is echoing its prompt
or hotwords into a silent tail (seen as "QPS p99 AUC NDCG FSDP" after the last sentence)."""


STOCK_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(plain(phrase).split())
    for phrase in (
        "thank you for watching",
        "thank you so much for watching",
        "thank you very much for watching",
        "for watching this video",
        "thanks for watching",
        "i'll see you next time",
        "see you next time",
        "see you in the next video",
        "bye bye",
        "please subscribe",
        "like and subscribe",
        "subtitles by",
    )
)
"""Phrases Whisper writes on near-silence, found anywhere in a segment (folded words);
"subtitles by" takes the rest of its segment with it, and the unsure words of a stock
phrase's sentence go with it ("Thank you very much for watching this video and I'll")."""


@dataclass(frozen=True)
class Heard:
    """One decoded segment with the model's own confidence figures."""

    words: tuple[tuple[str, float, float, float], ...]
    """(word, start, end, probability), times in seconds from the start of the audio."""
    no_speech_prob: float
    avg_logprob: float


def is_silent(audio: np.ndarray, rate: int = 16_000) -> bool:
    """True when no half second of the audio is louder than :data:`SILENCE_RMS`."""
    if audio.size == 0:
        return True
    window = rate // 2
    usable = audio[: audio.size - audio.size % window] if audio.size >= window else audio
    frames = usable.reshape(-1, min(window, usable.size)).astype(np.float64)
    loudest = float(np.sqrt((frames**2).mean(axis=1)).max())
    return loudest < SILENCE_RMS


def keep_segment(segment: Heard) -> bool:
    """False for a segment that is most likely not speech."""
    text = plain(" ".join(word for word, *_ in segment.words))
    if not text:
        return False
    few_words = len(text.split()) <= FEW_WORDS
    if few_words and segment.no_speech_prob >= NO_SPEECH_PROB:
        return False
    # a stock phrase that the model was not sure was speech
    return not (is_silence_phrase(text) and segment.no_speech_prob >= 0.2)


def only_hallucination(segments: Sequence[Heard]) -> bool:
    """True when everything heard is one stock phrase such as "Thank you." """
    text = plain(" ".join(word for s in segments for word, *_ in s.words))
    return not text or is_silence_phrase(text)


TimedWord = tuple[str, float, float, float]
"""(word, start, end, probability), times in seconds from the start of the audio."""


def cut_repeats(words: list[TimedWord]) -> list[TimedWord]:
    """Collapse a phrase (1 to 8 words) repeated more than MAX_REPEATS times in a row."""
    keys = [plain(w[0]) for w in words]
    out: list[TimedWord] = []
    out_keys: list[str] = []
    i = 0
    while i < len(words):
        run = _repeat_run(keys, i)
        if run:
            size, count = run
            out.extend(words[i : i + size])
            out_keys.extend(keys[i : i + size])
            i += size * count
            continue
        out.append(words[i])
        out_keys.append(keys[i])
        i += 1
    return out


def cut_improbable_runs(words: list[TimedWord]) -> list[TimedWord]:
    """Drop runs of IMPROBABLE_RUN or more words that each have a probability below IMPROBABLE."""
    kept: list[TimedWord] = []
    run: list[TimedWord] = []
    for word in [*words, ("", 0.0, 0.0, 1.0)]:  # a sentinel closes the last run
        if word[3] < IMPROBABLE:
            run.append(word)
            continue
        if len(run) < IMPROBABLE_RUN:
            kept.extend(run)
        run = []
        kept.append(word)
    return kept[:-1]


def _repeat_run(keys: list[str], start: int) -> tuple[int, int] | None:
    """(phrase size, times) when a phrase starting here repeats more than MAX_REPEATS times."""
    for size in range(1, 9):
        phrase = keys[start : start + size]
        if len(phrase) < size:
            break
        count = 1
        while keys[start + count * size : start + (count + 1) * size] == phrase:
            count += 1
        if count > MAX_REPEATS:
            return size, count
    return None
