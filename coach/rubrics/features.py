"""Features of one answer for the fitted scorer, computed once from its signals and text.

Every feature is a float built from what :mod:`coach.rubrics.signals` finds (counts of
distinct pieces of evidence, squashed with ``log1p`` so that the tenth quantity adds less than
the second), from the shape of the text (keyword lists, first person), and the level the
hand-written rules give each core criterion, and what the answer is about (a few numbers from
its sentence vector, :mod:`coach.rubrics.meaning`). Length is left out on purpose: a longer answer
must not score higher for its length, and on the labelled answers length stood in for content
(short one-line answers scored low whatever they said). None keys on a phrase: they count the
kinds of evidence the rubric describes, so they carry over to answers the model never saw.
:mod:`coach.rubrics.fitted` turns them into scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields

import numpy as np

from coach.rounds import STORY_ROUNDS
from coach.rubrics.anticipated import DESIGN_ROUNDS, read_anticipated
from coach.rubrics.judges.numbers import judge_numbers
from coach.rubrics.judges.post_launch import judge_post_launch
from coach.rubrics.judges.star import judge_star
from coach.rubrics.judges.tradeoffs import costed_decisions, judge_tradeoffs
from coach.rubrics.meaning import NAMES
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.numbers import value_key, weight_of
from coach.rubrics.signals.text import View
from coach.rubrics.structure import StructureFeatures, structure_features

_TECHNICAL_ROUNDS = frozenset({"technical", "ml_fundamentals"})
_FIRST_PERSON = re.compile(r"\b(?:i|i'd|i'm|i've|i'll|my|me|myself)\b")
_WE = re.compile(r"\b(?:we|we'd|we're|we've|we'll|our|us)\b")


@dataclass(frozen=True)
class AnswerFeatures(StructureFeatures):
    """What the fitted scorer sees of one answer: the sentence structure
    (:class:`~coach.rubrics.structure.StructureFeatures`) and the fields below. Counts are
    ``log1p`` of distinct items; flags are 0 or 1; shares are between 0 and 1."""

    sized_quantities: float
    """Distinct quantities with a unit, weighted as the rules weigh them (durations ½)."""
    strong_quantities: float
    """Distinct quantities with a unit that sizes (rate, latency, percent, data, money...)."""
    unit_kinds: float
    """How many different kinds of unit the sized quantities use."""
    weightless_numbers: float
    """Numbers that size nothing: years, bare or metric-only figures, listed numbers."""
    vague_scale: float
    """Scale words with no figure ("millions of users")."""
    percentiles: float
    derivations: float
    """Figures computed from figures out loud."""
    deciding_derivations: float
    """Derivations followed by the decision they force."""
    choices: float
    """Decisions with a named alternative."""
    bare_decisions: float
    reasons: float
    costs: float
    """Statements of what a decision gave up (quantified or not)."""
    quantified_costs: float
    compromises: float
    costed_decisions: float
    """Distinct decisions with a stated cost."""
    tradeoff_talk: float
    """Generic trade-off words or options listed without a pick."""
    negated_tradeoffs: float
    launch_events: float
    """Specific problems told as they happened after launch."""
    prelaunch_events: float
    detections: float
    causes: float
    fixes: float
    lasting_changes: float
    impacts: float
    lifecycle_words: float
    """Generic monitoring, drift and alert words with no event."""
    monitoring_parts: float
    """Of signals, triggers, rollout, rollback and retraining, how many are named."""
    checklist: float
    situation: float
    task: float
    action: float
    result: float
    measurable_result: float
    vague_result: float
    reflection: float
    star_in_order: float
    """Situation, then action, then result, in that order."""
    ends_vague: float
    """The last outcome told is vague and none is measurable."""
    ownership: float
    """Distinct kinds of first-person decisions and actions."""
    first_person_share: float
    """Sentences in the first person singular among those with a subject pronoun."""
    listy_share: float
    """Share of the words in bare keyword lists."""
    listed_cues: float
    """Rubric cues found inside keyword lists, per ten words (keyword stuffing)."""
    anticipated_reading: float
    """The design-question reading of post-launch failures (0-4), 0 in other rounds."""
    rule_numbers: float
    """The score the hand-written rules give each core criterion (0-4), before any cap."""
    rule_tradeoffs: float
    rule_post_launch: float
    rule_star: float
    round_design: float
    round_technical: float
    round_story: float
    meaning: tuple[float, ...]
    """What the answer is about: its sentence vector's principal components
    (:mod:`coach.rubrics.meaning`), one feature each, named ``meaning_00``..."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return _plain_names(cls) + NAMES

    def as_vector(self) -> np.ndarray:
        values = [getattr(self, name) for name in _plain_names(type(self))]
        return np.array(values + list(self.meaning), dtype=float)


def _plain_names(features: type[AnswerFeatures]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(features) if f.name != "meaning")


def _count(items: list[Signal] | set[str] | int) -> float:
    return math.log1p(items if isinstance(items, int) else len(items))


def _flag(value: object) -> float:
    return 1.0 if value else 0.0


def _distinct(signals: list[Signal]) -> int:
    return len({s.span for s in signals})


def _number_features(signals: Signals) -> dict[str, float]:
    sized: dict[str, Signal] = {}
    for quantity in signals.quantities:
        if weight_of(quantity) > 0:
            sized.setdefault(value_key(quantity), quantity)
    weightless = {
        value_key(q)
        for q in signals.quantities
        if weight_of(q) == 0 and q.tag != "question"
    }
    return {
        "sized_quantities": math.log1p(sum(weight_of(q) for q in sized.values())),
        "strong_quantities": _count([q for q in sized.values() if weight_of(q) == 1.0]),
        "unit_kinds": _count({q.tag for q in sized.values()}),
        "weightless_numbers": _count(weightless),
        "vague_scale": _count(_distinct(signals.vague_scale)),
        "percentiles": _count(_distinct(signals.percentiles)),
        "derivations": _count(_distinct(signals.derivations)),
        "deciding_derivations": _count(_distinct(signals.of("derivations", "decides"))),
    }


def _tradeoff_features(signals: Signals) -> dict[str, float]:
    def tags(*details: str) -> float:
        return _count(_distinct(signals.of("tradeoffs", *details)))

    return {
        "choices": tags("choice"),
        "bare_decisions": tags("decision"),
        "reasons": tags("reason"),
        "costs": tags("loss", "loss_quantified"),
        "quantified_costs": tags("loss_quantified"),
        "compromises": tags("compromise"),
        "costed_decisions": _count(costed_decisions(signals)),
        "tradeoff_talk": tags("generic", "options"),
        "negated_tradeoffs": tags("negated"),
    }


def _launch_features(signals: Signals) -> dict[str, float]:
    def tags(*details: str) -> float:
        return _count(_distinct(signals.of("post_launch", *details)))

    monitoring = {
        s.tag
        for s in signals.cues.get("monitoring_and_rollback", [])
        if s.tag in ("signal", "trigger", "rollout", "rollback", "retrain") and not s.listed
    }
    return {
        "launch_events": tags("event"),
        "prelaunch_events": tags("prelaunch_event"),
        "detections": tags("detection"),
        "causes": tags("cause"),
        "fixes": tags("fix"),
        "lasting_changes": tags("lasting"),
        "impacts": tags("impact"),
        "lifecycle_words": tags("generic"),
        "monitoring_parts": _count(monitoring),
        "checklist": _flag(signals.checklist),
    }


def _first_start(signals: list[Signal]) -> int | None:
    return min((s.start for s in signals), default=None)


def _star_features(signals: Signals) -> dict[str, float]:
    part = signals.star_by_tag()
    stated = part["result"] + part["measurable_result"]
    order = [_first_start(part["situation"]), _first_start(part["action"]), _first_start(stated)]
    endings = sorted(stated + part["vague_result"], key=lambda s: s.start)
    ends_vague = (
        bool(endings) and endings[-1].tag == "vague_result" and not part["measurable_result"]
    )
    in_order = all(at is not None for at in order) and order == sorted(order)  # type: ignore[type-var]
    return {
        **{name: _flag(found) for name, found in part.items()},
        "star_in_order": _flag(in_order),
        "ends_vague": _flag(ends_vague),
        "ownership": _count({s.tag for s in signals.ownership}),
    }


def _text_features(view: View, signals: Signals, round_name: str) -> dict[str, float]:
    words = sum(len(s.text.split()) for s in view.sentences)
    listed = sum(len(s.text.split()) for s in view.sentences if s.listy)
    singular = sum(bool(_FIRST_PERSON.search(s.text.lower())) for s in view.sentences)
    plural = sum(bool(_WE.search(s.text.lower())) for s in view.sentences)
    listed_cues = sum(s.listed for cues in signals.cues.values() for s in cues)
    return {
        "first_person_share": singular / (singular + plural) if singular + plural else 0.0,
        "listy_share": listed / words if words else 0.0,
        "listed_cues": 10 * listed_cues / words if words else 0.0,
        "round_design": _flag(round_name == "system_design"),
        "round_technical": _flag(round_name in _TECHNICAL_ROUNDS),
        "round_story": _flag(round_name in STORY_ROUNDS),
    }


def _rule_features(signals: Signals) -> dict[str, float]:
    return {
        "rule_numbers": float(judge_numbers(signals).score),
        "rule_tradeoffs": float(judge_tradeoffs(signals).score),
        "rule_post_launch": float(judge_post_launch(signals).score),
        "rule_star": float(judge_star(signals).score),
    }


def _design_features(view: View, round_name: str) -> dict[str, float]:
    anticipated = read_anticipated(view).score if round_name in DESIGN_ROUNDS else 0
    return {"anticipated_reading": float(anticipated)}


def answer_features(
    signals: Signals, round_name: str, meaning: tuple[float, ...]
) -> AnswerFeatures:
    """The features of one answer, from its signals (and the text they were read from),
    the round asked and its ``meaning`` (:func:`coach.rubrics.meaning.read_meaning`)."""
    view = signals.view
    return AnswerFeatures(
        **asdict(structure_features(view)),
        **_design_features(view, round_name),
        **_number_features(signals),
        **_tradeoff_features(signals),
        **_launch_features(signals),
        **_star_features(signals),
        **_rule_features(signals),
        **_text_features(view, signals, round_name),
        meaning=meaning,
    )
