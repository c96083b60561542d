"""Feedback sentences from judgements: per criterion, summary, next step, follow-up,
and a "stronger version" outline of the user's own answer.

Nothing here invents facts: the outline quotes what the user said and puts
``[your number here]``-style placeholders where a fact is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from coach.errors import RubricError
from coach.questions import Question
from coach.rounds import STORY_ROUNDS
from coach.rubrics import load_rubrics
from coach.rubrics.anticipated import DESIGN_ROUNDS
from coach.rubrics.judgement import Judgement
from coach.rubrics.models import CORE_CRITERIA, Criterion
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.numbers import sized_story, weight_of
from coach.rubrics.signals.text import without_fillers

DEFAULT_BAR = {"L4": 2, "L5": 3}
MAX_QUOTE = 160


PROBES: dict[str, str] = {
    "numbers_sized": "Roughly what load does it serve in requests per second, and what latency "
    "budget does that leave for the model?",
    "tradeoffs_named": "Which of those options would you pick, what would it cost you, and what "
    "would make you choose another?",
    "post_launch_failures": "What would break once it is live, and how would you find out?",
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
"""The coach's probe for an answer below the bar on a criterion: it asks for what is missing."""
STORY_PROBES: dict[str, str] = {
    "tradeoffs_named": "What was the hardest choice in it, what did you give up for it, and what "
    "would have made you choose otherwise?",
    "numbers_sized": "How big was it in numbers: the scale of the problem, and how far did the "
    "result move?",
    "post_launch_failures": "What broke after launch, and how did you find out?",
}
"""Probes worded for a story round, where the design wording would ask about a system the story
is not about (requests per second, a latency budget), about options not yet chosen, or about a
failure still to come."""
CONCEPT_PROBES: dict[str, str] = {
    "numbers_sized": "Put numbers on it: how much data, how rare the positive class, and how "
    "far would the metric move?",
}
"""Probes worded for the ML fundamentals round, whose questions ask about a concept, not a
system with a load."""
DEEPER_PROBES: dict[str, str] = {
    "numbers_sized": "Which decision does that number force, and what changes at ten times the "
    "scale?",
    "tradeoffs_named": "What would make you reverse that choice, and how would you notice in "
    "time?",
    "post_launch_failures": "What did you change so that it could not happen the same way again?",
    "star_structure": "Looking back, what would you do differently, and what changed because of "
    "it?",
    "business_impact": "How do you know the work caused that change, and not something else?",
}
"""Probes for an answer already at the bar on its weakest criterion, when its question has no
follow-up of its own: they ask for the top level, not for what the answer already gave."""


def story_numbers_advice(signals: Signals) -> str:
    """What a story below the bar on numbers is told to add, without what it already sized."""
    scale, moved = sized_story(signals.view, signals.quantities)
    if scale and moved:
        units = {q.tag for q in signals.quantities}
        rest = [
            part
            for unit, part in (("data", "how much data"), ("money", "what it cost"))
            if unit not in units
        ]
        if not rest:
            return "say which decision each figure drove"
        return "size more of the story: " + " and ".join(rest)
    if moved:
        return "put a number on the scale of the problem (users, requests, rows)"
    if scale:
        return "put a number on how far the result moved"
    return "put numbers on the story: the scale of the problem and how far the result moved"


Advice = str | Callable[[Signals], str]
"""Advice in a round's own terms, fixed or worded from what the answer already gave."""
STORY_ADVICE: dict[str, Advice] = {"numbers_sized": story_numbers_advice}
_CLASSES = re.compile(
    r"\b(?:class\w*|positives?|negatives?|imbalanc\w*|rare|precision|recall|fraud|spam|churn"
    r"|false (?:positives?|negatives?)|label(?:s|led)?)\b"
)
"""Words of a classification problem, where the positive class's rarity is a figure to give."""


def concept_numbers_advice(signals: Signals) -> str:
    """What a concept answer below the bar on numbers is told to add: the figures of its kind
    of problem that it did not give (no positive class for a forecast)."""
    _, moved = sized_story(signals.view, signals.quantities)
    units = {q.tag for q in signals.quantities}
    wanted = [
        part
        for part, absent in (
            ("how much data", "data" not in units),
            (
                "how rare the positive class",
                "percent" not in units and _CLASSES.search(signals.view.lower) is not None,
            ),
            ("how far the metric would move", not moved),
        )
        if absent
    ]
    if not wanted:
        return "say which decision each figure drives"
    return "put numbers on it: " + _listed(wanted)


def _listed(parts: list[str]) -> str:
    """The parts as a list is said: "a", "a and b", "a, b, and c"."""
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


CONCEPT_ADVICE: dict[str, Advice] = {"numbers_sized": concept_numbers_advice}
"""What an answer below ``STRONG`` is told to add, in a story's or a concept's terms: the
judges' own advice (requests per second, a latency budget, a design decision) is about a
system."""
SYSTEM_SCALE = (
    "[users] × [requests per user per day] ÷ 86,400 s ≈ [QPS, your number here]; latency budget "
    "[your number here] ms p99"
)
"""The stronger version's scale placeholder for a system to build."""


class RoundWording(NamedTuple):
    """How a round's feedback is worded where the coach's own words are about a system."""

    probes: dict[str, str]
    """Probes that replace the coach's own (:data:`PROBES`) in this round."""
    advice: dict[str, Advice]
    """What an answer below ``STRONG`` is told to add instead of its judge's advice."""
    scale: str = SYSTEM_SCALE
    """The stronger version's scale placeholder."""


SYSTEM_WORDING = RoundWording({}, {})
ROUND_WORDING: dict[str, RoundWording] = {
    **dict.fromkeys(STORY_ROUNDS, RoundWording(STORY_PROBES, STORY_ADVICE)),
    "recruiter_screen": RoundWording(
        STORY_PROBES,
        STORY_ADVICE,
        "[how big the system was: users or requests, your number here]; "
        "[how far the result moved, your number here]",
    ),
    "ml_fundamentals": RoundWording(
        CONCEPT_PROBES,
        CONCEPT_ADVICE,
        "[how much data, your number here]; [how rare the positive class]; "
        "[how far the metric would move]",
    ),
}
"""The rounds whose questions are not about a system: a recruiter screen asks about work done,
as a story round does."""


def wording_for(round_: str) -> RoundWording:
    """A round's wording; a system's for the design and technical rounds."""
    return ROUND_WORDING.get(round_, SYSTEM_WORDING)


def probes_for(round_: str) -> dict[str, str]:
    """The coach's own probe for each criterion, in a round's words."""
    return {**PROBES, **wording_for(round_).probes}


def advice_for(round_: str) -> dict[str, Advice]:
    """Advice in a round's own words, for the criteria whose judges word it for a system."""
    return wording_for(round_).advice


def every_probe() -> list[tuple[str, str]]:
    """(criterion, probe) for every probe the coach asks, in any round."""
    return [
        *PROBES.items(),
        *STORY_PROBES.items(),
        *CONCEPT_PROBES.items(),
        *DEEPER_PROBES.items(),
    ]


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
    criterion_id: str, judgement: Judgement, criterion: Criterion | None, level: str
) -> str:
    """What was there, what was missing, and the level verdict, in two or three sentences."""
    there = judgement.found[:1].upper() + judgement.found[1:]
    if judgement.evidence:
        there += f' ("{_quote(judgement.lead or judgement.evidence[0])}")'
    sentences = [there + "."]
    if judgement.missing:
        sentences.append(f"Missing: {judgement.missing}.")
    sentences.append(
        f"{judgement.score}/4: {level_verdict(judgement.score, bar_of(criterion), level)}"
    )
    return " ".join(sentences)


def _gap(cid: str, judgement: Judgement, rubrics: Mapping[str, Criterion], level: str) -> tuple:
    bar = bar_of(rubrics.get(cid)).get(level, 3)
    core_rank = CORE_CRITERIA.index(cid) if cid in CORE_CRITERIA else len(CORE_CRITERIA)
    return (bar - judgement.score, -core_rank)


def weakest(
    judgements: Mapping[str, Judgement], rubrics: Mapping[str, Criterion], level: str
) -> str | None:
    """The criterion furthest below the level's bar (core criteria first on ties)."""
    if not judgements:
        return None
    return max(judgements, key=lambda cid: _gap(cid, judgements[cid], rubrics, level))


def summary(
    judgements: Mapping[str, Judgement], rubrics: Mapping[str, Criterion], level: str
) -> str:
    """One or two sentences: strongest, weakest, how many criteria meet the level's bar."""
    if not judgements:
        return "No criterion to score."
    met = [
        cid for cid, j in judgements.items() if j.score >= bar_of(rubrics.get(cid)).get(level, 3)
    ]
    best = max(judgements, key=lambda cid: judgements[cid].score)
    worst = weakest(judgements, rubrics, level) or best
    if len(judgements) == 1:
        meets = "Meets" if met else "Below"
        return f"{meets} the {level} bar on {NAMES.get(best, best)} ({judgements[best].score}/4)."
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
    judgements: Mapping[str, Judgement], rubrics: Mapping[str, Criterion], level: str
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
    judgements: Mapping[str, Judgement],
    rubrics: Mapping[str, Criterion],
    level: str,
) -> str | None:
    """An interviewer's probe: on the weakest criterion when it is below the bar (asking for
    what is missing), else the bank's follow-up, else one asking for that criterion's top level
    (:data:`DEEPER_PROBES`); never the question just answered (a follow-up answer is not asked
    its own probe again)."""
    cid = weakest(judgements, rubrics, level)
    if cid is None:
        return next((p for p in question.follow_ups if p != question.text), None)
    own = probes_for(question.round).get(cid)
    below = _gap(cid, judgements[cid], rubrics, level)[0] > 0
    deeper = DEEPER_PROBES.get(cid, own)
    candidates = [own, *question.follow_ups] if below else [*question.follow_ups, deeper]
    return next((p for p in candidates if p and p != question.text), None)


# ---------------------------------------------------------------- stronger version

STRONG = 3
"""A criterion scored this or more already reads well: its lines are not re-quoted."""
OUTLINED = frozenset({"star_structure", "numbers_sized", "tradeoffs_named", "post_launch_failures"})
"""The criteria the stronger version rewrites from the answer's own sentences; any other one
below ``STRONG`` gets a line saying what it is missing."""


def stronger_version(
    question: Question, signals: Signals, judgements: Mapping[str, Judgement]
) -> str:
    """An outline of the user's own answer, with placeholders where facts are missing.

    Only what would raise a criterion is written: a criterion already at 3 or more is
    named once as one to keep, not quoted back line by line, and no sentence is quoted
    under two headings.
    """
    scores = {cid: j.score for cid, j in judgements.items()}
    quoted: set[str] = set()
    story = question.round in STORY_ROUNDS or "star_structure" in judgements
    lines = _story_outline(signals, scores, quoted) if story else []
    lines += _sizing_lines(signals, scores, quoted, story, question.round)
    if scores.get("tradeoffs_named", STRONG) < STRONG:
        lines.append(
            _line(
                "Decision",
                _fresh(signals.of("tradeoffs", "choice", "decision"), quoted),
                "I chose [option] over [alternative] because [constraint]",
                "; it cost [what was given up, your number here] because "
                "[the constraint that decided it]",
            )
        )
    if scores.get("post_launch_failures", STRONG) < STRONG:
        lines.append(_after_launch(question, signals, quoted))
    lines += [
        f"- {NAMES.get(cid, cid).capitalize()}: [{j.missing}]"
        for cid, j in judgements.items()
        if cid not in OUTLINED and j.score < STRONG and j.missing
    ]
    keep = [NAMES.get(cid, cid) for cid, score in scores.items() if score >= STRONG]
    if keep:
        lines.append("- Keep as it is: " + ", ".join(keep) + ".")
    return "\n".join(lines)


def _fresh(found: list[Signal], quoted: set[str]) -> str | None:
    """The first span not quoted yet under another heading, wholly or in part (a clause of
    a sentence quoted already counts as quoted), and mark it quoted."""
    for signal in found:
        if signal.span and not any(signal.span in q or q in signal.span for q in quoted):
            quoted.add(signal.span)
            return signal.span
    return None


def _line(label: str, quote: str | None, placeholder: str, addition: str = "") -> str:
    """The user's own words when they said it, fillers left out (plus what is missing), else
    a placeholder."""
    if quote:
        said = f'- {label}: "{_quote(without_fillers(quote))}"'
        return said + (f" + {addition.lstrip('; ')}" if addition else "")
    return f"- {label}: {placeholder}{addition}"


def _story_outline(signals: Signals, scores: Mapping[str, int], quoted: set[str]) -> list[str]:
    if scores.get("star_structure", 0) >= 4:
        return []
    parts = signals.star_told
    measured = parts["Result"] is not None and parts["Result"].tag == "measurable_result"
    placeholders = {
        "Situation": "[where you were: team, product, system, its scale in numbers]",
        "Task": "[what you personally owned or had to decide]",
        "Action": "[what you did, step by step]",
        "Result": "[metric] went from [your number here] to [your number here] over [period]",
        "Reflection": "[what you changed afterwards in the system or in how the team works]",
    }
    lines = []
    for label, placeholder in placeholders.items():
        part = parts[label]
        quote = _fresh([part], quoted) if part is not None else None
        addition = ""
        if label == "Result" and quote and not measured:
            addition = "[metric] went from [your number here] to [your number here]"
        lines.append(_line(label, quote, placeholder, addition))
    return lines


def _sizing_lines(
    signals: Signals, scores: Mapping[str, int], quoted: set[str], story: bool, round_: str
) -> list[str]:
    """Scale and napkin-math lines, only while numbers_sized has room to grow."""
    score = scores.get("numbers_sized")
    if score is None or score >= 4:
        return []
    lines = []
    if score < STRONG and not story:
        sized = [q.span for q in signals.quantities if weight_of(q) == 1.0][:3]
        quoted_sizes = "; ".join(f'"{without_fillers(span)}"' for span in sized)
        lines.append(f"- Scale: {quoted_sizes or wording_for(round_).scale}")
    derivation = _fresh(signals.derivations, quoted)
    if derivation:
        lines.append(_line("Napkin math", derivation, "", "say the decision that number forces"))
    elif score >= 2 and not story:
        lines.append(
            "- Napkin math: derive one figure from two you said out loud, then the decision "
            "it forces"
        )
    return lines


def _after_launch(question: Question, signals: Signals, quoted: set[str]) -> str:
    if question.round in DESIGN_ROUNDS:
        return (
            "- What could go wrong: [a failure you expect once it is live], caught by "
            "[the alert and its threshold], handled by [rollback or fallback]"
        )
    return _line(
        "After launch",
        _fresh(signals.of("post_launch", "event"), quoted),
        "[what broke after launch], caught by [the alert or metric], caused by "
        "[root cause], fixed by [change]; impact [your number here]",
    )
