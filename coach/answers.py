"""What `coach score` is given: the question to score against and the answer's text.

The answer comes as text, a text file (``-`` for stdin) or a recording, which is
transcribed here; the question comes from the bank by id, or is made up from its
text and round.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from pydantic import ValidationError

from coach.audio.words import Delivery
from coach.config import Settings
from coach.errors import InputError
from coach.questions import MIN_QUESTION_CHARS, Question, find_question, load_questions
from coach.rounds import ROUNDS
from coach.rubrics.scoring import criteria_for_round

ADHOC_ID = "adhoc"
DEFAULT_LEVEL = "L4"
DEFAULT_BUDGET_S = 120


def question_to_score(
    settings: Settings,
    question_id: str | None,
    text: str | None,
    round_: str | None,
    level: str | None,
    follow_up: str | None = None,
) -> Question:
    """A question from the bank by id, or an ad-hoc one from its text and round; with
    ``follow_up``, that probe asked after it, scored on what the probe asks for."""
    question = _asked_question(settings, question_id, text, round_, level)
    if follow_up is None:
        return question
    if len(follow_up.strip()) < MIN_QUESTION_CHARS:
        raise InputError(
            "--follow-up is too short to be a question", "give the probe as it was asked"
        )
    from coach.rubrics.probes import follow_up_question

    return follow_up_question(question, follow_up.strip())


def _asked_question(
    settings: Settings,
    question_id: str | None,
    text: str | None,
    round_: str | None,
    level: str | None,
) -> Question:
    """A question from the bank by id, or an ad-hoc one from its text and round."""
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
        raise InputError(
            "--question-text needs --round", f"add --round, one of {', '.join(ROUNDS)}"
        )
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
            f"give the full question, at least {MIN_QUESTION_CHARS} characters",
        ) from None


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
    except IsADirectoryError:
        raise InputError(f"{name} is a folder", "give the path of a text file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot read {name} as UTF-8 text ({error})", "give a plain text file"
        ) from None
