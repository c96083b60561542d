"""Where recordings live: ``COACH_HOME/audio/session-N/STAMP-QUESTION.wav``.

Paths are stored relative to ``COACH_HOME`` (so the folder can be moved) and
resolved against it when read. A new recording's file is claimed by exclusive
creation, never through a symbolic link; a name already taken (by an earlier
answer, or by anything planted there) gets a numbered suffix instead.
"""

from __future__ import annotations

import time
from pathlib import Path

from coach.privacy import create_private_file, private_dir

AUDIO_DIR = "audio"
CLAIM_TRIES = 100


def session_dir(home: Path, session_id: int) -> Path:
    return home / AUDIO_DIR / f"session-{session_id}"


def claim_recording(home: Path, session_id: int, question_id: str) -> Path:
    """Create the empty, private file the next answer is recorded into; returns its path."""
    import os

    folder = private_dir(session_dir(home, session_id))
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{question_id}"
    for attempt in range(CLAIM_TRIES):
        path = folder / (f"{stem}.wav" if attempt == 0 else f"{stem}-{attempt}.wav")
        try:
            os.close(create_private_file(path))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(17, "no free recording name", str(folder / stem))


def stored_path(home: Path, path: Path | str) -> str:
    """``path`` as stored: relative to ``home`` when inside it, else as given."""
    path = Path(path)
    try:
        return path.relative_to(home).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(home.resolve()).as_posix()
        except ValueError:
            return str(path)


def resolved_path(home: Path, stored: str) -> str:
    """A stored path as a path to open: relative ones are taken from ``home``."""
    path = Path(stored)
    return str(path if path.is_absolute() else home / path)


RESERVE_FILE = ".space-reserve"
RESERVE_BYTES = 256 * 1024
"""Room set aside while a session records, freed to close the session if the disk fills."""


class SpaceReserve:
    """A file of zeros in the audio folder, held while a session runs.

    If the disk fills up mid-answer, deleting it gives the database the room it
    needs to close the session. Creating it fails at once on a disk already full.
    """

    def __init__(self, home: Path) -> None:
        self.path = home / AUDIO_DIR / RESERVE_FILE

    def hold(self) -> None:
        import os

        self.path.unlink(missing_ok=True)
        fd = create_private_file(self.path)
        try:
            os.write(fd, bytes(RESERVE_BYTES))
        except OSError:
            os.close(fd)
            self.path.unlink(missing_ok=True)
            raise
        os.close(fd)

    def release(self) -> None:
        self.path.unlink(missing_ok=True)
