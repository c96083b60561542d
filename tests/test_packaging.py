"""A non-editable install ships the question bank, the rubrics and the prompts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging


def test_the_wheel_carries_every_data_file(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("coach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "coach/questions.toml" in names
    assert {"coach/loops.toml", "coach/jd_topics.toml"} <= names
    assert {"coach/rubrics/story_signals.toml", "coach/rubrics/failure_modes.toml"} <= names
    assert {"coach/rubrics/scorer_model.json", "coach/rubrics/question_vectors.npz"} <= names
    rubric_files = {p.name for p in (ROOT / "coach/rubrics/criteria").glob("*.toml")}
    assert rubric_files and {f"coach/rubrics/criteria/{n}" for n in rubric_files} <= names
    prompt_files = {p.name for p in (ROOT / "prompts").iterdir() if p.suffix in {".md", ".txt"}}
    assert {f"coach/prompts/{n}" for n in prompt_files} <= names
    page_assets = {p.name for p in (ROOT / "coach/sessions/assets").iterdir()}
    assert {"page.css", "review.js"} <= page_assets
    assert {f"coach/sessions/assets/{n}" for n in page_assets} <= names
