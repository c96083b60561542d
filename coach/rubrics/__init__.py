"""Rubric criteria as data: one TOML file per criterion in ``coach/rubrics/criteria``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import ValidationError

from coach.errors import RubricError
from coach.rubrics.models import Criterion


@cache
def load_rubrics() -> dict[str, Criterion]:
    """Every criterion shipped with coach, by id, validated."""
    folder = resources.files("coach.rubrics.criteria")
    rubrics: dict[str, Criterion] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        origin = f"coach/rubrics/criteria/{entry.name}"
        try:
            criterion = Criterion.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, ValidationError) as error:
            raise RubricError(f"{origin} is malformed: {error}", "fix that rubric file") from error
        if entry.name != f"{criterion.id}.toml":
            raise RubricError(f"{origin} holds {criterion.id!r}", "name the file after its id")
        rubrics[criterion.id] = criterion
    return rubrics
