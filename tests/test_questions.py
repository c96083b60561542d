"""The question bank: the built-in questions and the user's own, validated at load."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from coach.errors import QuestionBankError
from coach.questions import (
    SOURCE_GUIDES,
    builtin_questions,
    load_questions,
    select_questions,
)
from coach.rounds import LEVELS, ROUNDS, STORY_ROUNDS
from coach.rubrics import load_rubrics
from coach.rubrics.models import CORE_CRITERIA, Criterion

GOOD_ENTRY = """
[[question]]
id = "my-own-l4"
round = "technical"
level = "L4"
text = "Walk me through how you would debug a model whose loss suddenly diverges."
criteria = ["numbers_sized", "narrates_gotchas"]
time_budget_s = 180
source = "user"
"""


def test_the_bank_covers_every_round_at_both_levels() -> None:
    questions = builtin_questions()
    assert len(questions) >= 60
    per_pair = Counter((q.round, q.level) for q in questions)
    assert all(per_pair[(r, level)] >= 4 for r in ROUNDS for level in LEVELS)
    assert len({q.id for q in questions}) == len(questions)
    assert all(q.source in SOURCE_GUIDES for q in questions)


def test_every_criterion_exists_and_applies_to_its_round() -> None:
    rubrics = load_rubrics()
    assert set(CORE_CRITERIA) <= set(rubrics)
    for question in load_questions():
        for criterion in question.criteria:
            assert question.round in rubrics[criterion].rounds, (question.id, criterion)
        if question.round not in STORY_ROUNDS:
            assert "star_structure" not in question.criteria


def test_core_criteria_are_listed_once() -> None:
    """CORE_CRITERIA alone decides which criteria are core; a file cannot say otherwise."""
    shipped = load_rubrics()
    assert {cid for cid, criterion in shipped.items() if criterion.core} == set(CORE_CRITERIA)
    with pytest.raises(ValidationError, match="core"):
        Criterion.model_validate(shipped["partner_named"].model_dump() | {"core": True})


def test_user_questions_are_added(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "questions.toml").write_text(GOOD_ENTRY)
    questions = load_questions(coach_home)
    assert questions[-1].id == "my-own-l4"
    assert select_questions(questions, round="technical", level="L4")[-1].source == "user"


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('level = "L4"', r"line 14 \(question 2\): level"),
        ('criteria = ["numbers_sized", "narrates_gotchas"]', r"line 16 \(question 2\): criteria"),
        ("time_budget_s = 180", r"line 17 \(question 2\): time_budget_s"),
    ],
)
def test_a_malformed_user_entry_is_rejected_with_its_line(
    coach_home: Path, broken: str, message: str
) -> None:
    second = GOOD_ENTRY.replace("my-own-l4", "my-other-l4")
    replacement = {
        'level = "L4"': 'level = "L9"',
        'criteria = ["numbers_sized", "narrates_gotchas"]': "criteria = []",
        "time_budget_s = 180": 'time_budget_s = "three minutes"',
    }[broken]
    coach_home.mkdir(parents=True)
    (coach_home / "questions.toml").write_text(GOOD_ENTRY + second.replace(broken, replacement))
    with pytest.raises(QuestionBankError, match=message) as caught:
        load_questions(coach_home)
    assert str(coach_home / "questions.toml") in str(caught.value)


def test_user_syntax_errors_name_the_line(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "questions.toml").write_text(GOOD_ENTRY + "\n[[question]\nid = 1\n")
    with pytest.raises(QuestionBankError, match="line 11"):
        load_questions(coach_home)


def test_unknown_criteria_and_duplicate_ids_are_rejected(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    path = coach_home / "questions.toml"
    path.write_text(GOOD_ENTRY.replace('"narrates_gotchas"', '"charisma"'))
    with pytest.raises(QuestionBankError, match="unknown criterion 'charisma'"):
        load_questions(coach_home)
    path.write_text(GOOD_ENTRY.replace("my-own-l4", builtin_questions()[0].id))
    with pytest.raises(QuestionBankError, match="defined twice"):
        load_questions(coach_home)
