"""tradeoffs_named: a choice, what it cost (in numbers at best) and why; and how many
distinct decisions have a stated cost."""

from __future__ import annotations

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals
from coach.rubrics.signals.text import WINDOW


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
