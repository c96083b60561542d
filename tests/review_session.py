"""A real spoken practice session to review: synthesised speech through `coach practice`.

Used by the HTML page tests and by ``tests/review_screenshot.py`` (the picture in the
README). The answer has a long pause in the middle, so the page shows a gap.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from speech import join, piper_audio, save, silence

from coach.cli import main
from coach.questions import load_questions

FIRST_PART = (
    "We served about fifty thousand requests per second with a p99 budget of eighty "
    "milliseconds, so I picked a two tower model over a cross encoder, trading a little "
    "accuracy for latency."
)
SECOND_PART = (
    "After launch, um, I would alert when the null rate of any feature doubles, and roll back "
    "to the previous model within ten minutes."
)
PAUSE_S = 3.0


def system_design_question() -> str:
    return next(q.id for q in load_questions() if q.round == "system_design" and q.level == "L5")


def spoken_answer(folder: Path) -> Path:
    """The answer as a WAV: the first part, a 3 s pause, the second part."""
    audio = join(
        silence(0.5), piper_audio(FIRST_PART), silence(PAUSE_S), piper_audio(SECOND_PART),
        silence(1.0),
    )
    return save(audio, folder / "answer.wav")


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    """`coach ARGS` in this process, with ``stdin`` typed in; returns code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def copy_home(template: Path, home: Path) -> None:
    """A copy of the COACH_HOME ``template`` at ``home``, its recordings' paths moved along."""
    import shutil
    import sqlite3

    shutil.copytree(template, home, dirs_exist_ok=True)
    with sqlite3.connect(home / "coach.db") as db:
        db.execute(
            "UPDATE answers SET audio_path = replace(audio_path, ?, ?)", (str(template), str(home))
        )
    db.close()


def spoken_template(folder: Path) -> Path:
    """A COACH_HOME in ``folder`` holding one spoken session, made without touching os.environ
    for longer than the session takes; copy it into a test's home with :func:`copy_home`."""
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COACH_HOME", str(folder / "home"))
        for name in ("COACH_WHISPER_MODEL", "COACH_INPUT_DEVICE", "COACH_VOICE"):
            patch.delenv(name, raising=False)
        practise_spoken(folder)
    return folder / "home"


def practise_spoken(folder: Path) -> None:
    """One file-fed practice session (real recorder, Whisper and offline scorer)."""
    wav = spoken_answer(folder)
    code, _, err = run(
        [
            "practice", "--answer-audio", str(wav), "--question", system_design_question(),
            "--no-speak", "--offline", "--no-follow-ups",
        ]
    )
    assert code == 0, err
