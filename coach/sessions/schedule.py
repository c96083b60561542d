"""Weak rounds come back by spaced repetition (Leitner boxes).

A round is weak when one of its core criteria scores below the bar for the
answer's level (the rubric's ``bar``, or the ``weak_below`` setting). A weak
round enters box 1, due at once. Each new attempt moves it: up a box (a longer
interval) when the core scores improved or it is no longer weak, down a box
(back sooner) when they did not; a strong attempt from the last box retires it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coach.rubrics.models import CORE_CRITERIA
from coach.sessions.store import AnswerRecord, ReplayItem, Store

INTERVAL_DAYS = {1: 0, 2: 1, 3: 3, 4: 7, 5: 14}
LAST_BOX = max(INTERVAL_DAYS)


@dataclass(frozen=True)
class Assessment:
    """Whether one scored answer is weak, and why."""

    weak: bool
    reason: str
    core_mean: float


def assess(scorecard: dict[str, Any], weak_below: float | None = None) -> Assessment:
    """Compare the core criterion scores with the bar at the answer's level."""
    from coach.rubrics import load_rubrics

    rubrics = load_rubrics()
    core = [
        c
        for c in scorecard.get("criteria", [])
        if c["id"] in CORE_CRITERIA and _applies(rubrics.get(c["id"]), scorecard.get("round"))
    ]
    shortfalls = []
    for item in core:
        bar = weak_below if weak_below is not None else rubrics[item["id"]].bar[scorecard["level"]]
        if item["score"] < bar:
            shortfalls.append(f"{item['id']} {item['score']}/4 (bar {bar:g})")
    mean = sum(c["score"] for c in core) / len(core) if core else 0.0
    reason = "below the bar: " + ", ".join(shortfalls) if shortfalls else "meets the bar"
    return Assessment(weak=bool(shortfalls), reason=reason, core_mean=mean)


def _applies(criterion: Any, round_: str | None) -> bool:
    """The criterion's rubric lists the round (a story criterion does not judge a design)."""
    return criterion is not None and (round_ is None or round_ in criterion.rounds)


def due_label(due_at: str, now: datetime | None = None) -> str:
    """When a queued round is due, in the same words wherever it is shown.

    Hours under a day, whole days from there: a round due in 24 hours reads "due in
    1 day" when it is scheduled and still a moment later.
    """
    due = datetime.fromisoformat(due_at)
    hours = (due - (now or datetime.now(UTC))).total_seconds() / 3600
    if hours <= 0:
        return "due now"
    if hours < 23.5:
        whole = max(1, round(hours))
        return f"due in {whole} hour{'s' if whole > 1 else ''}"
    days = round(hours / 24)
    return f"due in {days} day{'s' if days > 1 else ''}"


def update_queue(
    store: Store,
    answer: AnswerRecord,
    scorecard: dict[str, Any],
    weak_below: float | None = None,
    now: datetime | None = None,
) -> str:
    """Move the answer's question between boxes; returns a one-line account of the move."""
    now = now or datetime.now(UTC)
    assessment = assess(scorecard, weak_below)
    queued = store.replay_item(answer.question_id)
    if queued is None:
        if not assessment.weak:
            return ""
        box = 1
    else:
        previous = store.answer(queued.last_answer_id)
        previous_mean = assess(previous.scorecard or {}, weak_below).core_mean if previous else 0.0
        improved = assessment.core_mean > previous_mean or not assessment.weak
        if not assessment.weak and queued.box >= LAST_BOX:
            store.drop_replay(answer.question_id)
            return f"{answer.question_id}: strong again from the last box, retired from replay"
        box = min(queued.box + 1, LAST_BOX) if improved else max(1, queued.box - 1)
    due = now + timedelta(days=INTERVAL_DAYS[box])
    reason = assessment.reason if assessment.weak else "improving: " + assessment.reason
    store.schedule_replay(
        ReplayItem(answer.question_id, box, due.isoformat(timespec="seconds"), answer.id, reason)
    )
    return f"{answer.question_id}: box {box}, {due_label(due.isoformat(), now)} ({reason})"


def due_items(store: Store, now: datetime | None = None) -> list[ReplayItem]:
    now = now or datetime.now(UTC)
    return [item for item in store.replay_queue() if datetime.fromisoformat(item.due_at) <= now]
