"""The sentences that tell a story's Situation, Task, Action, Result and Reflection.

Each part is a different sentence that stands on its own (not a bare "Because of how we
sampled."), and each comes after the one before it, so the quotes read as the
story was told. The Result is the outcome (a measurable
one first), never the sentence that tells what went wrong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.rubrics.signals import Signal, Signals

PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Situation", ("situation",)),
    ("Task", ("task",)),
    ("Action", ("action",)),
    ("Result", ("measurable_result", "result")),
    ("Reflection", ("reflection",)),
)
_FAILURE = re.compile(
    r"\b(?:broke|broken|failed|failing|fails|outage|crash\w*|went wrong|incident|bug|"
    r"tanked|regress\w*|degraded|mistake)\b"
)


def choose_star_parts(signals: Signals) -> dict[str, Signal | None]:
    """Each STAR part's sentence (None when the story does not tell it). Read it as
    ``signals.star_told``, which chooses them once per answer."""
    chosen: dict[str, Signal | None] = {}
    after = -1
    for label, details in PARTS:
        candidates = [
            s for s in signals.of("star", *details) if s.start > after and not _fragment(s.span)
        ]
        if label == "Result":
            candidates = _outcomes(candidates, signals)
        part = candidates[0] if candidates else None
        chosen[label] = part
        if part is not None:
            after = part.end - 1
    return chosen


_DEPENDENT = re.compile(r"\s*(?:because|since|which|although|though|as|so that|unless|whereas)\b")
FRAGMENT_WORDS = 8
"""A dependent clause this short standing as a sentence ("Because of how we sampled.") says
nothing on its own."""


def _fragment(span: str) -> bool:
    return bool(_DEPENDENT.match(span.lower())) and len(span.split()) < FRAGMENT_WORDS


def _outcomes(candidates: list[Signal], signals: Signals) -> list[Signal]:
    """Result candidates that tell an outcome, measurable ones first, in story order. A
    sentence telling a problem after launch is not one, unless it also tells the fix."""
    fixes = {(s.start, s.end) for s in signals.of("post_launch", "fix")}
    events = {(s.start, s.end) for s in signals.of("post_launch", "event")} - fixes
    kept = [
        s
        for s in candidates
        if (s.start, s.end) not in events and not _FAILURE.search(s.span.lower())
    ]
    return sorted(kept, key=lambda s: (s.tag != "measurable_result", s.start))


BEFORE_RESULT = ("Situation", "Task", "Action")
"""The parts a story below 3 is credited with: a result would earn more."""


def star_evidence(signals: Signals, level: int) -> tuple[str, ...]:
    """The told parts' sentences that earn ``level``, in order, each once: every part from
    3 up (a stated result); the Situation, Task and Action at 2; the first of them at 1 (a
    fragment); none at 0."""
    if level <= 0:
        return ()
    told = signals.star_told
    labels = [label for label, _ in PARTS] if level >= 3 else BEFORE_RESULT
    spans = [part.span for label in labels if (part := told[label]) is not None]
    return tuple(spans[:1]) if level == 1 else tuple(spans)


TOLD_AS = {
    "Situation": "the situation",
    "Task": "your task",
    "Action": "what you did",
}
RESULT_AS = {
    "measurable": "a measurable result",
    "stated": "a stated result",
    "vague": "a vague result",
    "none": "no result",
}


def star_found(signals: Signals, level: int, result: str) -> str:
    """What a story at 2 or 3 is shown to have told: the parts it quotes by name, and its
    result as the judge reads it (``result``: see :func:`coach.rubrics.judges.star.result_told`),
    so the card never credits a part (a task, a stated result) that its "Missing" line asks
    for. Empty at other levels, and when no part before the result is told."""
    if level not in (2, 3):
        return ""
    told = signals.star_told
    names = [TOLD_AS[label] for label in BEFORE_RESULT if told[label] is not None]
    if not names:
        return ""
    listed = ", ".join(names)
    if level == 3:
        reflected = ", and what you took from it" if told["Reflection"] is not None else ""
        return f"a story with {listed} and {RESULT_AS[result]}{reflected}"
    if result in ("vague", "none"):
        return f"{listed}, but {RESULT_AS[result]}"
    return f"{listed} and {RESULT_AS[result]}"
