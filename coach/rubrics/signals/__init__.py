"""Deterministic signals in a transcript: what the offline scorer counts.

Every signal carries the exact span of the transcript it came from
(``transcript[start:end] == span``) and a ``tag`` saying what it is within its kind.
:func:`extract_signals` is the one entry: it reads the text once (:mod:`.text`: the
filler-free view, its sentences, the instructions to the grader set aside, the list-like
sentences marked) and calls each family once:

- :mod:`.numbers`: ``quantities`` (a number with what it measures), ``derivations``
  (figures worked out loud), scale words with no figure, percentiles;
- :mod:`.tradeoffs`: a choice, what it cost and why, combined across nearby sentences;
- :mod:`.post_launch`: a production problem after launch and its parts;
- :mod:`.star`: a story's STAR parts and the speaker's ``ownership``;
- :mod:`.cues`: round-specific evidence keyed by criterion id.

Sentences that address the grader yield no signal but an ``instruction``; sentences that
are bare lists of short fragments yield only weak signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from coach.rubrics.signals.cues import find_cues
from coach.rubrics.signals.numbers import (
    find_derivations,
    find_percentiles,
    find_quantities,
    find_vague_scale,
    question_values,
    weight_of,
)
from coach.rubrics.signals.post_launch import find_post_launch
from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.star import STAR_TAGS, choose_star_parts, find_star
from coach.rubrics.signals.text import View
from coach.rubrics.signals.tradeoffs import find_tradeoffs

__all__ = ["Signal", "Signals", "extract_signals"]


@dataclass(frozen=True)
class Signals:
    """Everything the offline scorer counts in one transcript, and the text it was read from."""

    view: View
    """The transcript without fillers, in sentences: what every later stage reads the text
    from, so an answer is split into sentences once."""
    quantities: list[Signal]
    derivations: list[Signal]
    tradeoffs: list[Signal]
    post_launch: list[Signal]
    star: list[Signal]
    ownership: list[Signal]
    vague_scale: list[Signal] = field(default_factory=list)
    percentiles: list[Signal] = field(default_factory=list)
    instructions: list[Signal] = field(default_factory=list)
    cues: dict[str, list[Signal]] = field(default_factory=dict)
    checklist: bool = False
    """The answer reads as a subjectless checklist ("looked at X, reverted, retrained")."""

    @cached_property
    def star_told(self) -> dict[str, Signal | None]:
        """Each STAR part's sentence, or None where the story does not tell it: chosen once
        per answer (:func:`.star.choose_star_parts`), for every stage that quotes or checks a
        part."""
        return choose_star_parts(self.star, self.post_launch)

    def of(self, kind: str, *tags: str) -> list[Signal]:
        """Signals of one kind, optionally only those with one of ``tags``."""
        found: list[Signal] = getattr(self, kind) if hasattr(self, kind) else []
        if not tags:
            return list(found)
        return [s for s in found if s.tag in tags]

    def hints(self) -> dict[str, list[str]]:
        """Compact spans per kind, for the LLM judge."""
        sizing = [s for s in self.quantities if weight_of(s) > 0]
        return {
            "quantities": _unique_spans(sizing),
            "numbers_that_size_nothing": _unique_spans(
                [s for s in self.quantities if weight_of(s) == 0]
            ),
            "derivations": _unique_spans(self.derivations),
            "tradeoff_choices": _unique_spans(self.of("tradeoffs", "choice", "change")),
            "tradeoff_reasons": _unique_spans(self.of("tradeoffs", "reason")),
            "tradeoff_costs": _unique_spans(
                self.of("tradeoffs", "loss", "loss_quantified", "compromise")
            ),
            "generic_or_negated_tradeoff_talk": _unique_spans(
                self.of("tradeoffs", "generic", "negated", "options")
            ),
            "post_launch_events": _unique_spans(self.of("post_launch", "event")),
            "problems_caught_before_launch": _unique_spans(
                self.of("post_launch", "prelaunch_event")
            ),
            "post_launch_details": _unique_spans(
                self.of("post_launch", "detection", "cause", "fix", "lasting")
            ),
            "generic_lifecycle_words": _unique_spans(self.of("post_launch", "generic")),
            "star_parts": [f"{s.tag}: {s.span}" for s in self.star][:12],
            "ownership": _unique_spans(self.ownership),
            "instructions_to_ignore": _unique_spans(self.instructions),
        }

    def star_by_tag(self) -> dict[str, list[Signal]]:
        """The story's signals for each STAR tag (every tag, its list maybe empty)."""
        return {tag: self.of("star", tag) for tag in STAR_TAGS}


def _unique_spans(signals: list[Signal], limit: int = 8) -> list[str]:
    seen: list[str] = []
    for signal in signals:
        if signal.span not in seen:
            seen.append(signal.span)
    return seen[:limit]



def extract_signals(transcript: str, question: str | None = None) -> Signals:
    """Every signal in ``transcript``; numbers that repeat ``question`` size nothing."""
    view = View(transcript)
    quantities = find_quantities(view, question_values(question))
    star, ownership = find_star(view, quantities)
    return Signals(
        view=view,
        quantities=quantities,
        derivations=find_derivations(view, quantities),
        tradeoffs=find_tradeoffs(view, quantities),
        post_launch=find_post_launch(view, quantities),
        star=star,
        ownership=ownership,
        vague_scale=find_vague_scale(view),
        percentiles=find_percentiles(view),
        instructions=[view.signal("instruction", s.start, s.end) for s in view.instructions],
        cues=find_cues(view),
        checklist=view.checklist,
    )
