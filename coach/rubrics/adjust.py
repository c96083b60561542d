"""What the offline scorer does once each criterion is judged on its own.

In order: post_launch_failures read for design and technical rounds
(:mod:`coach.rubrics.anticipated`); the story's evidence put as its parts in the
order told (:mod:`coach.rubrics.story`); then the caps (:mod:`coach.rubrics.caps`),
including the one for an answer to a different question
(:mod:`coach.rubrics.relevance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from coach.questions import Question
from coach.rubrics.anticipated import with_anticipated
from coach.rubrics.caps import apply_caps
from coach.rubrics.feedback import STRONG, advice_for
from coach.rubrics.judgement import Judgement
from coach.rubrics.judges.star import result_told
from coach.rubrics.probes import is_follow_up
from coach.rubrics.relevance import Relevance, assess
from coach.rubrics.signals import Signals
from coach.rubrics.story import star_evidence, star_found

STAR = "star_structure"


def after_judging(
    question: Question,
    transcript: str,
    signals: Signals,
    judgements: Mapping[str, Judgement],
    others: tuple[str, ...] = (),
) -> tuple[dict[str, Judgement], Relevance]:
    """The judgements with the round's reading, ordered story evidence and every cap; and
    whether the answer addressed the question (``others``: the user's own questions)."""
    adjusted = with_anticipated(judgements, question.round, signals.view)
    adjusted = with_story_evidence(adjusted, signals)
    adjusted = with_round_advice(adjusted, question.round, signals)
    relevance = assess(
        question.text,
        transcript,
        question.round,
        follow_up=is_follow_up(question),
        view=signals.view,
        others=others,
    )
    return apply_caps(adjusted, signals, relevance), relevance


def with_round_advice(
    judgements: Mapping[str, Judgement], round_: str, signals: Signals
) -> dict[str, Judgement]:
    """Advice in the round's own terms (:func:`coach.rubrics.feedback.advice_for`) for the
    criteria below ``STRONG``, worded from what the answer gave where it depends on that."""
    result = dict(judgements)
    for cid, advice in advice_for(round_).items():
        judged = result.get(cid)
        if judged is not None and judged.score < STRONG:
            missing = advice(signals) if callable(advice) else advice
            result[cid] = replace(judged, missing=missing)
    return result


def with_story_evidence(
    judgements: Mapping[str, Judgement], signals: Signals
) -> dict[str, Judgement]:
    """A story quotes the parts that earn its score (:func:`star_evidence`), each a different
    sentence, in order; at 3 or more (a stated result) the Result is the quote shown beside
    the verdict. At 2 and 3 what was found names the parts quoted (:func:`star_found`)."""
    result = dict(judgements)
    story = result.get(STAR)
    if story is None or story.score == 0:
        return result
    quotes = star_evidence(signals, story.score)
    if not quotes:
        return result
    outcome = signals.star_told["Result"]
    lead = outcome.span if outcome is not None and story.score >= 3 else ""
    found = star_found(signals, story.score, result_told(signals)) or story.found
    result[STAR] = replace(story, evidence=quotes, lead=lead if lead in quotes else "", found=found)
    return result
