"""The held-out spoken set's split rule (benchmarks/speech_set.py): fixed, by answer, by round."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def speech_set() -> ModuleType:
    path = ROOT / "benchmarks" / "speech_set.py"
    spec = importlib.util.spec_from_file_location("speech_set", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_each_round_gives_half_its_answers_and_one_filler_answer_to_each_part(
    speech_set: ModuleType,
) -> None:
    answers = speech_set.load_answers()
    parts = speech_set.split_answers(answers)
    per_part = Counter((a["round"], parts[a["id"]]) for a in answers)
    fillers = Counter((a["round"], parts[a["id"]]) for a in answers if a["fillers"])
    for round_ in {a["round"] for a in answers}:
        assert per_part[(round_, "dev")] == per_part[(round_, "test")] == 4
        assert fillers[(round_, "dev")] == fillers[(round_, "test")] == 1


def test_the_split_does_not_depend_on_the_order_of_the_answers(speech_set: ModuleType) -> None:
    answers = speech_set.load_answers()
    assert speech_set.split_answers(answers[::-1]) == speech_set.split_answers(answers)


def test_every_clip_of_an_answer_is_in_one_part_and_each_condition_has_20_per_part(
    speech_set: ModuleType,
) -> None:
    clips = speech_set.plan()
    parts_of: dict[str, str] = {}
    for clip in clips:
        assert parts_of.setdefault(clip.answer_id, clip.split) == clip.split
    counts = Counter((c.split, c.condition) for c in clips)
    assert min(counts[(s, c)] for s in ("dev", "test") for c in speech_set.CONDITIONS) >= 20
    librivox = {c.split for c in clips if c.voice == "librivox" and c.condition != "clean"}
    assert librivox == {"dev", "test"}
