"""One signal: a thing found in the transcript, with the exact span it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    """One thing found in the transcript, with the span it came from."""

    kind: str
    span: str
    start: int
    end: int
    tag: str = ""
    """What it is within its kind: a unit class, a trade-off or STAR part, a cue group."""
    key: str | None = None
    """A quantity's value with its unit class ("count:5e+04"): equal keys are one figure."""
    sentence: int | None = None
    """The index of the sentence it came from, when it stands for a sentence or a clause."""
    listed: bool = False
    """Found in a list-like sentence of short fragments (a cue said as a keyword)."""

