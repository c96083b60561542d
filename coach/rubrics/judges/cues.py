"""The round-specific criteria, each judged from its own cues
(:mod:`coach.rubrics.signals.cues`) and whether a real quantity sizes them."""

from __future__ import annotations

import re

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.cues import cues_in
from coach.rubrics.signals.numbers import weight_of
from coach.rubrics.signals.star import OPINION


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


def _sizes(signals: Signals, spans: list[Signal], units: frozenset[str] = frozenset()) -> bool:
    """A real quantity (or one of these other ``units``) sits inside one of these sentences."""
    sized = [q for q in signals.quantities if weight_of(q) == 1.0 or q.tag in units]
    return any(s.start <= q.start < s.end for s in spans for q in sized)


def _sentences(signals: Signals, spans: list[Signal]) -> list[str]:
    """The whole sentences these signals came from, each once."""
    indices = sorted({s.sentence for s in spans if s.sentence is not None})
    return [signals.view.sentences[i].text for i in indices]


def _said(signals: Signals, cue: Signal) -> str:
    """The whole sentence a cue came from, lower-cased."""
    return " ".join(_sentences(signals, [cue])).lower()


_LESSON_OR_VIEW = re.compile(
    rf"\b(?:i|we) learn(?:ed|t)\b|\blessons?\b|\btaught (?:me|us)\b|{OPINION.pattern}"
)
"""A sentence telling what the speaker learned, or a view: it tells no partner, data or signal of
the answer's own ("I learned how to build alignment with stakeholders", "I learned that data
quality is everything")."""


def _stated(signals: Signals, criterion: str, *groups: str) -> list[Signal]:
    """The criterion's cues of these groups told in sentences (:func:`_cue`) that are not a
    lesson or a view (:data:`_LESSON_OR_VIEW`)."""
    cues = _cue(signals, criterion, *groups)
    return [c for c in cues if not _LESSON_OR_VIEW.search(_said(signals, c))]


def _assumptions_stated(signals: Signals, stated: list[Signal], token: list[Signal]) -> int:
    """Assumptions told, counted within sentences ("goal …, 50 milliseconds, … out of scope");
    a sentence of stock clarifying talk ("ask some clarifying questions") counts once if it
    names anything besides the asking, and not at all if it does not ("I'd ask some
    clarifying questions and assume the usual requirements")."""
    stock = set(_sentences(signals, token))
    return sum(
        min(1, len(_named_beside_stock(text)))
        if text in stock
        else len({words for _, words in cues_in("clarifies_assumptions", "assumption", text)})
        for text in _sentences(signals, stated)
    )


_ASKING = re.compile(r"\b(?:assum\w*|i'd ask|i'd clarify|clarify\w*|first question)\b")
"""Words that say an assumption or a question is coming, without naming it."""


def _named_beside_stock(text: str) -> set[str]:
    """The assumption cues of a stock-talk sentence that name something: outside its stock
    phrases, and not words of asking."""
    stock = [
        (at, at + len(words)) for at, words in cues_in("clarifies_assumptions", "token", text)
    ]
    return {
        words
        for at, words in cues_in("clarifies_assumptions", "assumption", text)
        if not _ASKING.fullmatch(words) and not any(a <= at < b for a, b in stock)
    }


def _pitfalls_handled(sentence: str) -> int:
    """Pitfalls a sentence names and handles: runs of pitfall words between fixes, so "no points,
    its mean is undefined and you'd divide by zero, so I'd re-seed" is one pitfall, and
    "overflows, so I subtract the max, and use log-sum-exp instead of … underflow" two."""
    pitfalls = cues_in("narrates_gotchas", "pitfall", sentence)
    fixes = cues_in("narrates_gotchas", "handling", sentence)
    if not fixes:
        return 0
    order = [
        group
        for _, group in sorted([(at, "p") for at, _ in pitfalls] + [(at, "f") for at, _ in fixes])
    ]
    return sum(
        1 for i, group in enumerate(order) if group == "p" and (i == 0 or order[i - 1] == "f")
    )


_HANDLING = re.compile(
    r"\b(?:so|instead|to (?:avoid|prevent|correct|handle|fix|counter|account for|deal with"
    r"|guard against)|(?:i|we)(?:'d|'ll| would| will| can| could| then| also| first)? "
    r"(?!(?:think|thought|learn\w*|feel|felt|believe|know|knew|had|have|was|were|am|are|saw|see"
    r"|noticed|found|reali[sz]ed|got|get|lost|hit|ran|need|needed|want|wanted|worry|worried"
    r"|wonder|expect|guess|say|mean)\b)[a-z]+)\b"
)
"""Something done about a data pitfall: a consequence drawn from it ("…, so I train on
transactions 90 days old"), a way round it ("instead", "to avoid"), or the speaker acting or
planning ("I'd join features as they were at transaction time")."""


def _handled(signals: Signals, pitfalls: list[Signal], model: list[Signal]) -> list[Signal]:
    """The pitfalls told with what is done about them, in their own sentence or the next one
    (unless that one is about the model: "Labels can be noisy. I'd use XGBoost.")."""
    model_sentences = {s.sentence for s in model}
    sentences = signals.view.sentences
    handled = []
    for pitfall in pitfalls:
        at = pitfall.sentence
        if at is None:
            continue
        told = [sentences[at].text]
        if at + 1 < len(sentences) and at + 1 not in model_sentences:
            told.append(sentences[at + 1].text)
        if any(
            _HANDLING.search(text.lower()) and not _LESSON_OR_VIEW.search(text.lower())
            for text in told
        ):
            handled.append(pitfall)
    return handled


_GENERIC_DATA = frozenset({"data", "dataset", "training set", "examples", "example", "samples"})
"""Words that say there is data without naming any of it."""


def _named_data(signals: Signals, data: list[Signal]) -> int:
    """How much of the data is named: the sentences naming it, or the distinct words for its
    source and labels in one sentence ("the feed click logs, with a click as the positive
    label"), whichever is more. "Data" alone names none of it ("collect the data and clean it",
    "data-driven")."""
    named = [
        {word for _, word in cues_in("data_first", "data", text) if word not in _GENERIC_DATA}
        for text in _sentences(signals, data)
    ]
    return max(sum(1 for words in named if words), len(set().union(*named)))


def judge_data_first(signals: Signals) -> Judgement:
    data = _stated(signals, "data_first", "data")
    model = _stated(signals, "data_first", "model")
    pitfalls = _stated(signals, "data_first", "pitfall")
    handled = _handled(signals, pitfalls, model)
    if not data:
        return Judgement(
            0, (), "no data or labels", "start with where the data and labels come from"
        )
    early = not model or data[0].start <= model[0].start
    if _named_data(signals, data) < 2 or not early and not pitfalls:
        return Judgement(
            1,
            quotes(data, 2),
            "data mentioned in passing" + ("" if early else ", after the model"),
            "open with the data: where it and its labels come from"
            + ("" if pitfalls else ", one pitfall and how you handle it"),
        )
    if not (early and handled):
        if not early and pitfalls:
            missing = "start with the data, before the model"
        elif pitfalls:
            missing = "say what you do about the pitfall you named (how you correct or avoid it)"
        else:
            missing = "say how you handle a pitfall (label delay, bias, leakage, skew)"
        return Judgement(
            2,
            quotes(data, 3),
            "data sources and labels named" + ("" if early else ", after the model"),
            missing,
        )
    if _sizes(signals, data + handled, units=frozenset({"duration"})):  # label delay sizes data
        return Judgement(
            4, quotes(data[:2] + handled[:2]), "data first, with its pitfalls and its size", ""
        )
    return Judgement(
        3,
        quotes(data[:2] + handled[:2]),
        "data first, with a pitfall and its handling",
        "size the data (volume, positive rate, label delay) and let that pick the approach",
    )


def judge_clarifies(signals: Signals) -> Judgement:
    stated = _stated(signals, "clarifies_assumptions", "assumption")
    token = _cue(signals, "clarifies_assumptions", "token")
    change = _cue(signals, "clarifies_assumptions", "change")
    count = _assumptions_stated(signals, stated, token)
    if not stated or not count:
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


def _watched_first(cues: list[Signal], every_cue: list[Signal]) -> list[Signal]:
    """Cues in the sentences that tell most of the loop (an alert, a rollback) first, in the
    answer's order among equals: "latency" in a trade-off sentence is not a signal being
    watched."""
    tags: dict[int | None, set[str]] = {}
    for cue in every_cue:
        tags.setdefault(cue.sentence, set()).add(cue.tag)
    return sorted(cues, key=lambda cue: (-len(tags.get(cue.sentence, set())), cue.start))


def _weighed(signals: Signals) -> set[int | None]:
    """Sentences that list options or talk of trade-offs ("you could retrain daily, weekly, or
    on drift"; "each has pros and cons in freshness"): they choose no part of a loop."""
    return {s.sentence for s in signals.of("tradeoffs", "options", "generic")}


def judge_monitoring(signals: Signals) -> Judgement:
    groups = ("signal", "trigger", "rollout", "rollback", "retrain")
    weighed = _weighed(signals)

    def told(*names: str) -> list[Signal]:
        cues = _stated(signals, "monitoring_and_rollback", *names)
        return [c for c in cues if c.sentence not in weighed]

    every_cue = told(*groups, "generic")
    present = {g: _watched_first(told(g), every_cue) for g in groups}
    have = [g for g in groups if present[g]]
    spans = _watched_first([s for g in have for s in present[g][:1]], every_cue)
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


def _results_first(cues: list[Signal], signals: Signals) -> list[Signal]:
    """Outcome cues in the story's Result first, then in other sentences that tell a result,
    and those in a sentence telling a problem after launch last: "the model flagged 40 % fewer
    users" is the symptom, "the campaign saved $200,000" the impact."""
    told = signals.star_told["Result"]
    results = {s.sentence for s in signals.of("star", "result", "measurable_result")}
    problems = {s.sentence for s in signals.of("post_launch", "event")}
    return sorted(
        cues,
        key=lambda cue: (
            told is None or cue.sentence != told.sentence,
            cue.sentence not in results,
            cue.sentence in problems,
        ),
    )


MOVES = frozenset({"delta", "percent", "multiplier"})
"""Quantity units that tell how far something moved."""


def _money_moved(signals: Signals) -> list[Signal]:
    """Sentences telling money and how far it moved ("from 40 GPUs to 14, about $25k a month,
    a 64% cut"): an outcome in the business's own unit, whatever words carry it."""
    view = signals.view
    found = []
    for sentence in view.sentences:
        inside = [q for q in signals.quantities if view.in_sentence(q, sentence)]
        money = [q for q in inside if q.tag == "money"]
        if money and not sentence.listy and any(q.tag in MOVES for q in inside):
            at = view.clean_pos(money[0].start)
            found.append(view.sentence_signal("business_impact", sentence, "outcome", at))
    return found


_HINDSIGHT = re.compile(
    r"\b(?:i'd have|i would have|we'd have|we would have|should have|could have|"
    r"looking back|(?:in|with) hindsight)\b"
)
"""A sentence looking back at what could have been done: it attributes nothing that was
measured ("Looking back, I'd have tried quantization first, the cheaper experiment")."""


_OFFLINE_METRIC = re.compile(
    r"\b(?:auc|roc|f1|precision|recall|ndcg|map|mrr|accuracy|loss|log-?loss|perplexity|bleu|"
    r"rmse|mae|mape|r2|validation|offline)\b"
)
"""An offline model metric: moving it is not yet a business outcome (RUBRIC level 1)."""


def _measured_results(signals: Signals) -> list[Signal]:
    """A story's measured results that move no offline model metric ("we cut the
    false-decline rate from 4% to 0.6%"): an outcome for the users, in their own figures."""
    view = signals.view
    return [
        view.sentence_signal(
            "business_impact", view.sentences[s.sentence], "outcome", view.clean_pos(s.start)
        )
        for s in signals.of("star", "measurable_result")
        if s.sentence is not None and not _OFFLINE_METRIC.search(s.span.lower())
    ]


_PEOPLE = re.compile(r"(?:customers|users|orders|bookings|sales|tickets?|opens?|approvals?)")
"""Outcome words that also just count who or what a system serves."""
_CHANGE_WORDS = re.compile(
    r"\b(?:cut|saved?|rose|fell|grew|dropped|went (?:up|down|from)|improv\w*|reduc\w*"
    r"|increas\w*|decreas\w*|lift\w*|doubl\w*|halv\w*|tripl\w*|raised|lowered|boost\w*"
    r"|gain\w*|more|fewer|less|higher|lower|from \S+ to)\b"
)
"""Words that tell something changed: with them, "orders" or "users" is an outcome, not a count."""
_TASK_NAME = re.compile(
    r"\s+(?:prediction|model|classifier|detection|forecast\w*|scor\w+)\b"
)
"""After an outcome word, the name of the model's task ("a churn prediction model")."""


def _an_outcome(signals: Signals, cue: Signal) -> bool:
    """The outcome cue tells an outcome: not a view ("you need to think about the users") or
    hindsight, not the name of the model's task ("a churn prediction model"), and not a head
    count with nothing that moved ("we had about 800,000 customers")."""
    lower = _said(signals, cue)
    words = [
        (at, word)
        for at, word in cues_in("business_impact", "outcome", lower)
        if not _TASK_NAME.match(lower, at + len(word))
    ]
    counted = all(_PEOPLE.fullmatch(word) for _, word in words)
    moved = _CHANGE_WORDS.search(lower) is not None
    told_as_view = OPINION.search(lower) or _HINDSIGHT.search(lower)
    return bool(words) and not told_as_view and not (counted and not moved)


def judge_business(signals: Signals) -> Judgement:
    told = [c for c in _cue(signals, "business_impact", "outcome") if _an_outcome(signals, c)]
    named = {s.sentence for s in told}
    moved = []
    for found in _money_moved(signals) + _measured_results(signals):
        if found.sentence not in named:
            named.add(found.sentence)
            moved.append(found)
    outcome = _results_first(sorted(told + moved, key=lambda s: s.start), signals)
    attribution = [
        s
        for s in _cue(signals, "business_impact", "attribution")
        if not _HINDSIGHT.search(_said(signals, s))
    ]
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
    groups = ("partner", "tension", "compromise", "outcome", "process")
    cue = {g: _stated(signals, "partner_named", g) for g in groups}
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
    if sum(_pitfalls_handled(text) for text in _sentences(signals, handled)) < 3:
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
        listed = [
            s
            for s in signals.cues.get("metrics_beyond_accuracy", [])
            if s.tag == "metric" and s.listed
        ]
        if listed:  # "precision, recall, F1, ROC-AUC and PR-AUC, all the standard ones"
            return Judgement(
                1, quotes(listed, 1), "metric names listed", "say which fits and why"
            )
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
