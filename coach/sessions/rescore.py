"""Score stored answers again with the current scorer (after configuring an LLM, or
for answers that fell back offline); answers recorded but never transcribed are
transcribed first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from coach.audio.words import Delivery
from coach.config import Settings
from coach.questions import Question, load_questions
from coach.rubrics.probes import FOLLOW_UP_SUFFIX, follow_up_question
from coach.rubrics.scoring import ConfiguredScorer
from coach.sessions.review import resolve_session
from coach.sessions.steps import score_and_store, store_transcript
from coach.sessions.store import AnswerRecord, Store, open_store


def rescore(settings: Settings, reference: str = "last", offline: bool = False) -> Iterator[str]:
    """Rescore the answers of one session (or ``all``); yields a line per answer."""
    bank = {q.id: q for q in load_questions(settings.home)}
    scorer = ConfiguredScorer(settings, offline)
    with open_store(settings.home) as store:
        session = None if reference == "all" else resolve_session(store, reference).id
        for answer in store.answers(session):
            question = question_for(answer, bank)
            if question is None:
                yield f"answer {answer.id}: question {answer.question_id} is gone; skipped"
                continue
            transcript = answer.transcript
            if transcript is None:
                transcript = transcribe_stored(settings, store, answer, question)
                if transcript is None:
                    yield f"answer {answer.id}: no transcript and no recording; skipped"
                    continue
            delivery = Delivery.model_validate(answer.delivery) if answer.delivery else None
            card, notice = score_and_store(
                store, scorer, answer.id, question, transcript, answer.level, delivery
            )
            note = f" ({notice})" if notice else ""
            score = f"{card['overall']:.1f}/4 by {card['scorer']}"
            yield f"answer {answer.id} [{answer.question_id}]: {score}{note}"


def question_for(answer: AnswerRecord, bank: dict[str, Question]) -> Question | None:
    """The bank question, or for a follow-up its parent question with the probe's text."""
    if answer.question_id in bank:
        return bank[answer.question_id]
    parent = bank.get(answer.question_id.removesuffix(FOLLOW_UP_SUFFIX))
    if parent is None:
        return None
    return follow_up_question(parent, answer.question_text)


def transcribe_stored(
    settings: Settings, store: Store, answer: AnswerRecord, question: Question
) -> str | None:
    """Transcribe a recording whose transcript was never stored (e.g. an interrupted answer)."""
    if not answer.audio_path or not Path(answer.audio_path).is_file():
        return None
    from coach.audio.transcribe import transcribe_file
    from coach.errors import AudioFileError

    try:
        transcript, delivery = transcribe_file(settings, answer.audio_path, question.time_budget_s)
    except AudioFileError:  # claimed but never written (the microphone failed to open)
        return None
    store_transcript(store, answer.id, transcript, delivery)
    return transcript.text
