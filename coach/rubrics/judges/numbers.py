"""numbers_sized: distinct quantities with units, weighted, and derivations that decide."""

from __future__ import annotations

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.numbers import value_key, weight_of


def _distinct_sizing(signals: Signals) -> list[Signal]:
    seen: dict[str, Signal] = {}
    for quantity in signals.quantities:
        if weight_of(quantity) > 0 and value_key(quantity) not in seen:
            seen[value_key(quantity)] = quantity
    return list(seen.values())


def _as_said(signals: Signals, quantities: list[Signal]) -> list[Signal]:
    """Each quantity as the sentence that holds it (the clause, in a long sentence): a
    figure alone ("two weeks") does not show what it sizes. Only the ones with a real unit
    when there are any; otherwise the softer ones first."""
    view = signals.view
    strong = [q for q in quantities if weight_of(q) >= 1]
    said: list[Signal] = []
    for quantity in strong or sorted(quantities, key=lambda q: -weight_of(q)):
        home = next((s for s in view.sentences if view.in_sentence(quantity, s)), None)
        if home is None:
            said.append(quantity)
            continue
        at = view.clean_pos(quantity.start)
        said.append(view.sentence_signal(quantity.kind, home, quantity.tag, at=at))
    return said


def _each_once(spans: tuple[str, ...]) -> tuple[str, ...]:
    """A derivation is often the very sentence a quantity is quoted as: show it once."""
    return tuple(dict.fromkeys(spans))


def judge_numbers(signals: Signals) -> Judgement:
    sizing = _distinct_sizing(signals)
    shown = _as_said(signals, sizing)
    total = sum(weight_of(q) for q in sizing)
    deciding = signals.of("derivations", "decides")
    weak = [
        q for q in signals.quantities if weight_of(q) == 0 and q.tag != "question"
    ]
    if total >= 3 and deciding:
        return Judgement(
            4,
            _each_once(quotes(deciding, 2) + quotes(shown, 2)),
            "you derived figures from figures out loud and let them drive the design",
            "",
        )
    if total >= 3:
        has_derivation = bool(signals.derivations)
        return Judgement(
            3,
            quotes(shown)
            if not has_derivation
            else _each_once(quotes(signals.derivations, 1) + quotes(shown, 3)),
            f"{len(sizing)} quantities with units size the answer",
            "work one figure out from others out loud (a rate from a volume, a count from a "
            "share) and say which decision that number forces"
            if not has_derivation
            else "say which decision the number you worked out forces",
        )
    if total >= 1:
        return Judgement(
            2,
            quotes(shown),
            "one or two real quantities",
            "put numbers on scale, latency budget and cost, and tie each to a design decision",
        )
    if total > 0 or weak or signals.vague_scale:
        return Judgement(
            1,
            quotes(_as_said(signals, sizing + weak + signals.vague_scale)),
            "numbers or scale words that size nothing (a lone metric, a year, 'millions of users')",
            "replace scale words with figures and units (requests per second, p99 in ms, GB, $)",
        )
    return Judgement(
        0, (), "no quantities", "size the problem: traffic, latency budget, data volume, cost"
    )


def numbers_evidence(signals: Signals, level: int) -> tuple[str, ...]:
    """The quotes behind ``level`` when the fitted model moved the score: at 4, the figures
    worked out from others (the ones that decide first), not the inputs they were worked out
    from; at any other level, or with nothing worked out, the rules' own quotes."""
    if level >= 4 and signals.derivations:
        deciding = signals.of("derivations", "decides")
        others = [d for d in signals.derivations if d not in deciding]
        return _each_once(quotes(deciding + others, 3))
    return judge_numbers(signals).evidence
