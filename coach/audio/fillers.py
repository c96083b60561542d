"""Fillers ("um", "uh") found by a filler-only pass over the voiced gaps between words.

A prompt full of fillers makes tiny.en write them, but the same prompt makes it
skip whole sentences (docs/benchmarks.md). So the words come from a plain decode,
and the fillers from one more decode of only the stretches of speech between
words, strung together with silence between them, under a filler prompt. Only
fillers are taken from that decode, each put back at its place in the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from coach.audio.coverage import insert_words, merge
from coach.audio.guards import Heard, TimedWord
from coach.audio.vad import Span, overlap_s
from coach.audio.wav import SAMPLE_RATE
from coach.audio.words import is_filler, plain

FILLER_PROMPT = "Um, uh, so, hmm."
"""The prompt of the filler pass: a short run of fillers."""

HEARD_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm"})
"""What the filler pass may add: "um" and "uh". It echoed the prompt's "hmm" into dev clips
where nobody said it (docs/benchmarks.md)."""


@dataclass(frozen=True)
class FillerOptions:
    """Which gaps the filler pass listens to (chosen on the dev clips)."""

    min_gap_s: float = 0.2
    """A gap between two words (by their times) shorter than this is not listened to."""
    letter_s: float = 0.075
    """About how long a letter takes to say ..."""
    stretched_s: float = 0.3
    """... and a word longer than its letters need by this much may hold a filler the
    decode left out (the model stretches the next word over it), so it is listened to."""
    min_voiced_s: float = 0.1
    """Speech (by VAD) a gap must hold to be listened to."""
    pad_s: float = 0.05
    """Audio either side of a gap taken with it."""
    spacer_s: float = 0.5
    """Silence between two gaps in the strung-together audio."""
    batch_s: float = 28.0
    """Strung-together audio decoded at once (Whisper's window is 30 s)."""
    min_probability: float = 0.15
    """A filler the pass hears is kept at this probability or more: on the dev clips the
    fillers it wrote where none was said came at 0.13 or less."""
    min_heard_s: float = 0.005
    """A filler the pass times as lasting less than this (start and end the same, on
    Whisper's 0.02 s grid) has no audio under it and is dropped: on 64 dev clips 21 of the
    27 such were more fillers than were said, and at the end of a streamed answer three of
    them made "uh uh uh"."""


Decode = Callable[[np.ndarray], list[Heard]]
"""Decodes audio under the filler prompt; times from its start."""


def filler_spots(
    segments: list[Heard], speech: list[Span], duration_s: float, options: FillerOptions
) -> list[Span]:
    """Where a filler may hide: voiced gaps between words (and before the first, after the
    last), and words stretched over more time than their letters need."""
    words = [w for s in segments for w in s.words]
    edges = [0.0, *(t for w in words for t in (w[1], w[2])), duration_s]
    gaps = [
        (a, b) for a, b in zip(edges[::2], edges[1::2], strict=True)
        if b - a >= options.min_gap_s and overlap_s((a, b), speech) >= options.min_voiced_s
    ]
    stretched = [
        (start, end) for word, start, end, _p in words
        if end - start - options.letter_s * len(word.strip(" ,.?!")) >= options.stretched_s
    ]
    return merge(sorted(gaps + stretched), 0.0)


def add_fillers(
    segments: list[Heard], speech: list[Span], audio: np.ndarray, decode: Decode,
    options: FillerOptions,
) -> list[Heard]:
    """The segments with the fillers heard in their voiced gaps and stretched words put in."""
    spots = filler_spots(segments, speech, audio.size / SAMPLE_RATE, options)
    words = [w for s in segments for w in s.words]
    fillers: list[TimedWord] = []
    for batch in _batches(spots, options):
        fillers.extend(_fillers_in(batch, audio, decode, words, options))
    return insert_words(segments, fillers) if fillers else segments


def _batches(spots: list[Span], options: FillerOptions) -> list[list[Span]]:
    batches: list[list[Span]] = [[]]
    length = 0.0
    for a, b in spots:
        b = min(b, a + options.batch_s / 2)
        size = b - a + 2 * options.pad_s + options.spacer_s
        if batches[-1] and length + size > options.batch_s:
            batches.append([])
            length = 0.0
        batches[-1].append((a, b))
        length += size
    return [batch for batch in batches if batch]


def _fillers_in(
    spots: list[Span], audio: np.ndarray, decode: Decode, words: list[TimedWord],
    options: FillerOptions,
) -> list[TimedWord]:
    """Decode the spots strung together; the fillers heard, placed among ``words``."""
    pieces: list[np.ndarray] = []
    places: list[tuple[float, float, float]] = []  # (start, end) in the string, start in audio
    spacer = np.zeros(int(options.spacer_s * SAMPLE_RATE), np.float32)
    at = 0
    for a, b in spots:
        first = max(0, int((a - options.pad_s) * SAMPLE_RATE))
        piece = audio[first : int((b + options.pad_s) * SAMPLE_RATE)]
        places.append((at / SAMPLE_RATE, (at + piece.size) / SAMPLE_RATE, first / SAMPLE_RATE))
        pieces += [piece, spacer]
        at += piece.size + spacer.size
    heard = [w for s in decode(np.concatenate(pieces)) for w in s.words]
    # a word belongs to the piece it starts in, or to the one before the spacer it starts in
    owner = [max((i for i, p in enumerate(places) if p[0] <= w[1] + 0.1), default=0)
             for w in heard]
    found: list[TimedWord] = []
    for index, (word, start, end, probability) in enumerate(heard):
        if not is_heard_filler((word, start, end, probability), options):
            continue
        place = places[owner[index]]
        offset = place[2] - place[0]
        in_piece = [(w[0], w[1] + offset, w[2] + offset)
                    for w, o in zip(heard, owner, strict=True) if o == owner[index]]
        mine = in_piece.index((word, start + offset, end + offset))
        span = (min(start, place[1]) + offset, min(end, place[1]) + offset)
        found.append((word.strip(" ,.?!"), *_placed(span, in_piece, mine, words), probability))
    return found


def is_heard_filler(heard: TimedWord, options: FillerOptions) -> bool:
    """A word of the filler pass that counts: "um" or "uh", sure enough, and lasting some
    time (one timed to a single instant has no audio under it)."""
    word, start, end, probability = heard
    return (
        plain(word) in HEARD_FILLERS
        and probability >= options.min_probability
        and end - start >= options.min_heard_s
    )


def _placed(
    span: Span, in_piece: list[tuple[str, float, float]], mine: int, words: list[TimedWord]
) -> Span:
    """Where a filler goes among ``words``: just before the word the filler pass heard
    after it, or just after the word it heard before it, else at its own time."""
    following = [w for w in in_piece[mine + 1 :] if not is_filler(w[0])][:1]
    preceding = [w for w in in_piece[:mine] if not is_filler(w[0])][-1:]
    for neighbour, before in ((following, True), (preceding, False)):
        match = _same_word(neighbour[0], words) if neighbour else None
        if match is not None:
            at = match[1] if before else match[2]
            return round(at, 3), round(at, 3)
    return round(span[0], 3), round(span[1], 3)


def _same_word(heard: tuple[str, float, float], words: list[TimedWord]) -> TimedWord | None:
    """The word of the transcript with the same text closest in time (within 1 s)."""
    text, middle = plain(heard[0]), (heard[1] + heard[2]) / 2
    near = [w for w in words if plain(w[0]) == text and abs((w[1] + w[2]) / 2 - middle) < 1.0]
    return min(near, key=lambda w: abs((w[1] + w[2]) / 2 - middle), default=None)
