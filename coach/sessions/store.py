"""SQLite store: sessions, answers and the replay queue, in ``COACH_HOME/coach.db``.

Schema changes are named migrations, applied in order and recorded in the
``migrations`` table. Every write commits at once, so an answer survives a
crash of whatever comes after it. A file that is not a coach database, or is
damaged, is reported and never written to.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import StoreError

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
        "0002_story_bank",
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
        "0003_jd_plans",
        """
        CREATE TABLE plans (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            plan_json TEXT NOT NULL
        );
        """,
    ),
    (
        "0004_mock_loops",
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
    scorer: str | None
    answer_count: int


class Store:
    """The coach database. Open with :meth:`open`; every method commits."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        check_is_coach_database(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=10)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            apply_migrations(connection)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot use the database {path}: {error}", DAMAGED_FIX) from error
        return cls(connection, path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    # sessions

    def start_session(self, mode: str, scorer: str | None = None) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (started_at, mode, scorer) VALUES (?, ?, ?)",
                (now(), mode, scorer),
            )
        return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (now(), session_id))

    def sessions(self, session_id: int | None = None) -> list[SessionRecord]:
        """Every session (or just ``session_id``) with its answer count, oldest first."""
        where = "" if session_id is None else "WHERE s.id = ?"
        rows = self.connection.execute(
            f"""SELECT s.*, COUNT(a.id) AS answer_count FROM sessions s
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
                    str(audio_path) if audio_path else None,
                    now(),
                ),
            )
        return int(cursor.lastrowid or 0)

    def set_audio(self, answer_id: int, audio_path: Path) -> None:
        self._update(answer_id, audio_path=str(audio_path))

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
        return _answer_record(row) if row else None

    def answers(self, session_id: int | None = None) -> list[AnswerRecord]:
        """Answers of one session, or all answers, oldest first."""
        if session_id is None:
            rows = self.connection.execute("SELECT * FROM answers ORDER BY id").fetchall()
        else:
            rows = self.connection.execute(
                "SELECT * FROM answers WHERE session_id = ? ORDER BY id", (session_id,)
            ).fetchall()
        return [_answer_record(row) for row in rows]

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


def _answer_record(row: sqlite3.Row) -> AnswerRecord:
    values = dict(row)
    for column, field_name in JSON_COLUMNS.items():
        values[field_name] = _loads(values.pop(column))
    values["timings"] = values["timings"] or {}
    return AnswerRecord(**values)


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
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as probe:
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


def open_store(home: Path) -> Store:
    """The store in ``home`` (created on first use), with its audio folder."""
    (home / "audio").mkdir(parents=True, exist_ok=True)
    return Store.open(home / "coach.db")
