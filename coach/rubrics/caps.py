"""Caps applied after each criterion is judged (RUBRIC.md's "cases the scorer must get right").

- An answer to a different question: no criterion above 1, and every card says so.
- Instructions to the grader with only a vague answer around them: no criterion above 1.
- A story with no task and no stated result (what the project was, that it went well):
  STAR at most 1.

Each cap lowers a score and says why in the judgement's ``found``; none raises one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from coach.rubrics.judgement import Judgement
from coach.rubrics.relevance import Relevance
from coach.rubrics.signals import Signals
from coach.rubrics.signals.numbers import weight_of
from coach.rubrics.signals.star import specific_actions
from coach.rubrics.signals.text import View

OFF_TOPIC = "did not address the question asked"
_DEMAND = re.compile(
    r"\b(?:ignore|disregard|override|overrides|does not apply|doesn't apply)\b|"
    r"\b(?:give|assign|award|rate|mark|score|output)\b.*"
    r"\b(?:4|four|maximum|max|top|full|excellent|perfect)\b",
    re.IGNORECASE,
)
"""What makes a sentence addressed to the grader a demand for a score."""


@dataclass(frozen=True)
class CapOptions:
    """Where the caps start to apply."""

    vague_rest_words: int = 25
    """Fewer words than this outside instructions to the grader make the rest vague."""


def off_topic_line(relevance: Relevance) -> str:
    """The first line of the feedback for an answer to some other question."""
    if not relevance.other_question:
        return f"This answer {OFF_TOPIC}."
    other = relevance.other_question
    closing = '"' if other.endswith((".", "?", "!")) else '."'  # not "...fresh.".
    return f'This answer {OFF_TOPIC}; it reads as an answer to "{other}{closing}'


def off_topic_next_step(question_text: str) -> str:
    """The next step for an answer to some other question: answer this one (advice drawn
    from the other answer's content would coach the wrong question)."""
    return f'Answer the question that was asked: "{question_text}"'


ANSWER_THE_QUESTION = "answer the question that was asked"


def off_topic_cards(judgements: Mapping[str, Judgement]) -> dict[str, Judgement]:
    """An answer to another question: no criterion above 1, and every card says why, not only
    the ones the cap lowered, and asks for the question asked rather than for more of the
    other answer."""
    why = "the answer " + OFF_TOPIC
    marked = {}
    for cid, judgement in judgements.items():
        if judgement.score > 1:
            judgement = _capped(judgement, 1, why)
        else:  # at 1 or 0 already: nothing to cap, but the card still says why
            told = f"{why}; on its own: {judgement.found}" if judgement.found else why
            judgement = replace(judgement, found=told)
        marked[cid] = replace(judgement, missing=ANSWER_THE_QUESTION)
    return marked


def cap_all(judgements: Mapping[str, Judgement], limit: int, why: str) -> dict[str, Judgement]:
    """Every judgement above ``limit`` brought down to it, saying why."""
    return {cid: _capped(j, limit, why) for cid, j in judgements.items()}


def _capped(judgement: Judgement, limit: int, why: str) -> Judgement:
    score = judgement.score
    if score <= limit:
        return judgement
    found = f"{why} (capped at {limit}; the answer alone would score {score})"
    evidence = judgement.evidence[:1]
    return replace(judgement, score=limit, found=found, evidence=evidence, lead="")


def vague_with_instructions(view: View, options: CapOptions | None = None) -> bool:
    """The answer tells the grader what to score, and says little else."""
    options = options or CapOptions()
    if not any(_DEMAND.search(s.text) for s in view.instructions):
        return False
    rest = sum(len(s.text.split()) for s in view.sentences)
    return rest < options.vague_rest_words


def story_without_shape(signals: Signals) -> bool:
    """No task, no stated result, not one figure and at most one thing done in particular
    (:func:`~coach.rubrics.signals.star.specific_actions`): a narrative
    (what the project was, that it went well), not a STAR story."""
    stated = signals.of("star", "result", "measurable_result")
    figures = [q for q in signals.quantities if weight_of(q) > 0]
    actions = {s.start for s in signals.of("star", "action") if specific_actions(s.span)}
    return not signals.of("star", "task") and not stated and not figures and len(actions) < 2


def apply_caps(
    judgements: Mapping[str, Judgement], signals: Signals, relevance: Relevance
) -> dict[str, Judgement]:
    """The judgements with every cap that applies to this answer."""
    capped = dict(judgements)
    if not relevance.addressed:
        capped = off_topic_cards(capped)
    if vague_with_instructions(signals.view):
        capped = cap_all(capped, 1, "instructions to the grader around a vague answer")
    if "star_structure" in capped and story_without_shape(signals):
        capped["star_structure"] = _capped(
            capped["star_structure"], 1, "a narrative with no task and no stated result"
        )
    return capped
