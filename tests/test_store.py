"""The SQLite store: migrations, durability, and refusing files that are not coach's."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coach.errors import StoreError
from coach.sessions.store import MIGRATIONS, Store, apply_migrations, open_store


def test_migrations_apply_to_an_empty_database_and_are_idempotent(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "coach.db", isolation_level=None)
    assert apply_migrations(connection) == [name for name, _ in MIGRATIONS]
    assert apply_migrations(connection) == []
    recorded = [row[0] for row in connection.execute("SELECT name FROM migrations")]
    assert recorded == [name for name, _ in MIGRATIONS]
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"sessions", "answers", "replay_queue"} <= tables


def test_the_unused_session_scorer_column_is_dropped_and_sessions_are_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "coach.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, script in [m for m in MIGRATIONS if m[0] < "0006"]:  # made before 0006
        connection.executescript(script)
        connection.execute("INSERT INTO migrations VALUES (?, '2026-01-01')", (name,))
    connection.execute(
        "INSERT INTO sessions (started_at, mode, scorer) VALUES ('2026-01-01', 'text', NULL)"
    )
    assert apply_migrations(connection) == ["0006_drop_session_scorer"]
    columns = [row[1] for row in connection.execute("PRAGMA table_info(sessions)")]
    assert columns == ["id", "started_at", "ended_at", "mode"]
    connection.close()
    with Store.open(path) as store:
        assert [(s.id, s.mode, s.answer_count) for s in store.sessions()] == [(1, "text", 0)]


def test_store_uses_wal_and_foreign_keys(coach_home: Path) -> None:
    with open_store(coach_home) as store:
        (mode,) = store.connection.execute("PRAGMA journal_mode").fetchone()
        (fk,) = store.connection.execute("PRAGMA foreign_keys").fetchone()
        assert (mode, fk) == ("wal", 1)
        with pytest.raises(sqlite3.IntegrityError):
            store.add_answer(999, "q", "text", "technical", "L4")
    assert (coach_home / "audio").is_dir()


def test_answer_lifecycle_commits_each_step(coach_home: Path) -> None:
    with open_store(coach_home) as store:
        session = store.start_session("text")
        first = store.add_answer(session, "q1", "Question one?", "technical", "L4")
        store.set_transcript(
            first,
            "hello",
            "um hello",
            [{"word": "hello"}],
            {"wpm": 1.0},
            timings={"transcript_ready_s": 0.2},
        )
        store.set_scorecard(first, {"scorer": "offline", "overall": 1.0}, timings={"score_s": 0.01})
        again = store.add_answer(session, "q1", "Question one?", "technical", "L4")
    with open_store(coach_home) as store:
        answers = store.answers(session)
    assert [a.attempt for a in answers] == [1, 2]
    assert answers[0].timings == {"transcript_ready_s": 0.2, "score_s": 0.01}
    assert answers[0].scorer == "offline" and answers[0].words == [{"word": "hello"}]
    assert answers[1].id == again and answers[1].transcript is None


def test_committed_answer_survives_a_killed_process(coach_home: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from coach.sessions.store import open_store
        store = open_store(Path({str(coach_home)!r}))
        session = store.start_session("voice")
        answer = store.add_answer(session, "q1", "Q?", "behavioral", "L5")
        store.set_transcript(answer, "I led the migration", "I led the migration", [], None)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    with open_store(coach_home) as store:
        (answer,) = store.answers()
    assert answer.transcript == "I led the migration"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_sqlite_is_left_untouched(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    db = coach_home / "coach.db"
    db.write_text("my shopping list\n")
    before = digest(db)
    with pytest.raises(StoreError, match="not a coach database"):
        open_store(coach_home)
    assert digest(db) == before
    assert sorted(p.name for p in coach_home.iterdir()) == ["audio", "coach.db"]


def test_a_damaged_database_is_left_byte_for_byte_unchanged(coach_home: Path) -> None:
    with open_store(coach_home) as store:
        session = store.start_session("text")
        store.add_answer(session, "q1", "Q?", "technical", "L4")
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = coach_home / "coach.db"
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page
    db.write_bytes(bytes(data))
    before = digest(db)
    with pytest.raises(StoreError, match="damaged"):
        open_store(coach_home)
    assert digest(db) == before


def test_another_programs_sqlite_database_is_refused(coach_home: Path) -> None:
    coach_home.mkdir(parents=True)
    db = coach_home / "coach.db"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
    other.close()
    before = digest(db)
    with pytest.raises(StoreError, match="not a coach database"):
        Store.open(db)
    assert digest(db) == before


def test_a_database_from_a_newer_coach_is_refused(coach_home: Path) -> None:
    with open_store(coach_home) as store:
        store.connection.execute("INSERT INTO migrations VALUES ('9999_future', 'now')")
    with pytest.raises(StoreError, match="newer coach"):
        open_store(coach_home)
