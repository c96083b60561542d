"""The steps of an answer that practice and rescore share: store the transcript, then
score it and store the scorecard (each step committed on its own)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NamedTuple

from coach.questions import Question
from coach.sessions.store import Store

if TYPE_CHECKING:
    from coach.audio.transcribe import Transcript
    from coach.audio.words import Delivery
    from coach.rubrics.scoring import Scorer


class Scored(NamedTuple):
    """The scorecard as stored, and what to tell the user about the scorer, if anything."""

    card: dict[str, Any]
    notice: str | None


def store_transcript(
    store: Store,
    answer_id: int,
    transcript: Transcript,
    delivery: Delivery | None,
    timings: dict[str, float] | None = None,
) -> None:
    store.set_transcript(
        answer_id,
        transcript.text,
        transcript.raw_text,
        [vars(word) for word in transcript.words],
        delivery.model_dump() if delivery else None,
        timings,
    )


def score_and_store(
    store: Store,
    scorer: Scorer,
    answer_id: int,
    question: Question,
    transcript: str,
    level: str,
    delivery: Delivery | None,
) -> Scored:
    """Score one answer and store its scorecard and how long scoring took."""
    started = time.monotonic()
    result = scorer.score(question, transcript, level, delivery)
    card = result.scorecard.model_dump(mode="json")
    store.set_scorecard(answer_id, card, {"score_s": round(time.monotonic() - started, 3)})
    return Scored(card, result.notice)
