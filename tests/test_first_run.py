"""What a first-time user meets: no microphone, typed answers at a terminal, tidy listings."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from review_session import run, system_design_question
from speech import espeak_wav

from coach.audio.devices import SPEAKER_FIX, list_devices
from coach.sessions.store import open_store

ANSWER = "We sized it at 2,000 requests per second and chose a smaller model to fit 30 ms."
NO_MICROPHONE = {"COACH_INPUT_DEVICE": "no-such-microphone-here"}
"""A microphone name that matches nothing, so every machine takes the no-microphone path."""


class Terminal:
    """`coach` run in a pseudo-terminal, so it sees an interactive stdin."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, replica = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coach", *args],
            stdin=replica, stdout=replica, stderr=replica, close_fds=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
        os.close(replica)
        self.seen = ""

    def expect(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            assert time.monotonic() < deadline, f"never saw {text!r} in:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode(errors="replace")
                except OSError:  # the process closed the terminal
                    assert text in self.seen, f"never saw {text!r} in:\n{self.seen}"
            self.seen = self.seen.replace("\r\n", "\n")
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def finish(self) -> int:
        code = self.process.wait(timeout=120)
        os.close(self.master)
        return code


def practice_args() -> list[str]:
    return ["practice", "--question", system_design_question(), "--no-speak", "--offline",
            "--no-follow-ups"]


def test_no_microphone_at_a_terminal_offers_typed_answers(coach_home: Path) -> None:
    terminal = Terminal(*practice_args(), env=NO_MICROPHONE)
    terminal.expect("No microphone found. Type your answers instead? [Y/n]")
    terminal.type("")  # Enter takes the default: yes
    terminal.expect("Type your answer")
    terminal.type("")  # an empty line before any text is not passed over in silence
    terminal.expect("Nothing typed yet")
    terminal.type(ANSWER)
    terminal.type("")
    seen = terminal.expect("Read it back with `coach review 1`")
    assert terminal.finish() == 0
    assert "no usable microphone" in seen and "typing answers instead" in seen
    with open_store(coach_home) as store:
        (session,) = store.sessions()
        (answer,) = store.answers()
    assert session.mode == "text" and answer.transcript == ANSWER and answer.scorecard


def test_declining_typed_answers_keeps_the_clear_error(coach_home: Path) -> None:
    terminal = Terminal(*practice_args(), env=NO_MICROPHONE)
    terminal.expect("Type your answers instead? [Y/n]")
    terminal.type("n")
    seen = terminal.expect("coach: error: no usable microphone")
    assert terminal.finish() != 0
    assert "Traceback" not in seen and "--text" in seen


def test_no_microphone_without_a_terminal_is_still_one_line(coach_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coach", *practice_args()],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={**os.environ, **NO_MICROPHONE},
    )
    assert result.returncode != 0 and "Type your answers instead" not in result.stdout
    assert result.stderr.count("\n") == 1 and "no usable microphone" in result.stderr


def test_typed_skip_and_quit(coach_home: Path) -> None:
    args = ["practice", "--text", "--count", "3", "--round", "technical", "--no-speak",
            "--offline", "--no-follow-ups"]
    code, out, err = run(args, f"skip\n\n{ANSWER}\n\nquit\n\n{ANSWER}\n\n")
    assert code == 0, err
    assert "Skipped" in out and "Ending the session" in out
    with open_store(coach_home) as store:
        (answer,) = store.answers()
        (session,) = store.sessions()
    assert answer.transcript == ANSWER and session.ended_at is not None


def test_questions_have_a_header_and_aligned_columns(coach_home: Path) -> None:
    long_id = "sd-a-question-with-a-very-long-identifier-l5"
    coach_home.mkdir(parents=True)
    (coach_home / "questions.toml").write_text(
        f'[[question]]\nid = "{long_id}"\nround = "system_design"\nlevel = "L5"\n'
        'text = "Design a feature store."\ncriteria = ["numbers_sized"]\n'
        'time_budget_s = 600\nsource = "user"\n'
    )
    code, out, _ = run(["questions", "--round", "system_design"])
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["id", "round", "level", "time", "question"]
    column = header.index("round")
    assert any(row.startswith(long_id + " ") for row in rows)
    assert all(row[column:].startswith("system_design ") for row in rows)
    assert all(row[column - 2 : column] == "  " for row in rows)


def test_sessions_says_when_there_are_none_and_has_a_header(coach_home: Path) -> None:
    code, out, _ = run(["sessions"])
    assert code == 0 and out.strip() == "No sessions yet: start one with `coach practice`."
    run(["practice", "--text", "--count", "1", "--offline", "--no-speak"], ANSWER + "\n")
    header, row = run(["sessions"])[1].splitlines()
    assert header.split()[:2] == ["id", "started"] and "answers" in header
    assert row.split()[0] == "1" and row.split()[-1] == "1" and " text " in row


def test_the_due_label_agrees_a_moment_later() -> None:
    from coach.sessions.schedule import due_label

    now = datetime(2026, 1, 1, tzinfo=UTC)
    due = (now + timedelta(days=1)).isoformat()
    assert due_label(due, now) == "due in 1 day"
    assert due_label(due, now + timedelta(minutes=5)) == "due in 1 day"
    assert due_label((now + timedelta(days=3)).isoformat(), now) == "due in 3 days"
    assert due_label((now + timedelta(hours=5)).isoformat(), now) == "due in 5 hours"
    assert due_label(now.isoformat(), now + timedelta(seconds=1)) == "due now"


def test_replay_list_says_what_practice_said(coach_home: Path) -> None:
    question = system_design_question()
    weak = "I would use a neural network and it would be good."
    args = ["--question", question, "--no-speak", "--offline", "--no-follow-ups", "--text"]
    run(["practice", *args], weak + "\n")
    out = run(["replay", *args[2:]], ANSWER + "\n")[1]
    said = re.search(r"Replay: \S+: box 2, (due in [^(]+?) \(", out)
    assert said, out
    listed = run(["replay", "--list"])[1]
    assert said.group(1) == "due in 1 day" and said.group(1) in listed


def test_playback_advice_fits_review(spoken: Path) -> None:
    assert "--out" not in SPEAKER_FIX  # advice for `coach say`, not for playing recordings
    if list_devices():
        pytest.skip("this machine has audio devices")
    code, _, err = run(["review", "--play", "1"])
    assert code != 0 and "--out" not in err
    assert "coach review --html" in err and "audio player" in err


def test_history_keeps_delivery_apart_from_scores(spoken: Path) -> None:
    lines = run(["history"])[1].splitlines()
    score_header = next(i for i, line in enumerate(lines) if line.startswith("criterion"))
    delivery_header = next(i for i, line in enumerate(lines) if line.startswith("delivery"))
    assert "score 0-4" in lines[score_header] and "0-4" not in lines[delivery_header]
    pace = next(i for i, line in enumerate(lines) if line.startswith("words per minute"))
    assert score_header < delivery_header < pace
    assert all(not line.startswith("wpm") for line in lines)


@pytest.mark.model
def test_a_one_word_clip_has_no_pace_figure(tmp_path: Path) -> None:
    clip = espeak_wav("Hello.", tmp_path / "hello.wav")
    code, _, err = run(["transcribe", str(clip)])
    assert code == 0
    assert "no pace figure" in err and "wpm:" not in err
