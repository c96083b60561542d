"""What a story's told parts earn on a card: the sentences quoted for its STAR score, and
the parts it is shown to have told. The parts themselves are chosen once per answer
(``Signals.star_told``, :func:`coach.rubrics.signals.star.choose_star_parts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.rubrics.signals.star import PARTS

if TYPE_CHECKING:
    from coach.rubrics.signals import Signals

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
