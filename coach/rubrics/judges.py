"""The rules' judgement of each criterion from the answer's signals.

Each criterion is scored 0–4 from what :mod:`coach.rubrics.signals` finds,
counting distinct pieces of evidence (never raw matches, so repeating a
sentence earns nothing), with the spans it relied on as evidence. An answer
made mostly of bare keyword lists scores at most 1 everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.numbers import value_key, weight_of
from coach.rubrics.signals.text import WINDOW

STUFFED_SHARE = 0.75
"""Share of the answer's words in bare keyword lists above which nothing scores over 1."""


def _distinct_sizing(signals: Signals) -> list[Signal]:
    seen: dict[str, Signal] = {}
    for quantity in signals.quantities:
        if weight_of(quantity) > 0 and value_key(quantity) not in seen:
            seen[value_key(quantity)] = quantity
    return list(seen.values())


def judge_numbers(signals: Signals) -> Judgement:
    sizing = _distinct_sizing(signals)
    total = sum(weight_of(q) for q in sizing)
    deciding = signals.of("derivations", "decides")
    weak = [
        q for q in signals.quantities if weight_of(q) == 0 and q.tag != "question"
    ]
    if total >= 3 and deciding:
        return Judgement(
            4,
            quotes(deciding, 2) + quotes(sizing, 2),
            "you derived figures from figures out loud and let them drive the design",
            "",
        )
    if total >= 3:
        has_derivation = bool(signals.derivations)
        return Judgement(
            3,
            quotes(sizing)
            if not has_derivation
            else quotes(signals.derivations, 1) + quotes(sizing, 3),
            f"{len(sizing)} quantities with units size the answer",
            "derive one figure from others out loud (users × requests ÷ 86,400 s → QPS) and say "
            "which decision that number forces"
            if not has_derivation
            else "say which decision the number you worked out forces",
        )
    if total >= 1:
        return Judgement(
            2,
            quotes(sizing),
            "one or two real quantities",
            "put numbers on scale, latency budget and cost, and tie each to a design decision",
        )
    if total > 0 or weak or signals.vague_scale:
        return Judgement(
            1,
            quotes(sizing + weak + signals.vague_scale),
            "numbers or scale words that size nothing (a lone metric, a year, 'millions of users')",
            "replace scale words with figures and units (requests per second, p99 in ms, GB, $)",
        )
    return Judgement(
        0, (), "no quantities", "size the problem: traffic, latency budget, data volume, cost"
    )


def _sentence_of(signal: Signal) -> int:
    return signal.sentence if signal.sentence is not None else signal.start


def costed_decisions(signals: Signals) -> int:
    """How many distinct decisions have a stated cost. Each cost belongs to the nearest
    choice within the window, so a cost told over two sentences is still one decision, and
    decisions are told apart by their words, so saying one twice is still one."""
    choices = {_sentence_of(s): s.span for s in signals.of("tradeoffs", "choice", "decision")}
    owners: set[str] = set()
    unowned: list[int] = []
    for loss in signals.of("tradeoffs", "loss", "loss_quantified"):
        at = _sentence_of(loss)
        near = [c for c in choices if abs(c - at) <= WINDOW]
        if near:
            owners.add(choices[min(near, key=lambda c: (abs(c - at), -c))])
        elif not unowned or at - unowned[-1] > WINDOW:
            unowned.append(at)  # costs with no choice nearby, told close together: one decision
            owners.add(loss.span)
        else:
            unowned.append(at)
    return len(owners)


def judge_tradeoffs(signals: Signals) -> Judgement:
    quantified = signals.of("tradeoffs", "loss_quantified")
    losses = signals.of("tradeoffs", "loss", "loss_quantified")
    compromise = signals.of("tradeoffs", "compromise")
    choices = signals.of("tradeoffs", "choice")
    negated = signals.of("tradeoffs", "negated")
    change = signals.of("tradeoffs", "change")
    if quantified or costed_decisions(signals) >= 2:
        return Judgement(
            4,
            quotes(quantified + losses + choices, 3),
            "what was given up is named and weighed against what was gained"
            + (" in numbers" if quantified else " across more than one decision"),
            "",
        )
    if losses or compromise:
        return Judgement(
            3,
            quotes(losses + compromise + choices, 3),
            "a decision with what it cost and why",
            "put the cost in numbers against the gain ('lost 0.3 points of AUC for 9× faster "
            "training under a 2-hour window')",
        )
    if choices or (negated and change):
        return Judgement(
            2,
            quotes(choices + change + negated, 3),
            "a choice between named alternatives"
            + ("; but it says nothing was given up" if negated else ""),
            "say what the choice cost you and the constraint that decided it",
        )
    generic = signals.of("tradeoffs", "generic", "options")
    if generic:
        return Judgement(
            1,
            quotes(generic, 2),
            "trade-off talk or a list of options, but no decision between them",
            "pick one option, name the one you gave up and why",
        )
    return Judgement(
        0,
        quotes(negated, 1),
        "one path, no alternative" + (" (and it says there is no trade-off)" if negated else ""),
        "name an alternative you rejected, what your choice cost, and why it was worth it",
    )


def judge_post_launch(signals: Signals) -> Judgement:
    events = signals.of("post_launch", "event")
    pre = signals.of("post_launch", "prelaunch_event")
    generic = signals.of("post_launch", "generic")
    parts = {
        name: signals.of("post_launch", name)
        for name in ("detection", "cause", "fix", "lasting", "impact")
    }
    if not events:
        if generic:
            return Judgement(
                1,
                quotes(generic, 2),
                "generic lifecycle words (monitoring, drift, alerts) with no event",
                "tell one real failure after launch: what broke, how you found out, what you "
                "changed",
            )
        return Judgement(
            0,
            (),
            "nothing about production after launch"
            + (" (the problem told was caught before launch)" if pre else ""),
            "tell what happened after launch: the online metric, what broke, what changed",
        )
    evidence = events[:1] + parts["detection"][:1] + parts["cause"][:1] + parts["fix"][:1]
    full = all(parts[name] for name in ("fix", "cause", "lasting", "impact"))
    if signals.checklist:
        return Judgement(
            2,
            quotes(events, 2),
            "a production problem listed as a checklist of steps, not a concrete event",
            "tell it as one event: when, the signal that caught it, the cause, the fix",
        )
    if full:
        return Judgement(
            4,
            quotes(evidence + parts["lasting"][:1] + parts["impact"][:1], 5),
            "an incident after launch with its cause, its cost in numbers and what changed "
            "for good",
            "",
        )
    if parts["fix"] and parts["detection"]:
        lacking = [
            label
            for label, name in (
                ("the root cause", "cause"),
                ("the impact in numbers", "impact"),
                ("the lasting change to the system or team", "lasting"),
            )
            if not parts[name]
        ]
        return Judgement(
            3,
            quotes(evidence),
            "a concrete incident in production, how you noticed it and what you fixed",
            "add " + ", ".join(lacking),
        )
    lacking = [
        label
        for label, name in (("how it was detected", "detection"), ("what you changed", "fix"))
        if not parts[name]
    ]
    return Judgement(
        2,
        quotes(events + parts["detection"] + parts["fix"], 3),
        "a specific production problem",
        "say " + " and ".join(lacking) + ", then the cause and its impact in numbers",
    )


def _one_sentence(situations: list[Signal], actions: list[Signal]) -> bool:
    """The only situation is one sentence, and every action sits inside it."""
    if len(situations) != 1:
        return False
    scene = situations[0]
    return all(scene.start <= a.start and a.end <= scene.end for a in actions)


def judge_star(signals: Signals) -> Judgement:
    part = signals.star_by_tag()
    situation, action = bool(part["situation"]), bool(part["action"])
    if situation and action and _one_sentence(part["situation"], part["action"]):
        situation = False  # "we had a model that did worse and we fixed it": one line, no scene
    stated = part["result"] + part["measurable_result"]
    endings = sorted(stated + part["vague_result"], key=lambda s: s.start)
    if endings and not part["measurable_result"] and endings[-1].tag == "vague_result":
        stated = []  # the story ends on "it went fine": the result is vague
    owned = len({s.tag for s in signals.ownership}) >= 2
    if not situation and not action:
        return Judgement(
            0, (), "no story: opinions or general statements", "tell one specific time it happened"
        )
    if not (situation and action):
        have = "a situation" if situation else "an action"
        return Judgement(
            1,
            quotes(part["situation"] + part["action"], 2),
            f"a fragment: only {have}",
            "tell the whole story: the situation, your task, what you did, and the result",
        )
    core = part["situation"][:1] + part["task"][:1] + part["action"][:1]
    if not stated:
        return Judgement(
            2,
            quotes(core + part["vague_result"][:1]),
            "situation and action, "
            + ("but a vague result" if part["vague_result"] else "but no result"),
            "end with a measurable result ('conversion went from 4% to 6% over the quarter')",
        )
    full = part["measurable_result"] and part["task"] and part["reflection"] and owned
    if full:
        return Judgement(
            4,
            quotes(core + part["measurable_result"][:1] + part["reflection"][:1], 5),
            "all four parts, a measurable result, your own decisions and a reflection",
            "",
        )
    lacking = [
        label
        for label, ok in (
            ("a measurable result", bool(part["measurable_result"])),
            ("your explicit task", bool(part["task"])),
            ("what you learned or changed afterwards", bool(part["reflection"])),
            ("what you personally decided", owned),
        )
        if not ok
    ]
    return Judgement(
        3,
        quotes(core + stated[:1]),
        "all four STAR parts with a stated result",
        "add " + ", ".join(lacking),
    )


def _cue(signals: Signals, criterion: str, *groups: str) -> list[Signal]:
    """The criterion's cues of these groups told in sentences (not in keyword lists)."""
    return [s for s in signals.cues.get(criterion, []) if s.tag in groups and not s.listed]


def _loose_monitoring(signals: Signals, parts: tuple[str, ...]) -> list[Signal]:
    """Generic monitoring words told in sentences, and the loop's parts named only in lists."""
    return [
        s
        for s in signals.cues.get("monitoring_and_rollback", [])
        if (s.tag == "generic" and not s.listed) or (s.tag in parts and s.listed)
    ]


def _sizes(signals: Signals, spans: list[Signal]) -> bool:
    """A real quantity sits inside one of these sentences."""
    sized = [q for q in signals.quantities if weight_of(q) == 1.0]
    return any(s.start <= q.start < s.end for s in spans for q in sized)


def judge_data_first(signals: Signals) -> Judgement:
    data = _cue(signals, "data_first", "data")
    pitfall = _cue(signals, "data_first", "pitfall")
    model = _cue(signals, "data_first", "model")
    if not data:
        return Judgement(
            0, (), "no data or labels", "start with where the data and labels come from"
        )
    early = not model or data[0].start <= model[0].start
    distinct = len({s.start for s in data})
    if distinct < 2 and not pitfall or not early and not pitfall:
        return Judgement(
            1,
            quotes(data, 2),
            "data mentioned in passing" + ("" if early else ", after the model"),
            "open with the data: source, how labels arrive, one pitfall and how you handle it",
        )
    if not (early and pitfall):
        return Judgement(
            2,
            quotes(data, 3),
            "data sources and labels named",
            "put the data before the model and say how you handle a pitfall (label delay, bias, "
            "leakage, skew)",
        )
    if _sizes(signals, data + pitfall):
        return Judgement(
            4, quotes(data[:2] + pitfall[:2]), "data first, with its pitfalls and its size", ""
        )
    return Judgement(
        3,
        quotes(data[:2] + pitfall[:2]),
        "data first, with a pitfall and its handling",
        "size the data (volume, positive rate, label delay) and let that pick the approach",
    )


def judge_clarifies(signals: Signals) -> Judgement:
    stated = _cue(signals, "clarifies_assumptions", "assumption")
    token = _cue(signals, "clarifies_assumptions", "token")
    change = _cue(signals, "clarifies_assumptions", "change")
    count = len({s.start for s in stated})
    if not stated:
        if token:
            return Judgement(
                1, quotes(token, 1), "a token mention of clarifying", "name the actual assumptions"
            )
        return Judgement(
            0, (), "no assumptions stated", "state the objective, scale and latency you design for"
        )
    if count < 3:
        return Judgement(
            2,
            quotes(stated),
            "one or two assumptions stated",
            "pin down objective, scale and latency before designing, and design to them",
        )
    if _sizes(signals, stated) and change:
        return Judgement(
            4,
            quotes(stated[:3] + change[:1]),
            "assumptions in numbers, and how the design would change",
            "",
        )
    return Judgement(
        3,
        quotes(stated),
        "objective and constraints stated before designing",
        "put the constraints in numbers and say how the design changes if one is wrong",
    )


def judge_monitoring(signals: Signals) -> Judgement:
    groups = ("signal", "trigger", "rollout", "rollback", "retrain")
    present = {g: _cue(signals, "monitoring_and_rollback", g) for g in groups}
    have = [g for g in groups if present[g]]
    spans = [s for g in have for s in present[g][:1]]
    generic = _loose_monitoring(signals, groups)
    missing = ", ".join(g for g in groups if g not in have)
    if not have:
        if generic:
            return Judgement(
                1, quotes(generic, 2), "generic monitoring words", "name the signals and triggers"
            )
        return Judgement(
            0, (), "nothing after deployment", "say what you watch, what triggers a rollback"
        )
    if len(have) <= 2:
        return Judgement(2, quotes(spans), f"covers {', '.join(have)}", f"add {missing}")
    all_spans = [s for g in have for s in present[g]]
    if len(have) >= 4 and _sizes(signals, all_spans):
        return Judgement(4, quotes(spans, 5), "the whole loop, with numbers", "")
    return Judgement(
        3,
        quotes(spans, 5),
        f"covers {', '.join(have)}",
        (f"add {missing}; " if missing else "") + "put thresholds and cadence in numbers",
    )


def judge_business(signals: Signals) -> Judgement:
    outcome = _cue(signals, "business_impact", "outcome")
    attribution = _cue(signals, "business_impact", "attribution")
    vague = _cue(signals, "business_impact", "vague")
    measured = [s for s in outcome if _sizes(signals, [s])]
    if measured and attribution:
        return Judgement(
            4,
            quotes(measured[:2] + attribution[:1]),
            "a measured outcome and how it was attributed",
            "",
        )
    if measured:
        return Judgement(
            3,
            quotes(measured),
            "a business outcome with a figure",
            "say how the impact was measured (A/B test, holdout) and how the model metric moved it",
        )
    if outcome:
        return Judgement(
            2,
            quotes(outcome),
            "a business outcome named",
            "give its size: revenue, cost, conversion",
        )
    if vague:
        return Judgement(
            1,
            quotes(vague),
            "value in vague terms",
            "name the business metric and how much it moved",
        )
    return Judgement(
        0, (), "no business or user outcome", "say what it changed for users or the business"
    )


def judge_partner(signals: Signals) -> Judgement:
    cue = {
        g: _cue(signals, "partner_named", g)
        for g in ("partner", "tension", "compromise", "outcome", "process")
    }
    if not cue["partner"]:
        return Judgement(
            0, (), "no partner named", "name the partner's role and where you disagreed"
        )
    if not cue["tension"]:
        return Judgement(
            1, quotes(cue["partner"], 2), "a partner but no tension", "say what you disagreed about"
        )
    if not (cue["compromise"] and cue["outcome"]):
        return Judgement(
            2,
            quotes(cue["partner"][:1] + cue["tension"][:1]),
            "the partner and the tension",
            "say what each side gave up and how it turned out",
        )
    spans = cue["partner"][:1] + cue["tension"][:1] + cue["compromise"][:1] + cue["outcome"][:1]
    if _sizes(signals, cue["outcome"]) and cue["process"]:
        return Judgement(
            4, quotes(spans, 5), "partner, tension, compromise and a measured outcome", ""
        )
    return Judgement(
        3,
        quotes(spans, 5),
        "partner, tension, compromise and outcome",
        "give the outcome months later in numbers and what changed in how you work together",
    )


def judge_gotchas(signals: Signals) -> Judgement:
    pitfalls = _cue(signals, "narrates_gotchas", "pitfall")
    handled_starts = {s.start for s in _cue(signals, "narrates_gotchas", "handling")}
    handled = [p for p in pitfalls if p.start in handled_starts]
    verify = _cue(signals, "narrates_gotchas", "verify")
    if not pitfalls:
        return Judgement(0, (), "no pitfalls", "say what can go wrong and how you handle it")
    if not handled:
        return Judgement(
            1, quotes(pitfalls, 2), "pitfalls named only", "say what goes wrong and how you fix it"
        )
    if len(handled) < 3:
        return Judgement(
            2, quotes(handled), "one or two pitfalls with handling", "cover the other main pitfalls"
        )
    if verify or signals.derivations:
        return Judgement(
            4, quotes(handled[:3] + verify[:1]), "pitfalls, handling, verification and scale", ""
        )
    return Judgement(
        3,
        quotes(handled),
        "several pitfalls with their handling",
        "say how you would verify it and what it costs at scale",
    )


def judge_metrics(signals: Signals) -> Judgement:
    cue = {
        g: _cue(signals, "metrics_beyond_accuracy", g)
        for g in ("metric", "reason", "operating_point", "online", "accuracy_only")
    }
    if not cue["metric"]:
        return Judgement(
            0,
            quotes(cue["accuracy_only"], 1),
            "no metric beyond accuracy",
            "pick a metric that fits",
        )
    reasoned = [m for m in cue["metric"] if m.start in {r.start for r in cue["reason"]}]
    if not reasoned:
        return Judgement(
            1, quotes(cue["metric"], 2), "metric names listed", "say which fits and why"
        )
    extras = cue["operating_point"][:1] + cue["online"][:1]
    if not extras:
        return Judgement(
            2,
            quotes(reasoned),
            "a metric chosen for the cost of errors",
            "set an operating point and tie it to an online measure",
        )
    if cue["operating_point"] and cue["online"] and _sizes(signals, cue["metric"]):
        return Judgement(
            4, quotes(reasoned[:2] + extras), "metrics, operating point and online link", ""
        )
    return Judgement(
        3,
        quotes(reasoned[:2] + extras),
        "a metric chosen for the cost of errors, with an operating point or online measure",
        "size the operating point from a real constraint and add guardrail metrics",
    )


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
