"""The question bank: built-in questions from the guides, plus the user's own.

The built-in bank is ``coach/questions.toml``; users add questions in
``COACH_HOME/questions.toml`` with the same layout (one ``[[question]]`` table
each). Both are validated at load; a malformed entry is reported with its file
and line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.errors import QuestionBankError
from coach.rounds import Level, Round

USER_QUESTIONS_FILE = "questions.toml"
SOURCE_GUIDES = frozenset(
    {
        "000_0af5b6323907156b.txt",
        "001_111dc02f3204cc84.txt",
        "002_940fd98fbeaeaad5.txt",
        "003_65b938a1aa95bfc7.txt",
        "004_98758ae6c338c7e4.txt",
    }
)


MIN_QUESTION_CHARS = 10
"""As short as a question (or a follow-up probe) may be."""


class Question(BaseModel):
    """One interview question as the coach asks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    round: Round
    level: Level
    text: str = Field(min_length=MIN_QUESTION_CHARS)
    criteria: tuple[str, ...] = Field(min_length=1)
    time_budget_s: int = Field(ge=30, le=3600)
    source: str = Field(min_length=1)
    """The guide the question comes from (file name), or ``user`` for a user's own."""
    follow_ups: tuple[str, ...] = Field(default=(), max_length=2)

    @field_validator("text")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return " ".join(text.split())

    @field_validator("criteria")
    @classmethod
    def _unique(cls, criteria: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(criteria)) != len(criteria):
            raise ValueError("criteria are listed twice")
        return criteria

    def as_json(self) -> dict[str, object]:
        """The keys of ``coach questions --json``."""
        return {
            "id": self.id,
            "round": self.round,
            "level": self.level,
            "text": self.text,
            "criteria": list(self.criteria),
            "time_budget_s": self.time_budget_s,
            "source": self.source,
            "follow_ups": list(self.follow_ups),
        }


def builtin_questions() -> list[Question]:
    text = resources.files("coach").joinpath("questions.toml").read_text(encoding="utf-8")
    return parse_questions(text, "coach/questions.toml")


def load_questions(home: Path | None = None) -> list[Question]:
    """The built-in bank followed by the user's questions in ``home``, if any."""
    questions = builtin_questions() + own_questions(home)
    _check_ids_unique(questions)
    _check_criteria_known(questions)
    return questions


def own_questions(home: Path | None) -> list[Question]:
    """The user's own questions in ``home`` (typed, or made from a job description)."""
    user_file = home / USER_QUESTIONS_FILE if home is not None else None
    if user_file is None or not user_file.exists():
        return []
    return parse_questions(read_question_file(user_file), str(user_file))


def own_question_texts(home: Path | None) -> tuple[str, ...]:
    """The texts of the user's own questions: answers are compared with them too
    (:mod:`coach.rubrics.relevance`)."""
    return tuple(q.text for q in own_questions(home))


def read_question_file(path: Path) -> str:
    """The text of a user question file; QuestionBankError naming the file when unreadable."""
    fix = f"make {path} a UTF-8 TOML file of [[question]] tables, or move it aside"
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise QuestionBankError(f"{path} is a folder, not a file", fix) from None
    except UnicodeDecodeError as error:
        raise QuestionBankError(f"{path} is not UTF-8 text (byte {error.start})", fix) from None
    except OSError as error:
        raise QuestionBankError(f"cannot read {path}: {error.strerror}", fix) from None


def parse_questions(text: str, origin: str) -> list[Question]:
    """Parse and validate a TOML file of ``[[question]]`` tables."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise QuestionBankError(
            f"{origin} is not valid TOML: {error}", "fix the syntax at that line"
        ) from error
    extra_keys = set(document) - {"question"}
    if extra_keys or not isinstance(document.get("question", []), list):
        raise QuestionBankError(
            f"{origin}: unexpected top-level key(s) {sorted(extra_keys)}",
            "put each question in a [[question]] table",
        )
    lines = text.splitlines()
    header_lines = _table_lines(lines)
    questions = []
    for index, entry in enumerate(document.get("question", [])):
        try:
            questions.append(Question.model_validate(entry))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "entry"
            key = str(first["loc"][0]) if first["loc"] else ""
            line = _key_line(lines, header_lines, index, key)
            raise QuestionBankError(
                f"{origin} line {line} (question {index + 1}): {where}: {first['msg']}",
                "correct that entry (see `coach questions --json` for valid ones)",
            ) from error
    return questions


def _table_lines(lines: list[str]) -> list[int]:
    """1-based line numbers of each ``[[question]]`` header, in order."""
    pattern = re.compile(r"^\s*\[\[\s*question\s*\]\]")
    return [n for n, line in enumerate(lines, start=1) if pattern.match(line)]


def _key_line(lines: list[str], headers: list[int], index: int, key: str) -> int | str:
    """The line of ``key`` inside the index-th table, else the table's header line."""
    if index >= len(headers):
        return "?"
    end = headers[index + 1] - 1 if index + 1 < len(headers) else len(lines)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
    for number in range(headers[index], end + 1):
        if pattern and pattern.match(lines[number - 1]):
            return number
    return headers[index]


def _check_ids_unique(questions: Iterable[Question]) -> None:
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise QuestionBankError(
                f"question id {question.id!r} is defined twice",
                f"give your question in {USER_QUESTIONS_FILE} a different id",
            )
        seen.add(question.id)


def _check_criteria_known(questions: Iterable[Question]) -> None:
    from coach.rubrics import load_rubrics

    rubrics = load_rubrics()
    for question in questions:
        for criterion in question.criteria:
            rubric = rubrics.get(criterion)
            if rubric is None:
                raise QuestionBankError(
                    f"question {question.id!r} names unknown criterion {criterion!r}",
                    f"use one of: {', '.join(sorted(rubrics))}",
                )
            if question.round not in rubric.rounds:
                raise QuestionBankError(
                    f"question {question.id!r}: criterion {criterion!r} "
                    f"does not apply to the {question.round} round",
                    f"use a criterion for that round, or one of: {', '.join(rubric.rounds)}",
                )


def select_questions(
    questions: Iterable[Question],
    round: str | None = None,
    level: str | None = None,
) -> list[Question]:
    """Questions of the given round and level (None means any)."""
    return [
        q
        for q in questions
        if (round is None or q.round == round) and (level is None or q.level == level)
    ]


def find_question(questions: Iterable[Question], question_id: str) -> Question:
    from coach.errors import InputError

    for question in questions:
        if question.id == question_id:
            return question
    raise InputError(f"no question with id {question_id!r}", "list the ids with `coach questions`")
