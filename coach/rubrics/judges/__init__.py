"""The rules' judgement of each criterion from the answer's signals.

Each criterion is scored 0–4 from what :mod:`coach.rubrics.signals` finds,
counting distinct pieces of evidence (never raw matches, so repeating a
sentence earns nothing), with the spans it relied on as evidence. An answer
made mostly of bare keyword lists scores at most 1 everywhere.

One module per family of criteria, as the signals are split: :mod:`.numbers`,
:mod:`.tradeoffs`, :mod:`.post_launch`, :mod:`.star`, and :mod:`.cues` for the
round-specific criteria. ``JUDGES`` maps each criterion id to its judge.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.rubrics.judgement import Judgement
from coach.rubrics.judges.cues import (
    judge_business,
    judge_clarifies,
    judge_data_first,
    judge_gotchas,
    judge_metrics,
    judge_monitoring,
    judge_partner,
)
from coach.rubrics.judges.numbers import judge_numbers, numbers_evidence
from coach.rubrics.judges.post_launch import (
    incident_evidence,
    incident_missing,
    judge_post_launch,
)
from coach.rubrics.judges.star import judge_star
from coach.rubrics.judges.tradeoffs import judge_tradeoffs
from coach.rubrics.signals import Signals
from coach.rubrics.story import star_evidence

STUFFED_SHARE = 0.75
"""Share of the answer's words in bare keyword lists above which nothing scores over 1."""


JUDGES: dict[str, Callable[[Signals], Judgement]] = {
    "numbers_sized": judge_numbers,
    "tradeoffs_named": judge_tradeoffs,
    "post_launch_failures": judge_post_launch,
    "star_structure": judge_star,
    "data_first": judge_data_first,
    "clarifies_assumptions": judge_clarifies,
    "monitoring_and_rollback": judge_monitoring,
    "business_impact": judge_business,
    "partner_named": judge_partner,
    "narrates_gotchas": judge_gotchas,
    "metrics_beyond_accuracy": judge_metrics,
}


EVIDENCE_AT: dict[str, Callable[[Signals, int], tuple[str, ...]]] = {
    "numbers_sized": numbers_evidence,
    "post_launch_failures": incident_evidence,
    "star_structure": star_evidence,
}
"""For the criteria whose evidence differs by level: the quotes that earn a given level."""


MISSING_AT: dict[str, Callable[[Signals, int], str]] = {
    "post_launch_failures": incident_missing,
}
"""For the criteria that can say, from the parts an answer told, what it lacks for the level
above one the fitted model gave it."""


def missing_at(criterion_id: str, signals: Signals, level: int) -> str:
    """What an answer scored ``level`` lacks for the level above, from its own parts; empty
    when the criterion cannot say (the rubric's next level is then the goal)."""
    tell = MISSING_AT.get(criterion_id)
    return tell(signals, level) if tell is not None else ""


def evidence_at(
    criterion_id: str, signals: Signals, level: int, judged: Judgement
) -> tuple[str, ...]:
    """The quotes behind ``level`` when a score other than the rules' own (``judged``) is
    shown: the criterion's own choice for that level where it has one, otherwise the rules'
    quotes."""
    choose = EVIDENCE_AT.get(criterion_id)
    return choose(signals, level) if choose is not None else judged.evidence


def stuffed(signals: Signals) -> bool:
    """Most of the answer is bare keyword lists."""
    view = signals.view
    words = sum(len(s.text.split()) for s in view.sentences)
    listed = sum(len(s.text.split()) for s in view.sentences if s.listy)
    return words > 0 and listed / words >= STUFFED_SHARE


def judge(criterion_id: str, signals: Signals, capped: bool = False) -> Judgement:
    """One criterion's judgement; unknown criteria score 0 with a note."""
    judge_fn = JUDGES.get(criterion_id)
    if judge_fn is None:
        return Judgement(0, (), "the offline scorer cannot judge this criterion", "")
    result = judge_fn(signals)
    if capped and result.score > 1:
        return Judgement(
            1, result.evidence[:1], "keywords listed without content", "say it in sentences"
        )
    return result
