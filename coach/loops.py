"""Interview loops and topic families as data (``coach/loops.toml``, ``coach/jd_topics.toml``)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import RubricError
from coach.rounds import Level, Round

CompanyKind = Literal["product_ml", "ai_lab", "startup"]
COMPANY_KINDS: tuple[str, ...] = get_args(CompanyKind)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kind(Frozen):
    name: str
    words: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)


class LoopRound(Frozen):
    round: Round
    minutes: int = Field(ge=0, le=180)
    """The round's length where a guide gives it; 0 when it does not."""
    focus: str


class Loop(Frozen):
    kind: CompanyKind
    level: Level
    source: str
    rounds: tuple[LoopRound, ...] = Field(min_length=1)


class LoopData(Frozen):
    kind: dict[CompanyKind, Kind]
    loop: tuple[Loop, ...]


class Topic(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    words: tuple[str, ...] = Field(min_length=1)
    questions: tuple[str, ...] = Field(min_length=1)


class MLWords(Frozen):
    core: tuple[str, ...]
    more: tuple[str, ...]
    min_distinct: int


class TopicData(Frozen):
    ml: MLWords
    topic: tuple[Topic, ...]


def _load(name: str, model: type[Frozen]) -> Frozen:
    origin = f"coach/{name}"
    try:
        text = resources.files("coach").joinpath(name).read_text(encoding="utf-8")
        return model.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise RubricError(f"{origin} is malformed: {error}", "fix that file") from error


@cache
def load_loops() -> LoopData:
    data = _load("loops.toml", LoopData)
    assert isinstance(data, LoopData)
    return data


@cache
def load_topics() -> TopicData:
    data = _load("jd_topics.toml", TopicData)
    assert isinstance(data, TopicData)
    return data


def loop_for(kind: str, level: str) -> Loop:
    for loop in load_loops().loop:
        if loop.kind == kind and loop.level == level:
            return loop
    raise RubricError(f"coach/loops.toml has no {kind} loop at {level}", "add one")


def phrases_in(text: str, phrases: tuple[str, ...], prefix: bool = False) -> list[str]:
    """The phrases found in ``text`` on word boundaries (``prefix``: at a word's start only)."""
    lowered = " ".join(text.lower().split())
    end = "" if prefix else r"(?![a-z])"
    return [p for p in phrases if re.search(rf"(?<![a-z]){re.escape(p)}{end}", lowered)]
