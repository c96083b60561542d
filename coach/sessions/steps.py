"""The steps of an answer that practice and rescore share: store the transcript, then
score it and store the scorecard (each step committed on its own)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NamedTuple

from coach.config import Settings
from coach.questions import Question
from coach.sessions.store import Store

if TYPE_CHECKING:
    from coach.audio.transcribe import Transcript
    from coach.audio.words import Delivery


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
    settings: Settings,
    answer_id: int,
    question: Question,
    transcript: str,
    level: str,
    delivery: Delivery | None,
    offline: bool,
) -> Scored:
    """Score one answer with the configured scorer and store its scorecard and timing."""
    from coach.rubrics.scoring import score_answer

    started = time.monotonic()
    result = score_answer(
        question, transcript, settings, level=level, delivery=delivery, offline=offline
    )
    card = result.scorecard.model_dump(mode="json")
    store.set_scorecard(answer_id, card, {"score_s": round(time.monotonic() - started, 3)})
    return Scored(card, result.notice)
