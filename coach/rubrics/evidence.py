"""Check a judge's quotes against the transcript.

A quote counts as evidence only when it is a span of the transcript, compared
once case, punctuation and runs of white space are folded away. A quote that
matches a span closely (a dropped filler, a changed word) is replaced by that
exact span of the original transcript; a quote that matches nothing is dropped.
A criterion left without verified evidence scores at most
:data:`MAX_SCORE_WITHOUT_EVIDENCE`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import cast

from coach.rubrics.models import Score

MAX_SCORE_WITHOUT_EVIDENCE = 1
MIN_QUOTE_WORDS = 2
"""A single word proves nothing about a criterion ("latency", "trade-off")."""
CLOSE_MATCH_RATIO = 0.88
"""Similarity (difflib ratio on the folded text) that makes a quote a close match."""
MIN_CLOSE_MATCH_WORDS = 4
"""Shorter quotes must match exactly: one changed word in three is a different claim."""
_CANDIDATE_STARTS = 24
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Token:
    """One word of a text, lower-cased, with where it sits in the original."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The words of ``text``: runs of letters and digits, punctuation and space folded away."""
    return [Token(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def find_span(quote: str, transcript: str) -> str | None:
    """The exact span of ``transcript`` that ``quote`` stands for, or None."""
    words = [token.text for token in tokenize(quote)]
    tokens = tokenize(transcript)
    if len(words) < MIN_QUOTE_WORDS or not tokens:
        return None
    window = _exact_window(words, tokens)
    if window is None and len(words) >= MIN_CLOSE_MATCH_WORDS:
        window = _close_window(words, tokens)
    if window is None:
        return None
    first, last = window
    return transcript[tokens[first].start : tokens[last].end]


def verify_quotes(quotes: Iterable[str], transcript: str) -> list[str]:
    """The quotes that are spans of ``transcript``, as exact spans, without repeats."""
    verified: list[str] = []
    for quote in quotes:
        span = find_span(quote, transcript)
        if span is not None and span not in verified:
            verified.append(span)
    return verified


def cap_without_evidence(score: Score, evidence: list[str]) -> Score:
    """``score``, capped at :data:`MAX_SCORE_WITHOUT_EVIDENCE` when nothing supports it."""
    return score if evidence else cast(Score, min(score, MAX_SCORE_WITHOUT_EVIDENCE))


def _exact_window(words: list[str], tokens: list[Token]) -> tuple[int, int] | None:
    """First and last token of an exact match, also across split or joined words."""
    texts = [token.text for token in tokens]
    size = len(words)
    for start in range(len(texts) - size + 1):
        if texts[start : start + size] == words:
            return start, start + size - 1
    joined = "".join(words)  # "50000" against "50,000", "tradeoff" against "trade-off"
    for start in range(len(texts)):
        built = ""
        for end in range(start, len(texts)):
            built += texts[end]
            if built == joined:
                return start, end
            if not joined.startswith(built):
                break
    return None


def _close_window(words: list[str], tokens: list[Token]) -> tuple[int, int] | None:
    """The best window of the transcript whose folded text is close to the quote's."""
    texts = [token.text for token in tokens]
    target = " ".join(words)
    slack = len(words) // 4 + 2
    best: tuple[float, int, int] | None = None
    for start in _likely_starts(words, texts):
        for size in range(max(MIN_QUOTE_WORDS, len(words) - slack), len(words) + slack + 1):
            end = min(start + size, len(texts))
            candidate = " ".join(texts[start:end])
            matcher = SequenceMatcher(None, target, candidate, autojunk=False)
            if matcher.real_quick_ratio() < CLOSE_MATCH_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= CLOSE_MATCH_RATIO and (best is None or ratio > best[0]):
                best = (ratio, start, end - 1)
    return None if best is None else (best[1], best[2])


def _likely_starts(words: list[str], texts: list[str]) -> list[int]:
    """Window starts where many of the quote's words line up with the transcript."""
    positions: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        positions.setdefault(text, []).append(index)
    votes: Counter[int] = Counter()
    for offset, word in enumerate(words):
        for index in positions.get(word, ()):
            for shift in (-1, 0, 1):  # a dropped or an added word before this one
                start = index - offset + shift
                if 0 <= start < len(texts):
                    votes[start] += 1
    return [start for start, _ in votes.most_common(_CANDIDATE_STARTS)]
