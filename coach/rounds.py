"""Interview rounds and levels. Kept free of heavy imports: the CLI parser uses them."""

from __future__ import annotations

from typing import Literal, get_args

Round = Literal[
    "recruiter_screen",
    "technical",
    "ml_fundamentals",
    "system_design",
    "project_deep_dive",
    "behavioral",
    "cross_functional",
    "hiring_manager",
]
ROUNDS: tuple[str, ...] = get_args(Round)
STORY_ROUNDS = frozenset({"behavioral", "project_deep_dive", "cross_functional", "hiring_manager"})
"""Rounds whose answers are stories, scored on STAR structure."""
Level = Literal["L4", "L5"]
LEVELS: tuple[str, ...] = get_args(Level)
