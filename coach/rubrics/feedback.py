"""Feedback sentences from judgements: per criterion, summary, next step, follow-up,
and a "stronger version" outline of the user's own answer.

Nothing here invents facts: the outline quotes what the user said and puts
``[your number here]``-style placeholders where a fact is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from coach.questions import Question
from coach.rounds import STORY_ROUNDS
from coach.rubrics.models import CORE_CRITERIA, Criterion

if TYPE_CHECKING:
    from coach.rubrics.signals import Signal, Signals

DEFAULT_BAR = {"L4": 2, "L5": 3}
MAX_QUOTE = 160


class JudgementLike(Protocol):
    """What feedback needs from a criterion's judgement."""

    @property
    def score(self) -> int: ...
    @property
    def evidence(self) -> tuple[str, ...]: ...
    @property
    def found(self) -> str: ...
    @property
    def missing(self) -> str: ...


PROBES: dict[str, str] = {
    "numbers_sized": "Roughly what load is that in requests per second, and what latency budget "
    "does it leave for the model?",
    "tradeoffs_named": "What did you give up with that choice, and what would have made you choose "
    "the other option?",
    "post_launch_failures": "What broke after launch, and how did you find out?",
    "star_structure": "What was the measurable result, and which part of it was your decision?",
    "data_first": "Where do the labels come from, and how late do they arrive?",
    "clarifies_assumptions": "What scale and latency are you designing for, and what is out "
    "of scope?",
    "monitoring_and_rollback": "What would page you in the first week, and how would you roll "
    "back?",
    "business_impact": "How did you measure the business impact, and how big was it?",
    "partner_named": "What did the other team give up, and what did you give up?",
    "narrates_gotchas": "What goes wrong with this on real data, and how would you catch it?",
    "metrics_beyond_accuracy": "Which operating point would you pick, and what constraint sets it?",
}
NAMES: dict[str, str] = {
    "numbers_sized": "sizing with numbers",
    "tradeoffs_named": "trade-offs",
    "post_launch_failures": "what happened after launch",
    "star_structure": "story structure (STAR)",
    "data_first": "data first",
    "clarifies_assumptions": "clarifying assumptions",
    "monitoring_and_rollback": "monitoring and rollback",
    "business_impact": "business impact",
    "partner_named": "partner and compromise",
    "narrates_gotchas": "pitfalls",
    "metrics_beyond_accuracy": "metrics",
}


def rubrics_for(criteria: tuple[str, ...]) -> dict[str, Criterion]:
    """The rubric of each criterion that has one (missing or unreadable ones are skipped)."""
    from coach.errors import RubricError
    from coach.rubrics import load_rubrics

    try:
        rubrics = load_rubrics()
    except RubricError:
        return {}
    return {c: rubrics[c] for c in criteria if c in rubrics}


def bar_of(criterion: Criterion | None) -> dict[str, int]:
    if criterion is None:
        return dict(DEFAULT_BAR)
    return {str(level): int(score) for level, score in criterion.bar.items()}


def level_verdict(score: int, bar: Mapping[str, int], level: str) -> str:
    """Where a score stands against the L4 and L5 bars, the asked level first."""
    levels = [level, *(other for other in ("L4", "L5") if other != level)]
    parts = [
        f"{'meets' if score >= bar[lv] else 'below'} the {lv} bar ({bar[lv]})"
        for lv in levels
        if lv in bar
    ]
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _quote(span: str) -> str:
    span = " ".join(span.split())
    return span if len(span) <= MAX_QUOTE else span[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def criterion_feedback(
    criterion_id: str, judgement: JudgementLike, criterion: Criterion | None, level: str
) -> str:
    """What was there, what was missing, and the level verdict, in two or three sentences."""
    there = judgement.found[:1].upper() + judgement.found[1:]
    if judgement.evidence:
        there += f' ("{_quote(judgement.evidence[0])}")'
    sentences = [there + "."]
    if judgement.missing:
        sentences.append(f"Missing: {judgement.missing}.")
    sentences.append(
        f"{judgement.score}/4: {level_verdict(judgement.score, bar_of(criterion), level)}"
    )
    return " ".join(sentences)


def _gap(cid: str, judgement: JudgementLike, rubrics: Mapping[str, Criterion], level: str) -> tuple:
    bar = bar_of(rubrics.get(cid)).get(level, 3)
    core_rank = CORE_CRITERIA.index(cid) if cid in CORE_CRITERIA else len(CORE_CRITERIA)
    return (bar - judgement.score, -core_rank)


def weakest(
    judgements: Mapping[str, JudgementLike], rubrics: Mapping[str, Criterion], level: str
) -> str | None:
    """The criterion furthest below the level's bar (core criteria first on ties)."""
    if not judgements:
        return None
    return max(judgements, key=lambda cid: _gap(cid, judgements[cid], rubrics, level))


def summary(
    judgements: Mapping[str, JudgementLike], rubrics: Mapping[str, Criterion], level: str
) -> str:
    """One or two sentences: strongest, weakest, how many criteria meet the level's bar."""
    if not judgements:
        return "No criterion to score."
    met = [
        cid for cid, j in judgements.items() if j.score >= bar_of(rubrics.get(cid)).get(level, 3)
    ]
    best = max(judgements, key=lambda cid: judgements[cid].score)
    worst = weakest(judgements, rubrics, level) or best
    text = f"Meets the {level} bar on {len(met)} of {len(judgements)} criteria."
    if judgements[best].score > judgements[worst].score:
        text += (
            f" Strongest: {NAMES.get(best, best)} ({judgements[best].score}/4);"
            f" weakest: {NAMES.get(worst, worst)} ({judgements[worst].score}/4)."
        )
    else:
        text += f" Every criterion scored {judgements[best].score}/4."
    return text


def next_step(
    judgements: Mapping[str, JudgementLike], rubrics: Mapping[str, Criterion], level: str
) -> str:
    """The single change that would raise the weakest criterion most."""
    cid = weakest(judgements, rubrics, level)
    if cid is None:
        return "Answer the question out loud."
    judgement = judgements[cid]
    if not judgement.missing:
        return f"Keep {NAMES.get(cid, cid)} as it is; practise the same depth on another question."
    return f"To raise {NAMES.get(cid, cid)} ({judgement.score}/4): {judgement.missing}."


def follow_up(
    question: Question,
    judgements: Mapping[str, JudgementLike],
    rubrics: Mapping[str, Criterion],
    level: str,
) -> str | None:
    """An interviewer's probe: on the weakest criterion if it is below the bar, else the bank's."""
    cid = weakest(judgements, rubrics, level)
    below = cid is not None and _gap(cid, judgements[cid], rubrics, level)[0] > 0
    if below and cid in PROBES:
        return PROBES[cid]
    if question.follow_ups:
        return question.follow_ups[0]
    return PROBES.get(cid) if cid else None


# ---------------------------------------------------------------- stronger version


def stronger_version(
    question: Question, signals: Signals, judgements: Mapping[str, JudgementLike]
) -> str:
    """An outline of the user's own answer, with placeholders where facts are missing."""
    story = question.round in STORY_ROUNDS or "star_structure" in judgements
    lines = _story_outline(signals) if story else _design_outline(signals)
    scores = {cid: j.score for cid, j in judgements.items()}
    if scores.get("tradeoffs_named", 4) < 3:
        lines.append(
            _line(
                "Decision",
                _first(signals.of("tradeoffs", "choice", "decision")),
                "I chose [option] over [alternative] because [constraint]",
                "; it cost [what was given up, your number here] because "
                "[the constraint that decided it]",
            )
        )
    if scores.get("post_launch_failures", 4) < 3:
        lines.append(
            _line(
                "After launch",
                _first(signals.of("post_launch", "event")),
                "[what broke after launch], caught by [the alert or metric], caused by "
                "[root cause], fixed by [change]; impact [your number here]",
            )
        )
    return "\n".join(lines)


def _first(found: list[Signal]) -> str | None:
    return found[0].span if found else None


def _line(label: str, quote: str | None, placeholder: str, addition: str = "") -> str:
    """The user's own words when they said it (plus what is missing), else a placeholder."""
    if quote:
        return f'- {label}: "{_quote(quote)}"' + (f" + {addition.lstrip('; ')}" if addition else "")
    return f"- {label}: {placeholder}{addition}"


def _story_outline(signals: Signals) -> list[str]:
    measured = signals.of("star", "measurable_result")
    result = measured or signals.of("star", "result") or signals.of("star", "vague_result")
    situation = signals.of("star", "situation")
    used = {s.start for s in situation[:1]}
    action = [s for s in signals.of("star", "action") if s.start not in used]
    return [
        _line(
            "Situation",
            _first(signals.of("star", "situation")),
            "[where you were: team, product, system, its scale in numbers]",
        ),
        _line(
            "Task",
            _first(signals.of("star", "task")),
            "[what you personally owned or had to decide]",
        ),
        _line("Action", _first(action), "[what you did, step by step]"),
        _line(
            "Result",
            _first(result),
            "[metric] went from [your number here] to [your number here] over [period]",
            "" if measured else "[metric] went from [your number here] to [your number here]",
        ),
        _line(
            "Reflection",
            _first(signals.of("star", "reflection")),
            "[what you changed afterwards in the system or in how the team works]",
        ),
    ]


def _design_outline(signals: Signals) -> list[str]:
    from coach.rubrics.signals import weight_of

    sized = [q for q in signals.quantities if weight_of(q) == 1.0]
    scale = "; ".join(f'"{q.span}"' for q in sized[:3])
    lines = [
        f"- Scale: {scale}"
        if scale
        else "- Scale: [users] × [requests per user per day] ÷ 86,400 s ≈ [QPS, your number "
        "here]; latency budget [your number here] ms p99",
    ]
    lines.append(
        _line(
            "Napkin math",
            _first(signals.derivations),
            "[figure] × [figure] ≈ [derived figure], so [the decision it forces]",
        )
    )
    return lines
