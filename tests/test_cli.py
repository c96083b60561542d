"""The command line: fast start, plain errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach import __version__, spin_count_for
from coach.cli import main

HEAVY = ("faster_whisper", "ctranslate2", "openai", "sounddevice", "pyttsx3", "av", "onnxruntime")


def run_coach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.mark.parametrize("args", [["--help"], ["questions", "--json"]])
def test_light_commands_import_nothing_heavy(args: list[str]) -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from coach.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_openmp_spins_briefly_only_when_every_core_is_busy() -> None:
    assert spin_count_for(load=2.3, cores=2) == "1000"
    assert spin_count_for(load=1.2, cores=2) is None  # a quiet machine keeps the default
    env = {**os.environ, "GOMP_SPINCOUNT": "300000"}  # a user's own choice is kept
    probe = "import coach, ctranslate2, os; print(os.environ['GOMP_SPINCOUNT'])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "300000"


def test_version_and_help_list_every_command() -> None:
    assert run_coach("--version").stdout.strip() == f"coach {__version__}"
    help_text = run_coach("--help").stdout
    for command in (
        "practice",
        "score",
        "transcribe",
        "questions",
        "review",
        "replay",
        "history",
        "say",
        "doctor",
    ):
        assert command in help_text


def test_errors_are_one_line_without_traceback(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text("colour = 'blue'\n")
    result = run_coach("questions")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("coach: error: unknown setting 'colour'")


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["questions", "--frobnicate"], "usage: coach questions"),
        (["stories", "add", "--zzz"], "usage: coach stories add"),
        (["--zzz"], "usage: coach [-h]"),
    ],
)
def test_an_unknown_option_is_told_with_its_command_s_usage(
    capsys: pytest.CaptureFixture[str], args: list[str], usage: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith(usage)
    assert f"error: unrecognized arguments: {args[-1]}" in err


def test_debug_shows_the_traceback(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    (coach_home / "config.toml").write_text("colour = 'blue'\n")
    result = run_coach("questions", env={"COACH_DEBUG": "1"})
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_questions_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["questions", "--round", "system_design", "--level", "L5", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and all(q["round"] == "system_design" and q["level"] == "L5" for q in listed)
    expected = {"id", "round", "level", "text", "criteria", "time_budget_s", "source"}
    assert all(expected <= set(q) for q in listed)


def test_coach_debug_shows_the_debug_log_on_stderr(tmp_path: Path) -> None:
    """With COACH_DEBUG=1 what coach logs for debugging reaches stderr (here: the relevance
    model's cache cannot be written); without it, nothing does."""
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("")
    answer = (
        "I'd start from the raw events: subscription renewals, cancellations and product "
        "usage land in the warehouse daily, and each weekly training set is a snapshot "
        "keyed by user and week, with the label being whether they cancelled in the next "
        "thirty days, versioned by date so any model can be traced to its data. A "
        "validation step checks row counts, null rates and the label rate against the last "
        "four weeks before the snapshot is published, and a late partition holds the build "
        "rather than silently shrinking the set. Features are computed as of the snapshot "
        "date only, so nothing from after the label window leaks into training."
    )
    args = ["score", "--question", "sd-training-data-pipeline-l4", "--offline", "--text", answer]
    env = {"XDG_CACHE_HOME": str(not_a_directory)}
    shown = run_coach(*args, env={**env, "COACH_DEBUG": "1"})
    assert shown.returncode == 0
    assert "coach: debug: coach.relevance: cannot keep the converted model" in shown.stderr
    quiet = run_coach(*args, env=env)
    assert quiet.returncode == 0 and "debug" not in quiet.stderr
