"""Pydantic models for rubric criteria and the scorecard (its JSON keys are a contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.audio.words import Delivery  # re-exported: the scorecard holds the figures
from coach.rounds import Level, Round

Score = Literal[0, 1, 2, 3, 4]
CORE_CRITERIA: tuple[str, ...] = (
    "numbers_sized",
    "tradeoffs_named",
    "post_launch_failures",
    "star_structure",
)
"""The criteria a weak round is judged on, in the order they are ranked and shown.

This tuple is the one source: a criterion file's ``core`` flag must agree with it.
"""


class Anchor(BaseModel):
    """A short example answer excerpt and the score it earns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: Score
    example: str = Field(min_length=5)
    why: str = Field(min_length=5)


class Criterion(BaseModel):
    """One rubric criterion: what it asks, what each score means, where it applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str
    asks: str
    """The question the criterion answers about a transcript."""
    rounds: tuple[Round, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    """Guides (file names in the seeds) the criterion is drawn from."""
    levels: tuple[str, str, str, str, str]
    """What an answer scoring 0, 1, 2, 3 and 4 does."""
    bar: dict[Level, Score]
    """The lowest score that meets the bar at each level."""
    anchors: tuple[Anchor, ...] = Field(min_length=2)

    @field_validator("bar")
    @classmethod
    def _both_levels(cls, bar: dict[str, int]) -> dict[str, int]:
        if set(bar) != {"L4", "L5"}:
            raise ValueError("bar needs a score for L4 and for L5")
        return bar

    @property
    def core(self) -> bool:
        """A core criterion: one a weak round is judged on (``CORE_CRITERIA`` decides)."""
        return self.id in CORE_CRITERIA


class CriterionScore(BaseModel):
    id: str
    score: Score
    evidence: list[str] = Field(default_factory=list)
    """Verbatim spans of the transcript that support the score."""
    feedback: str = ""


class Scorecard(BaseModel):
    """The result of scoring one answer; the JSON keys are read by outside checks."""

    question_id: str
    round: Round
    level: Level
    scorer: str
    """``offline`` or ``llm:<model>``: which scorer produced these scores."""
    criteria: list[CriterionScore]
    overall: float
    summary: str
    next_step: str
    follow_up: str | None = None
    transcript: str
    delivery: Delivery | None = None
    stronger_version: str | None = None
    """An outline of the user's own answer, with placeholders where facts are missing."""
    fallback_reason: str | None = None
    """Why the LLM judge was not used for this answer, when it was configured."""

    def score_of(self, criterion_id: str) -> int | None:
        for item in self.criteria:
            if item.id == criterion_id:
                return item.score
        return None
