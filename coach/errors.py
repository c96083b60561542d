"""Every error coach reports to its user, in one tree.

Each error carries the problem and the fix; ``str(error)`` is the one line the
CLI prints on stderr before exiting non-zero (exit code ``error.exit_code``).
Set ``COACH_DEBUG=1`` to see the traceback as well.

    CoachError                  base class: problem + fix
    ├── ConfigError             a setting, flag or config file is wrong
    ├── InputError              an argument or file the user gave cannot be used
    │   └── AudioFileError      a file that is not readable audio
    ├── QuestionBankError       a question file is malformed (names the file and line)
    ├── RubricError             a rubric file is malformed
    ├── StoreError              the database cannot be used (not coach's, damaged, too new)
    │   ├── NoSpaceError        COACH_HOME's disk is full
    │   └── ReadOnlyHomeError   COACH_HOME cannot be written to
    ├── ModelError              the Whisper model is missing or cannot be loaded
    ├── DeviceError             no usable microphone or speaker
    └── ScorerError             the LLM judge failed; carries the attempts made

    Terminated (a KeyboardInterrupt) is raised by the SIGTERM handler, so a
    terminated session ends the way one stopped with Ctrl-C does.
"""

from __future__ import annotations

from dataclasses import dataclass


class CoachError(Exception):
    """An error a user can act on: what went wrong and how to fix it."""

    exit_code = 1

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.problem}; {self.fix}" if self.fix else self.problem


class ConfigError(CoachError):
    """A setting, flag or config file value is invalid."""

    exit_code = 2


class InputError(CoachError):
    """An argument or file given by the user cannot be used."""

    exit_code = 2


class AudioFileError(InputError):
    """A file that should hold audio is missing, unreadable or not audio."""


class QuestionBankError(CoachError):
    """A question bank file is malformed."""


class RubricError(CoachError):
    """A rubric data file is malformed."""


class StoreError(CoachError):
    """The coach database cannot be opened or used."""


class NoSpaceError(StoreError):
    """COACH_HOME's file system is full: nothing more can be stored."""

    def __init__(self, home: object) -> None:
        super().__init__(
            f"no space left in COACH_HOME ({home}); what was saved before is kept",
            "free some space or move COACH_HOME to a disk with room",
        )


class ReadOnlyHomeError(StoreError):
    """COACH_HOME (or coach.db in it) is read-only, and the command needs to write."""

    def __init__(self, home: object) -> None:
        super().__init__(
            f"COACH_HOME ({home}) is read-only; this command needs to write to it",
            "make the folder writable or point COACH_HOME at a writable one "
            "(review, history and sessions work read-only)",
        )


def home_error(error: OSError, home: object) -> StoreError:
    """The StoreError for a file-system failure while writing in COACH_HOME."""
    import errno

    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return NoSpaceError(home)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyHomeError(home)
    where = error.filename or home
    return StoreError(
        f"cannot use {where}: {error.strerror}", "check COACH_HOME (a folder coach can write)"
    )


class Terminated(KeyboardInterrupt):  # noqa: N818 (named for the signal, handled like Ctrl-C)
    """The process received SIGTERM."""


class ModelError(CoachError):
    """The Whisper model is missing or cannot be loaded."""


class DeviceError(CoachError):
    """No usable audio input or output device."""


@dataclass
class Attempt:
    """One request to the LLM judge and what went wrong with it."""

    mode: str
    error: str


class ScorerError(CoachError):
    """The LLM judge could not produce a valid scorecard.

    ``attempts`` lists each request made and why it failed, so the fallback
    message and the debug log can say exactly what happened.
    """

    def __init__(self, problem: str, fix: str = "", attempts: list[Attempt] | None = None):
        super().__init__(problem, fix)
        self.attempts: list[Attempt] = list(attempts or [])


__all__ = [
    "Attempt",
    "AudioFileError",
    "CoachError",
    "ConfigError",
    "DeviceError",
    "InputError",
    "ModelError",
    "NoSpaceError",
    "QuestionBankError",
    "ReadOnlyHomeError",
    "RubricError",
    "ScorerError",
    "StoreError",
    "Terminated",
    "home_error",
]
