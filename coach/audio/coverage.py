"""The transcript against the speech the VAD heard: nothing skipped, nothing invented.

Whisper sometimes writes one short segment for a whole 30 s window and moves on,
so a stretch of speech is never decoded; and on near-silence it writes stock
phrases ("Thank you for watching") or a few words in a sliver of audio after the
last word. After each decode, :func:`fill_uncovered` decodes again, with plain
settings, every stretch of speech that no word covers, and :func:`drop_unsupported`
removes stock phrases and words that have no speech under them unless the model
was sure of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from coach.audio.guards import STOCK_PHRASES, Heard, TimedWord, keep_segment
from coach.audio.vad import Span, overlap_s, subtract
from coach.audio.wav import SAMPLE_RATE
from coach.audio.words import plain

log = logging.getLogger("coach.transcribe")


@dataclass(frozen=True)
class CoverageOptions:
    """How closely the decoded words must follow the speech (chosen on the dev clips)."""

    slack_s: float = 0.3
    """Word times are often 0.2-0.3 s off: a word covers this much either side of it."""
    longest_word_s: float = 1.2
    """A word longer than this has been stretched over speech the model skipped; it
    covers only its last ``longest_word_s``."""
    min_uncovered_s: float = 1.0
    """Speech left uncovered for less than this is not decoded again."""
    join_s: float = 1.0
    """Uncovered stretches closer than this are decoded together."""
    pad_s: float = 0.3
    """Audio either side of an uncovered stretch that is decoded with it."""
    min_probability: float = 0.4
    """Words found by a second decode are kept when their mean probability is at least this."""
    sure: float = 0.8
    """A word with no speech under it, or a stock phrase, is kept only at this probability."""


Redecode = Callable[[np.ndarray], list[Heard]]
"""Decodes a stretch of audio with plain settings; times from the stretch's start."""


def covered_spans(segments: list[Heard], options: CoverageOptions) -> list[Span]:
    """The seconds the decoded words account for, merged."""
    spans: list[Span] = []
    for _word, start, end, _p in (w for s in segments for w in s.words):
        start = max(start, end - options.longest_word_s)
        spans.append((start - options.slack_s, end + options.slack_s))
    return merge(sorted(spans), 0.0)


def merge(spans: list[Span], gap_s: float) -> list[Span]:
    """Sorted spans with those closer than ``gap_s`` joined."""
    merged: list[Span] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= gap_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def uncovered_speech(
    segments: list[Heard], speech: list[Span], options: CoverageOptions
) -> list[Span]:
    """Stretches of speech no decoded word covers, at least ``min_uncovered_s`` long."""
    left = merge(subtract(speech, covered_spans(segments, options)), options.join_s)
    return [(a, b) for a, b in left if overlap_s((a, b), speech) >= options.min_uncovered_s]


def fill_uncovered(
    segments: list[Heard], speech: list[Span], audio: np.ndarray, redecode: Redecode,
    options: CoverageOptions,
) -> list[Heard]:
    """The segments with the words of every uncovered stretch, decoded again, added."""
    gaps = uncovered_speech(segments, speech, options)
    if not gaps:
        return segments
    found: list[Heard] = []
    for start, end in gaps:
        first = max(0, int((start - options.pad_s) * SAMPLE_RATE))
        last = min(audio.size, int((end + options.pad_s) * SAMPLE_RATE))
        heard = [shift(s, first / SAMPLE_RATE) for s in redecode(audio[first:last])]
        kept = [s for s in within(heard, (start, end)) if _credible(s, options)]
        log.debug("coverage guard: %.1f-%.1f s uncovered; decoded again: %r", start, end,
                  " ".join(w[0] for s in kept for w in s.words))
        found.extend(kept)
    return insert_words(segments, [w for s in found for w in s.words])


def _credible(segment: Heard, options: CoverageOptions) -> bool:
    probabilities = [w[3] for w in segment.words]
    return keep_segment(segment) and float(np.mean(probabilities)) >= options.min_probability


def within(segments: list[Heard], span: Span) -> list[Heard]:
    """The segments with only the words whose middle lies in the span."""
    start, end = span
    kept = [
        Heard(tuple(w for w in s.words if start <= (w[1] + w[2]) / 2 < end),
              s.no_speech_prob, s.avg_logprob)
        for s in segments
    ]
    return [s for s in kept if s.words]


def shift(segment: Heard, offset_s: float) -> Heard:
    """The segment with its times moved ``offset_s`` later."""
    if not offset_s:
        return segment
    words = tuple((w, s + offset_s, e + offset_s, p) for w, s, e, p in segment.words)
    return Heard(words, segment.no_speech_prob, segment.avg_logprob)


def drop_unsupported(
    segments: list[Heard], speech: list[Span], options: CoverageOptions
) -> list[Heard]:
    """The segments without stock phrases and words off speech, unless they are sure."""
    kept: list[Heard] = []
    for segment in segments:
        words = [w for w in _without_stock_phrases(segment.words, speech, options)
                 if _on_speech(w, speech, options) or w[3] >= options.sure]
        if len(words) < len(segment.words):
            log.debug("guard: dropped %r", " ".join(
                w[0] for w in segment.words if w not in words))
        if words:
            kept.append(Heard(tuple(words), segment.no_speech_prob, segment.avg_logprob))
    return kept


def _on_speech(word: TimedWord, speech: list[Span], options: CoverageOptions) -> bool:
    span = (word[1] - options.slack_s, word[2] + options.slack_s)
    return overlap_s(span, speech) > 0.0


def _without_stock_phrases(
    words: tuple[TimedWord, ...], speech: list[Span], options: CoverageOptions
) -> list[TimedWord]:
    """The words with every stock phrase removed unless it is sure and spoken."""
    keys = [plain(w[0]) for w in words]
    drop: set[int] = set()
    for phrase in STOCK_PHRASES:
        size = len(phrase)
        for at in range(len(keys) - size + 1):
            if tuple(keys[at : at + size]) != phrase:
                continue
            run = words[at : at + size]
            spoken = overlap_s((run[0][1], run[-1][2]), speech)
            sure = min(w[3] for w in run) >= options.sure
            if not (sure and spoken >= 0.5 * (run[-1][2] - run[0][1])):
                end = len(words) if phrase[-1] == "by" else at + size
                drop.update(_unsure_sentence(words, at, end, options))
    return [w for index, w in enumerate(words) if index not in drop]


def _unsure_sentence(
    words: tuple[TimedWord, ...], start: int, end: int, options: CoverageOptions
) -> range:
    """Words ``start:end`` widened over the unsure words of their sentence either side."""
    while start > 0 and not _ends_sentence(words[start - 1]) and words[start - 1][3] < options.sure:
        start -= 1
    while (end < len(words) and not _ends_sentence(words[end - 1])
           and words[end][3] < options.sure):
        end += 1
    return range(start, end)


def _ends_sentence(word: TimedWord) -> bool:
    return word[0].rstrip().endswith((".", "?", "!"))


def insert_words(segments: list[Heard], extra: list[TimedWord]) -> list[Heard]:
    """The segments with ``extra`` words put in time order (each into the segment it falls in)."""
    segments = [s for s in segments if s.words]
    starts = [s.words[0][1] for s in segments]
    grouped: list[list[TimedWord]] = [list(s.words) for s in segments]
    leading: list[TimedWord] = []
    for word in extra:
        index = max((i for i, start in enumerate(starts) if start <= word[1]), default=None)
        (leading if index is None else grouped[index]).append(word)
    out = [
        Heard(tuple(sorted(words, key=lambda w: w[1:3])), s.no_speech_prob, s.avg_logprob)
        for words, s in zip(grouped, segments, strict=True)
    ]
    if leading:
        out.insert(0, Heard(tuple(sorted(leading, key=lambda w: w[1:3])), 0.0, 0.0))
    return out
