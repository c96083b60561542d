"""SQLite store: sessions, answers and the replay queue, in ``COACH_HOME/coach.db``.

Schema changes are named migrations, applied in order and recorded in the
``migrations`` table. Every write commits at once, so an answer survives a
crash of whatever comes after it. A file that is not a coach database, or is
damaged, is reported and never written to.

The database is created readable by its owner only (0600, in a 0700 folder).
Recording paths are stored relative to ``COACH_HOME`` and read back absolute.
Commands that only read open the store read-only when ``COACH_HOME`` cannot be
written (:func:`open_store` with ``write=False``); a full disk or a read-only
folder met while writing is reported as one error naming the folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import NoSpaceError, ReadOnlyHomeError, StoreError, home_error
from coach.privacy import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, private_dir, tighten
from coach.sessions.recordings import AUDIO_DIR, resolved_path, stored_path

SQLITE_HEADER = b"SQLite format 3\x00"
DAMAGED_FIX = "move that file aside (coach never changes it) or point COACH_HOME elsewhere"

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            mode TEXT NOT NULL,
            scorer TEXT
        );
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            question_text TEXT NOT NULL,
            round TEXT NOT NULL,
            level TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            follow_up_of INTEGER REFERENCES answers(id),
            audio_path TEXT,
            transcript TEXT,
            raw_transcript TEXT,
            words_json TEXT,
            delivery_json TEXT,
            scorecard_json TEXT,
            scorer TEXT,
            timings_json TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE INDEX answers_by_session ON answers(session_id);
        CREATE INDEX answers_by_question ON answers(question_id);
        CREATE TABLE replay_queue (
            question_id TEXT PRIMARY KEY,
            box INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            last_answer_id INTEGER NOT NULL REFERENCES answers(id),
            reason TEXT NOT NULL
        );
        """,
    ),
    (
        "0002_audio_paths_relative_to_home",
        """
        UPDATE answers
        SET audio_path = substr(audio_path, instr(audio_path, '/audio/session-') + 1)
        WHERE audio_path LIKE '/%' AND instr(audio_path, '/audio/session-') > 0
        """,
    ),
    (
        "0003_story_bank",
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            outline TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE story_attempts (
            answer_id INTEGER PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            linked_by TEXT NOT NULL
        );
        """,
    ),
    (
        "0004_jd_plans",
        """
        CREATE TABLE plans (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            plan_json TEXT NOT NULL
        );
        """,
    ),
    (
        "0005_mock_loops",
        """
        CREATE TABLE mock_loops (
            session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
            level TEXT NOT NULL,
            company_kind TEXT NOT NULL,
            questions_json TEXT NOT NULL,
            finished_at TEXT,
            report_json TEXT
        );
        """,
    ),
    (
        # never written: each answer keeps the scorer that scored it, which a session-wide
        # value would contradict after `coach rescore` or a fallback to the offline scorer
        "0006_drop_session_scorer",
        "ALTER TABLE sessions DROP COLUMN scorer",
    ),
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AnswerRecord:
    """One stored answer, as read back from the database."""

    id: int
    session_id: int
    question_id: str
    question_text: str
    round: str
    level: str
    attempt: int
    follow_up_of: int | None
    audio_path: str | None
    transcript: str | None
    raw_transcript: str | None
    words: list[dict[str, Any]] | None
    delivery: dict[str, Any] | None
    scorecard: dict[str, Any] | None
    scorer: str | None
    timings: dict[str, float]
    created_at: str


@dataclass(frozen=True)
class ReplayItem:
    """A question queued for another try: its Leitner box and when it is due."""

    question_id: str
    box: int
    due_at: str
    last_answer_id: int
    reason: str


@dataclass(frozen=True)
class SessionRecord:
    id: int
    started_at: str
    ended_at: str | None
    mode: str
    answer_count: int


class Store:
    """The coach database. Open with :meth:`open`; every method commits."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.home = path.parent

    @classmethod
    def open(cls, path: Path) -> Store:
        check_is_coach_database(path)
        try:
            private_dir(path.parent)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        except OSError as error:
            raise home_error(error, path.parent) from error
        for own in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            tighten(own, PRIVATE_FILE_MODE)
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=10)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            apply_migrations(connection)
        except sqlite3.DatabaseError as error:
            raise database_error(error, path) from error
        return cls(connection, path)

    @classmethod
    def open_read_only(cls, path: Path) -> Store:
        """The database opened for reading only (an empty one when there is none)."""
        if not path.is_file() or path.stat().st_size == 0:
            connection = sqlite3.connect(":memory:", isolation_level=None)
            apply_migrations(connection)
        else:
            check_is_coach_database(path)
            connection = read_only_connection(path)
        connection.row_factory = sqlite3.Row
        return cls(connection, path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
        except sqlite3.OperationalError as error:  # disk full, read-only, I/O
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise database_error(error, self.path) from error

    # sessions

    def start_session(self, mode: str) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (started_at, mode) VALUES (?, ?)", (now(), mode)
            )
        return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int) -> None:
        """Close the session; one left without answers is deleted (no empty sessions).

        On a full disk the write-ahead log is checkpointed and truncated first, which
        frees the room the closing needs.
        """
        try:
            self._close_session(session_id)
        except NoSpaceError:
            with suppress(sqlite3.DatabaseError):
                self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._close_session(session_id)

    def _close_session(self, session_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (now(), session_id))
            db.execute(
                "DELETE FROM sessions WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM answers WHERE session_id = ?)",
                (session_id, session_id),
            )

    def forget(self, session_id: int | None) -> tuple[list[int], list[AnswerRecord]]:
        """Delete a session (or every one, for None) with its answers and replay entries.

        Returns the session ids and the answers removed; their recordings are the
        caller's to delete. Freed pages are overwritten and the log truncated, so the
        words said do not linger in the database file.
        """
        sessions = [s.id for s in self.sessions(session_id)]
        answers = [a for s in sessions for a in self.answers(s)]
        ids = [a.id for a in answers]
        self.connection.execute("PRAGMA secure_delete = ON")
        with self._transaction() as db:
            for answer_id in ids:
                db.execute("DELETE FROM replay_queue WHERE last_answer_id = ?", (answer_id,))
            for session in sessions:
                db.execute("DELETE FROM answers WHERE session_id = ?", (session,))
                db.execute("DELETE FROM sessions WHERE id = ?", (session,))
            if session_id is None:  # everything: the story outlines and plans go too
                db.execute("DELETE FROM stories")
                db.execute("DELETE FROM plans")
        try:
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.connection.execute("VACUUM")
        except sqlite3.DatabaseError as error:
            raise database_error(error, self.path) from error
        return sessions, answers

    def sessions(self, session_id: int | None = None) -> list[SessionRecord]:
        """Every session (or just ``session_id``) with its answer count, oldest first."""
        where = "" if session_id is None else "WHERE s.id = ?"
        rows = self.connection.execute(
            f"""SELECT s.id, s.started_at, s.ended_at, s.mode, COUNT(a.id) AS answer_count
               FROM sessions s
               LEFT JOIN answers a ON a.session_id = s.id {where} GROUP BY s.id ORDER BY s.id""",
            () if session_id is None else (session_id,),
        ).fetchall()
        return [SessionRecord(**dict(row)) for row in rows]

    def last_session_id(self) -> int | None:
        row = self.connection.execute("SELECT MAX(id) FROM sessions").fetchone()
        return row[0]

    # answers

    def add_answer(
        self,
        session_id: int,
        question_id: str,
        question_text: str,
        round: str,
        level: str,
        follow_up_of: int | None = None,
        audio_path: Path | None = None,
    ) -> int:
        """Record that a question was asked and answered; returns the answer id."""
        with self._transaction() as db:
            (previous,) = db.execute(
                "SELECT COUNT(*) FROM answers WHERE question_id = ?", (question_id,)
            ).fetchone()
            cursor = db.execute(
                """INSERT INTO answers (session_id, question_id, question_text, round, level,
                   attempt, follow_up_of, audio_path, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    session_id,
                    question_id,
                    question_text,
                    round,
                    level,
                    previous + 1,
                    follow_up_of,
                    stored_path(self.home, audio_path) if audio_path else None,
                    now(),
                ),
            )
        return int(cursor.lastrowid or 0)

    def set_transcript(
        self,
        answer_id: int,
        transcript: str,
        raw_transcript: str,
        words: list[dict[str, Any]],
        delivery: dict[str, Any] | None,
        timings: dict[str, float] | None = None,
    ) -> None:
        self._update(
            answer_id,
            timings=timings,
            transcript=transcript,
            raw_transcript=raw_transcript,
            words_json=json.dumps(words),
            delivery_json=json.dumps(delivery) if delivery is not None else None,
        )

    def set_scorecard(
        self,
        answer_id: int,
        scorecard: dict[str, Any],
        timings: dict[str, float] | None = None,
    ) -> None:
        self._update(
            answer_id,
            timings=timings,
            scorecard_json=json.dumps(scorecard),
            scorer=str(scorecard.get("scorer")),
        )

    def _update(
        self, answer_id: int, timings: dict[str, float] | None = None, **columns: Any
    ) -> None:
        with self._transaction() as db:
            if timings:
                (stored,) = db.execute(
                    "SELECT timings_json FROM answers WHERE id = ?", (answer_id,)
                ).fetchone()
                columns["timings_json"] = json.dumps({**json.loads(stored), **timings})
            assignments = ", ".join(f"{name} = ?" for name in columns)
            db.execute(
                f"UPDATE answers SET {assignments} WHERE id = ?", (*columns.values(), answer_id)
            )

    def last_asked(self) -> dict[str, str]:
        """When each question was last answered (ISO time), by question id."""
        rows = self.connection.execute(
            "SELECT question_id, MAX(created_at) FROM answers GROUP BY question_id"
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def answer(self, answer_id: int) -> AnswerRecord | None:
        row = self.connection.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return _answer_record(row, self.home) if row else None

    def answers(self, session_id: int | None = None) -> list[AnswerRecord]:
        """Answers of one session, or all answers, oldest first."""
        if session_id is None:
            rows = self.connection.execute("SELECT * FROM answers ORDER BY id").fetchall()
        else:
            rows = self.connection.execute(
                "SELECT * FROM answers WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
        return [_answer_record(row, self.home) for row in rows]

    # replay queue

    def replay_queue(self) -> list[ReplayItem]:
        """Queued questions, the most overdue first."""
        rows = self.connection.execute(
            "SELECT * FROM replay_queue ORDER BY due_at, box, question_id"
        ).fetchall()
        return [ReplayItem(**dict(row)) for row in rows]

    def replay_item(self, question_id: str) -> ReplayItem | None:
        """The question's place in the replay queue, if it is queued."""
        row = self.connection.execute(
            "SELECT * FROM replay_queue WHERE question_id = ?", (question_id,)
        ).fetchone()
        return ReplayItem(**dict(row)) if row else None

    def schedule_replay(self, item: ReplayItem) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO replay_queue VALUES (?, ?, ?, ?, ?)",
                (item.question_id, item.box, item.due_at, item.last_answer_id, item.reason),
            )

    def drop_replay(self, question_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM replay_queue WHERE question_id = ?", (question_id,))


JSON_COLUMNS = {
    "words_json": "words",
    "delivery_json": "delivery",
    "scorecard_json": "scorecard",
    "timings_json": "timings",
}
"""Answer columns stored as JSON, and the AnswerRecord field each becomes."""


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _answer_record(row: sqlite3.Row, home: Path) -> AnswerRecord:
    values = dict(row)
    for column, field_name in JSON_COLUMNS.items():
        values[field_name] = _loads(values.pop(column))
    values["timings"] = values["timings"] or {}
    if values["audio_path"]:
        values["audio_path"] = resolved_path(home, values["audio_path"])
    return AnswerRecord(**values)


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that never writes; on a read-only folder the file is read as immutable."""
    uri = path.resolve().as_uri()
    try:
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError:
        # a WAL database whose -shm file cannot be created (read-only folder)
        connection = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return connection


def database_error(error: sqlite3.DatabaseError, path: Path) -> StoreError:
    """The StoreError for an SQLite failure: disk full, read-only, or a damaged file."""
    name = getattr(error, "sqlite_errorname", "")
    text = str(error)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return NoSpaceError(path.parent)
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return ReadOnlyHomeError(path.parent)
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return StoreError(f"cannot write to {path}: {text}", "check the disk holding COACH_HOME")
    return StoreError(f"cannot use the database {path}: {error}", DAMAGED_FIX)


def check_is_coach_database(path: Path) -> None:
    """Raise StoreError unless ``path`` is absent, empty, or a coach database.

    Reads only: the file header, then the schema through a read-only connection.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StoreError(f"{path} is not a coach database (not SQLite)", DAMAGED_FIX)
    try:
        with read_only_connection(path) as probe:
            tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
            applied = (
                {row[0] for row in probe.execute("SELECT name FROM migrations")}
                if "migrations" in tables
                else set()
            )
            (integrity,) = probe.execute("PRAGMA quick_check").fetchone()
        probe.close()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is damaged or not a database ({error})", DAMAGED_FIX) from error
    if integrity != "ok":
        raise StoreError(f"{path} is damaged ({integrity})", DAMAGED_FIX)
    if tables and "migrations" not in tables:
        raise StoreError(f"{path} is an SQLite file but not a coach database", DAMAGED_FIX)
    unknown = applied - {name for name, _ in MIGRATIONS}
    if unknown:
        raise StoreError(
            f"{path} was written by a newer coach (migrations {sorted(unknown)})",
            "upgrade coach (pip install -U coach)",
        )


def apply_migrations(connection: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = {row[0] for row in connection.execute("SELECT name FROM migrations")}
    done = []
    for name, script in MIGRATIONS:
        if name in applied:
            continue
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in script.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute("INSERT INTO migrations VALUES (?, ?)", (name, now()))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        done.append(name)
    return done


def open_store(home: Path, write: bool = True) -> Store:
    """The store in ``home`` (created on first use, 0700), with its audio folder.

    With ``write=False`` a home that cannot be written to is opened read-only
    (and one that does not exist reads as empty); with ``write=True`` it raises
    :class:`ReadOnlyHomeError`.
    """
    if not write and not writable(home):
        return Store.open_read_only(home / "coach.db")
    if not writable(home):
        raise ReadOnlyHomeError(home)
    try:
        private_dir(home / AUDIO_DIR)
    except OSError as error:
        raise home_error(error, home) from error
    tighten(home / AUDIO_DIR, PRIVATE_DIR_MODE)
    return Store.open(home / "coach.db")


def writable(home: Path) -> bool:
    """Whether coach can write in ``home`` (or create it) and to its database."""
    existing = next((p for p in (home, *home.parents) if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK | os.X_OK):
        return False
    db = home / "coach.db"
    return not db.exists() or os.access(db, os.W_OK)
