"""Choose the scorer for one answer and fall back honestly.

- No answer (empty, or a known hallucination on silence): zeros and "no answer
  detected", without any LLM request.
- ``offline=True``, or no API key and no base URL: the offline scorer; in the
  second case :data:`NO_LLM_NOTICE` is returned for the caller to show once.
- Otherwise the LLM judge. When it fails (error, timeout, invalid reply twice)
  the answer gets the offline scorecard with ``fallback_reason`` set, and a
  notice says so; the answer can be scored again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from coach.config import Settings
from coach.errors import RubricError, ScorerError
from coach.questions import Question, own_question_texts
from coach.rubrics.llm import LLMJudge
from coach.rubrics.models import CORE_CRITERIA, Delivery, Scorecard
from coach.rubrics.signals import extract_signals

NO_LLM_NOTICE = (
    "no LLM configured: scoring offline; set OPENAI_API_KEY or OPENAI_BASE_URL to use the LLM judge"
)


@dataclass(frozen=True)
class ScoreResult:
    """A scorecard and, when the scorer was not the one configured, what to tell the user."""

    scorecard: Scorecard
    notice: str | None = None


class Scorer(Protocol):
    """The score stage: a scorecard for one answer, and what to tell the user."""

    def score(
        self, question: Question, transcript: str, level: str | None, delivery: Delivery | None
    ) -> ScoreResult: ...


@dataclass(frozen=True)
class ConfiguredScorer:
    """The real scorer: the LLM judge when one is configured, else the offline scorer."""

    settings: Settings
    offline: bool = False
    """Score offline even when an LLM is configured."""

    @cached_property
    def own_questions(self) -> tuple[str, ...]:
        """The user's own questions, read once (a file edited during a session is read at
        the next one)."""
        return own_question_texts(self.settings.home)

    def score(
        self, question: Question, transcript: str, level: str | None, delivery: Delivery | None
    ) -> ScoreResult:
        return score_answer(
            question, transcript, self.settings, level, delivery, self.offline,
            others=self.own_questions,
        )


def score_answer(
    question: Question,
    transcript: str,
    settings: Settings,
    level: str | None = None,
    delivery: Delivery | None = None,
    offline: bool = False,
    judge: LLMJudge | None = None,
    others: tuple[str, ...] | None = None,
) -> ScoreResult:
    """Score one answer with the best scorer available; never silently. ``others`` are the
    user's own questions, which the answer may be answering instead (read from the user's
    directory when not given)."""
    from coach.rubrics.offline import is_no_answer, no_answer_scorecard, score_offline

    if is_no_answer(transcript):
        return ScoreResult(no_answer_scorecard(question, transcript, level, delivery))
    signals = extract_signals(transcript, question.text)  # once: the judge's hints, or offline
    if others is None:
        others = own_question_texts(settings.home)
    if offline:
        return ScoreResult(score_offline(question, transcript, level, delivery, signals, others))
    if not settings.llm_configured:
        card = score_offline(question, transcript, level, delivery, signals, others)
        return ScoreResult(card, NO_LLM_NOTICE)
    judge = judge or LLMJudge(settings)
    try:
        card = judge.score(question, transcript, level, delivery, signals, others)
        return ScoreResult(without_secrets(card))
    except ScorerError as error:
        reason = fallback_reason(error)
    card = score_offline(question, transcript, level, delivery, signals, others)
    card = without_secrets(card.model_copy(update={"fallback_reason": reason}))
    return ScoreResult(card, f"{reason}; scored offline instead (score it again later)")


def without_secrets(card: Scorecard) -> Scorecard:
    """``card`` with any credential in its text redacted (it is printed and stored)."""
    from coach.privacy import known_secrets, redact

    text = card.model_dump_json()
    cleaned = redact(text, known_secrets())
    return card if cleaned == text else Scorecard.model_validate_json(cleaned)


def fallback_reason(error: ScorerError) -> str:
    """One line saying why the judge was not used."""
    return " ".join(f"LLM judge failed: {error.problem}".split())


def criteria_for_round(round_: str) -> tuple[str, ...]:
    """Every rubric criterion that applies to ``round_``, the core ones first."""
    from coach.rubrics import load_rubrics

    ids = [cid for cid, criterion in load_rubrics().items() if round_ in criterion.rounds]
    if not ids:
        raise RubricError(
            f"no rubric criterion applies to the {round_} round",
            "add one to coach/rubrics/criteria",
        )
    order = {cid: index for index, cid in enumerate(CORE_CRITERIA)}
    return tuple(sorted(ids, key=lambda cid: (order.get(cid, len(order)), cid)))
