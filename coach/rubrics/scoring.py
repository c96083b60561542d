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

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from coach.config import Settings
from coach.errors import InputError, RubricError, ScorerError
from coach.questions import Question
from coach.rubrics.llm import LLMJudge
from coach.rubrics.models import CORE_CRITERIA, Delivery, Scorecard

ADHOC_ID = "adhoc"
DEFAULT_LEVEL = "L4"
DEFAULT_BUDGET_S = 120
NO_LLM_NOTICE = (
    "no LLM configured: scoring offline; set OPENAI_API_KEY or OPENAI_BASE_URL to use the LLM judge"
)


@dataclass(frozen=True)
class ScoreResult:
    """A scorecard and, when the scorer was not the one configured, what to tell the user."""

    scorecard: Scorecard
    notice: str | None = None


def score_answer(
    question: Question,
    transcript: str,
    settings: Settings,
    level: str | None = None,
    delivery: Delivery | None = None,
    offline: bool = False,
    judge: LLMJudge | None = None,
) -> ScoreResult:
    """Score one answer with the best scorer available; never silently."""
    from coach.rubrics.offline import is_no_answer, no_answer_scorecard, score_offline

    if is_no_answer(transcript):
        return ScoreResult(no_answer_scorecard(question, transcript, level, delivery))
    if offline:
        return ScoreResult(score_offline(question, transcript, level, delivery))
    if not settings.llm_configured:
        return ScoreResult(score_offline(question, transcript, level, delivery), NO_LLM_NOTICE)
    judge = judge or LLMJudge(settings)
    try:
        return ScoreResult(without_secrets(judge.score(question, transcript, level, delivery)))
    except ScorerError as error:
        reason = fallback_reason(error)
    card = score_offline(question, transcript, level, delivery)
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


def format_scorecard(card: Scorecard) -> str:
    """A scorecard as plain text for the terminal."""
    lines = [f"{card.question_id}  ({card.round}, {card.level})  scored by {card.scorer}"]
    if card.fallback_reason:
        lines.append(f"  fallback: {card.fallback_reason}")
    lines.append("")
    for item in card.criteria:
        lines.append(f"{item.id:<24} {item.score}/4")
        lines += [f'    "{quote}"' for quote in item.evidence]
        if item.feedback:
            lines.append(f"    {item.feedback}")
    lines += ["", f"overall     {card.overall:.2f}/4", f"summary     {card.summary}"]
    lines.append(f"next step   {card.next_step}")
    if card.follow_up:
        lines.append(f"follow-up   {card.follow_up}")
    if card.stronger_version:
        lines += ["", "a stronger version:", *_indent(card.stronger_version)]
    if card.delivery is not None and card.delivery.talk_time_s:
        lines += ["", f"delivery    {delivery_text(card.delivery)}"]
    return "\n".join(lines)


def delivery_text(d: Delivery) -> str:
    """Delivery figures, each against its reference band where known."""
    if d.bands:
        return "; ".join(d.bands.values())
    return (
        f"{d.wpm:.0f} wpm, {d.filler_count} fillers ({d.fillers_per_min:.1f}/min), "
        f"longest pause {d.longest_pause_s:.1f} s, talk time {d.talk_time_s:.0f} s"
    )


def _indent(text: str) -> list[str]:
    return [f"    {line}" for line in text.splitlines() if line.strip()]


# what `coach score` is given


def question_to_score(
    settings: Settings,
    question_id: str | None,
    text: str | None,
    round_: str | None,
    level: str | None,
) -> Question:
    """A question from the bank by id, or an ad-hoc one from its text and round."""
    from coach.questions import find_question, load_questions

    questions = load_questions(settings.home)
    if question_id:
        question = find_question(questions, question_id)
        if round_ and round_ != question.round:
            raise InputError(
                f"question {question_id!r} belongs to the {question.round} round, not {round_}",
                "drop --round, or give --question-text with --round",
            )
        return question
    if not round_:
        raise InputError("--question-text needs --round", "add --round R (see `coach --help`)")
    budgets = [q.time_budget_s for q in questions if q.round == round_]
    try:
        return Question(
            id=ADHOC_ID,
            round=round_,  # type: ignore[arg-type]
            level=level or DEFAULT_LEVEL,  # type: ignore[arg-type]
            text=text or "",
            criteria=criteria_for_round(round_),
            time_budget_s=int(statistics.median(budgets)) if budgets else DEFAULT_BUDGET_S,
            source="user",
        )
    except ValidationError as error:
        raise InputError(
            f"--question-text cannot be used ({error.errors()[0]['msg'].lower()})",
            "give the full question, at least 10 characters",
        ) from None


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


def read_answer(
    settings: Settings,
    text: str | None = None,
    text_file: str | None = None,
    audio: str | None = None,
    budget_s: float | None = None,
) -> tuple[str, Delivery | None]:
    """The answer's transcript, and its delivery when it was spoken (``-`` reads stdin)."""
    if text is not None:
        return text, None
    if text_file is not None:
        return _read_text_file(text_file), None
    if audio is None:
        raise InputError("no answer given", "pass --text, --text-file or --audio")
    from coach.audio.transcribe import transcribe_file

    heard, delivery = transcribe_file(settings, audio, budget_s)
    return ("" if heard.no_speech else heard.text), delivery


def _read_text_file(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {name}", "check the path given to --text-file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot read {name} as UTF-8 text ({error})", "give a plain text file"
        ) from None
