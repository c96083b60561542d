"""Which criteria a follow-up probe asks about.

A follow-up answer is scored on what the probe asks for (a sizing probe on
numbers_sized), not on the whole rubric of the first question. The coach's own
probes (:data:`coach.rubrics.feedback.PROBES`) name their criterion; a bank probe is
read from its wording. A probe whose wording names none of the first question's
criteria is scored on all of them, and :func:`probe_targets` says so by returning
them all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.questions import Question

FOLLOW_UP_SUFFIX = "-follow-up"
"""Appended to a question's id for the answer to its follow-up probe."""

_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "numbers_sized": r"\b(?:how (?:much|many|big|large|fast|long)|roughly|traffic|qps|"
        r"requests? per|latency|scale|volume|size|budget|numbers?|figures?|percent|"
        r"measured|measure)\b",
        "tradeoffs_named": r"\b(?:give up|gave up|giving up|trade-?offs?|instead|alternatives?|"
        r"other option|options|why not|choose|chose|choice|versus|rather than|cost (?:you|the|to)|"
        r"the catch|reverse|out of scope|leave out|hold(?:ing)? it back|let it ship|"
        r"do you roll back|hardest)\b",
        "post_launch_failures": r"\b(?:broke|break|after (?:launch|it shipped|release)|"
        r"in production|went wrong|go wrong|goes wrong|find out|found out|detect\w*|monitor\w*|"
        r"roll ?back|incident|drift|page you|once it(?:'s| was| is) live|live|look next|"
        r"barely better|failing|online|upstream|fires|regression|change in the system)\b",
        "star_structure": r"\b(?:result|outcome|your decision|you personally|your (?:own )?role|"
        r"what did you do|what happened|how did (?:it|that) end)\b",
        "data_first": r"\b(?:labels?|where (?:does|do) the data|training data|data come)\b",
        "clarifies_assumptions": r"\b(?:assum\w+|scope|designing for|requirements?)\b",
        "monitoring_and_rollback": r"\b(?:page you|roll ?back|monitor\w*|alert\w*|first week)\b",
        "business_impact": r"\b(?:business|revenue|impact|who relied|users? (?:gained|saw))\b",
        "partner_named": r"\b(?:other team|partner|stakeholders?|product (?:manager|lead)|"
        r"they give up|disagree\w*)\b",
        "narrates_gotchas": r"\b(?:goes wrong|go wrong|real data|catch it|pitfalls?|gotchas?)\b",
        "metrics_beyond_accuracy": r"\b(?:metrics?|operating point|precision|recall|threshold)\b",
    }.items()
}


def probe_targets(probe: str, criteria: tuple[str, ...]) -> tuple[str, ...]:
    """The criteria among ``criteria`` that ``probe`` asks about (all of them when its
    wording names none)."""
    from coach.rubrics.feedback import every_probe

    for criterion, text in every_probe():
        if text == probe and criterion in criteria:
            return (criterion,)
    lower = probe.lower()
    asked = tuple(c for c in criteria if c in _CUES and _CUES[c].search(lower))
    return asked or criteria


def is_follow_up(question: Question) -> bool:
    """Whether ``question`` is a follow-up probe (made by :func:`follow_up_question`)."""
    return question.id.endswith(FOLLOW_UP_SUFFIX)


def follow_up_question(question: Question, probe: str) -> Question:
    """The follow-up asked after ``question``: the probe, scored only on the criteria the
    probe asks about (a sizing probe on numbers_sized), not on the whole first rubric."""
    return question.model_copy(
        update={
            "id": question.id + FOLLOW_UP_SUFFIX,
            "text": probe,
            "follow_ups": (),
            "criteria": probe_targets(probe, question.criteria),
        }
    )
