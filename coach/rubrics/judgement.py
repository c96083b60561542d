"""One criterion's judgement: the score, the quotes behind it, what was there and what is
missing. The leaf type the judges, the caps and the feedback share."""

from __future__ import annotations

from dataclasses import dataclass

from coach.rubrics.signals import Signal

MAX_EVIDENCE = 4
"""Most quotes one criterion shows."""


@dataclass(frozen=True)
class Judgement:
    """One criterion's score, the spans behind it, and what was there and missing."""

    score: int
    evidence: tuple[str, ...]
    found: str
    missing: str
    lead: str = ""
    """The quote shown beside what was found, when it is not the first of ``evidence``."""


def quotes(signals: list[Signal], limit: int = MAX_EVIDENCE) -> tuple[str, ...]:
    """The signals' spans, each once, in order, at most ``limit``."""
    unique: list[str] = []
    for signal in signals:
        if signal.span and signal.span not in unique:
            unique.append(signal.span)
    return tuple(unique[:limit])
