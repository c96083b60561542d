"""`coach forget SESSION|last|all`: delete recordings and their rows, saying what went.

A session's answers, their replay-queue entries, the session row and every
recording in its audio folder are removed; ``all`` removes every session and
the whole audio folder's sessions. The database's freed pages are overwritten
(:meth:`coach.sessions.store.Store.forget`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from coach.config import Settings
from coach.errors import home_error
from coach.sessions.recordings import session_dir
from coach.sessions.review import resolve_session
from coach.sessions.store import open_store


def forget(settings: Settings, reference: str) -> str:
    """Delete one session (or ``all``); returns one line saying what was removed."""
    with open_store(settings.home) as store:
        session = None if reference == "all" else resolve_session(store, reference).id
        sessions, answers = store.forget(session)
    recordings = 0
    try:
        for session_id in sessions:
            recordings += remove_session_audio(session_dir(settings.home, session_id))
        for answer in answers:  # recordings kept outside the session folders
            if answer.audio_path and Path(answer.audio_path).is_file():
                Path(answer.audio_path).unlink()
                recordings += 1
    except OSError as error:
        raise home_error(error, settings.home) from error
    if not sessions:
        tail = "; story outlines and plans removed" if session is None else ""
        return f"no sessions to forget{tail}"
    which = "every session" if session is None else f"session {session}"
    extra = ", story outlines and plans" if session is None else ""
    return (
        f"forgot {which}: {len(sessions)} session(s), {len(answers)} answer(s) with their "
        f"transcripts and scorecards, {recordings} recording(s){extra}"
    )


def remove_session_audio(folder: Path) -> int:
    """Delete a session's audio folder; returns the recordings it held."""
    if folder.is_symlink():
        folder.unlink()  # never follow a link out of COACH_HOME
        return 0
    if not folder.is_dir():
        return 0
    count = sum(1 for path in folder.rglob("*.wav") if path.is_file())
    shutil.rmtree(folder)
    return count
