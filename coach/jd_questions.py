"""Questions written for one job description by the configured LLM (``coach plan``).

One request through the same ``openai`` client as the judge, asking for JSON
(``response_format`` json_object, or the shape in the prompt alone when the endpoint
refuses that), validated with pydantic and asked again once with the validation
error. Accepted questions are appended to ``COACH_HOME/questions.toml``, each under a
comment saying it was generated, and checked by loading the whole file back. Any
failure leaves the plan with the bank questions and says so.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from importlib import resources
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.config import Settings
from coach.errors import CoachError
from coach.questions import USER_QUESTIONS_FILE, Question, load_questions
from coach.rounds import ROUNDS, Round

GENERATED_COUNT = 3
DEFAULT_BUDGET_S = 120


class GeneratedQuestion(BaseModel):
    round: Round
    text: str = Field(min_length=20, max_length=600)

    @field_validator("text")
    @classmethod
    def _one_line(cls, text: str) -> str:
        return " ".join(text.split())


class GeneratedReply(BaseModel):
    questions: list[GeneratedQuestion] = Field(min_length=1, max_length=GENERATED_COUNT)


class GenerationFailed(Exception):
    """The LLM did not give usable questions; the message says why."""


def generate_questions(
    settings: Settings, jd_text: str, plan: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """Generated questions stored in the user's file, and a notice when there are none."""
    try:
        reply = ask_llm(settings, build_messages(jd_text, plan))
        questions = store_questions(settings, reply, plan)
    except GenerationFailed as error:
        return [], (
            f"could not have questions written for this posting ({error}); "
            "the plan uses the question bank only"
        )
    where = settings.home / USER_QUESTIONS_FILE
    return questions, f"{len(questions)} generated question(s) added to {where}"


def build_messages(jd_text: str, plan: dict[str, Any]) -> list[dict[str, str]]:
    from coach.rubrics.llm import LEVEL_MEANING, fill

    fence = "JOB-DESCRIPTION-" + hashlib.sha256(jd_text.encode("utf-8")).hexdigest()[:16]
    template = resources.files("coach.prompts").joinpath("jd_questions.md").read_text("utf-8")
    rounds = [r["round"] for r in plan["rounds"]]
    system = fill(
        template,
        {
            "fence": fence,
            "level": plan["level"],
            "level_meaning": LEVEL_MEANING[plan["level"]],
            "company_kind": plan["company_kind_name"],
            "rounds": ", ".join(rounds),
            "topics": ", ".join(plan["topics"]) or "none recognised",
            "count": str(GENERATED_COUNT),
            "round_ids": ", ".join(dict.fromkeys(rounds)),
        },
    )
    user = f"{fence}\n{jd_text.strip()}\n{fence}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def ask_llm(settings: Settings, messages: list[dict[str, str]]) -> GeneratedReply:
    """One call (two when the reply is invalid); GenerationFailed on any failure."""
    from coach.rubrics.llm import json_text, validation_summary

    deadline = time.monotonic() + settings.llm_timeout  # both calls share the time limit
    content = complete(settings, messages, deadline)
    try:
        return GeneratedReply.model_validate_json(json_text(content))
    except ValidationError as error:
        problems = validation_summary(error)
    retry = [
        *messages,
        {"role": "assistant", "content": content},
        {"role": "user", "content": f"That reply was not valid ({problems}). Reply again."},
    ]
    try:
        return GeneratedReply.model_validate_json(json_text(complete(settings, retry, deadline)))
    except ValidationError as error:
        raise GenerationFailed(f"invalid reply twice: {validation_summary(error)}") from None


def complete(settings: Settings, messages: list[dict[str, str]], deadline: float) -> str:
    """One reply (json_object asked for, then the prompt alone), before ``deadline``."""
    from coach.rubrics.llm import make_client

    with make_client(settings, settings.llm_timeout) as client:  # closes its connections
        return _complete(client, settings, messages, deadline)


def _complete(
    client: Any, settings: Settings, messages: list[dict[str, str]], deadline: float
) -> str:
    import openai

    formats: list[dict[str, Any] | None] = [{"type": "json_object"}, None]
    for response_format in formats:
        extra: dict[str, Any] = {"response_format": response_format} if response_format else {}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GenerationFailed(f"no reply within {settings.llm_timeout:g} s")
        try:
            completion = client.chat.completions.create(
                model=settings.llm_model,
                messages=messages,
                temperature=0,
                timeout=remaining,
                **extra,
            )
        except openai.APIStatusError as error:
            if error.status_code in (400, 422) and response_format:
                continue  # the endpoint refuses json_object: the prompt gives the shape
            raise GenerationFailed(f"the endpoint answered HTTP {error.status_code}") from None
        except openai.APITimeoutError:
            raise GenerationFailed(f"no reply within {settings.llm_timeout:g} s") from None
        except openai.APIError as error:
            raise GenerationFailed(f"the endpoint failed ({type(error).__name__})") from None
        choice = completion.choices[0] if completion.choices else None
        return (choice.message.content or "") if choice else ""
    raise GenerationFailed("the endpoint refused the request")


def store_questions(
    settings: Settings, reply: GeneratedReply, plan: dict[str, Any]
) -> list[dict[str, Any]]:
    """Append the questions to the user's file; checked by loading the bank back."""
    from coach.rubrics.scoring import criteria_for_round

    bank = load_questions(settings.home)
    taken = {q.id for q in bank}
    budgets = {r: [q.time_budget_s for q in bank if q.round == r] for r in ROUNDS}
    made: list[Question] = []
    for item in reply.questions:
        question_id = unused_id(f"gen-{plan['name'][:40]}", plan["level"], taken)
        taken.add(question_id)
        made.append(
            Question(
                id=question_id,
                round=item.round,
                level=plan["level"],
                text=item.text,
                criteria=criteria_for_round(item.round),
                time_budget_s=int(statistics.median(budgets[item.round] or [DEFAULT_BUDGET_S])),
                source="user",
            )
        )
    path = settings.home / USER_QUESTIONS_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((before or "") + toml_entries(made, plan["name"], settings), encoding="utf-8")
    try:
        load_questions(settings.home)
    except CoachError as error:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        raise GenerationFailed(f"the questions did not load back: {error}") from None
    return [
        {"id": q.id, "round": q.round, "level": q.level, "text": q.text, "generated": True}
        for q in made
    ]


def unused_id(stem: str, level: str, taken: set[str]) -> str:
    stem = stem.rstrip("-")
    number = 1
    while f"{stem}-{number}-{level.lower()}" in taken:
        number += 1
    return f"{stem}-{number}-{level.lower()}"


def toml_entries(questions: list[Question], plan_name: str, settings: Settings) -> str:
    """TOML tables for the questions (JSON strings are valid TOML basic strings)."""
    lines = []
    for q in questions:
        lines += [
            "",
            f"# generated by `coach plan` for the job description {plan_name!r} "
            f"(llm:{settings.llm_model})",
            "[[question]]",
            f"id = {json.dumps(q.id)}",
            f"round = {json.dumps(q.round)}",
            f"level = {json.dumps(q.level)}",
            f"text = {json.dumps(q.text, ensure_ascii=False)}",
            f"criteria = {json.dumps(list(q.criteria))}",
            f"time_budget_s = {q.time_budget_s}",
            'source = "user"',
        ]
    return "\n".join(lines) + "\n"
