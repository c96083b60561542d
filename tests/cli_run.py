"""What several test modules share: the CLI run in-process on given stdin, and one strong story."""

from __future__ import annotations

import io
import sys

import pytest

from coach.cli import main

STRONG_STORY = (
    "At my last company our fraud model's precision fell from 92% to 71% two weeks after launch. "
    "I was the owner, so my task was to find out why within a week. We detected it through a "
    "precision alert on our dashboard; the root cause was a schema change upstream that turned a "
    "merchant id into nulls. I decided to add input validation and a canary that compares feature "
    "distributions, and I chose a weekly retrain over daily because daily cost three times as "
    "much compute for half a point of recall. As a result precision recovered to 91% within two "
    "days and we have had no silent schema breaks since. I learned to treat data contracts as "
    "part of the model."
)
"""A story answer that scores high on every core criterion (STAR, numbers, trade-off, incident)."""


def run_cli(
    args: list[str], stdin: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """`coach ARGS` in this process with STDIN; returns the exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
