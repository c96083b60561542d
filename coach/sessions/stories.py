"""The story bank: every answer to a story question is a story, grouped by what it tells.

Stories come from two places: outlines a user notes with ``coach stories add``, and
answers to story rounds (behavioural, project deep dive, cross-functional, hiring
manager). An answer belongs to an outline when it was practised with
``--story ID``, or when it tells most of the outline's distinctive words; answers
that match no outline are grouped with each other by the same kind of overlap.
Each story is tagged with the signals it shows (``coach/rubrics/story_signals.toml``,
derived from the scorecards and the words), and the bank is compared with the
target for the user's level (guides 000 and 001).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.config import Settings
from coach.errors import InputError, RubricError
from coach.questions import Question, load_questions
from coach.rounds import STORY_ROUNDS, Level
from coach.sessions.store import AnswerRecord, Store, now, open_store

Strength = Literal["strong", "weak"]
OUTLINE_MATCH = 0.5
"""Share of an outline's distinctive words an answer must tell to be linked to it."""
ANSWER_MATCH = 0.4
"""Overlap (of the smaller word set) at which two answers count as the same story."""
NEXT_COUNT = 3
STOPWORDS = frozenset(
    """
    the and for that with this was were are our had has have but not you your they them
    their there then than what when which while who whom why how all any can could would
    should will just very really also about into onto from over under after before again
    because since until each some such only own same other more most much many few lot
    one two three first last next one's it's its itself myself yourself we'd i'd i've
    i'm we're we've that's did does doing done been being get got make made take took
    like well so um uh yeah okay kind sort thing things way ways time times year years
    week weeks month months day days team model models data work worked working said say
    know think thought going went come came want wanted need needed able use used using
    tell told story question answer new good better best great right left back out off
    """.split()  # noqa: SIM905
)


class StorySignal(BaseModel):
    """One signal a story can show (see the header of story_signals.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str
    criterion: str
    fallback: str
    shown_at: int = Field(ge=1, le=4)
    strong_at: int = Field(ge=1, le=4)
    words: tuple[str, ...] = Field(min_length=1)
    needs_words: bool = False
    practise: tuple[str, ...] = Field(min_length=1)
    prefer: tuple[str, ...] = ()
    sources: tuple[str, ...] = Field(min_length=1)


class StoryTarget(BaseModel):
    """How many stories a level needs, and which signals need a strong one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stories_min: int
    stories_max: int
    cross_functional_min: int
    signals: tuple[str, ...]
    sources: tuple[str, ...]
    summary: str


class StorySignals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    target: dict[Level, StoryTarget]
    signal: tuple[StorySignal, ...]

    def by_id(self) -> dict[str, StorySignal]:
        return {s.id: s for s in self.signal}


@cache
def load_story_signals() -> StorySignals:
    """The story signals and level targets shipped with coach, validated."""
    from coach.rubrics import load_rubrics

    origin = "coach/rubrics/story_signals.toml"
    text = resources.files("coach.rubrics").joinpath("story_signals.toml").read_text("utf-8")
    try:
        data = StorySignals.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise RubricError(f"{origin} is malformed: {error}", "fix that file") from error
    rubrics = load_rubrics()
    known = data.by_id()
    for signal in data.signal:
        for criterion in (signal.criterion, signal.fallback):
            if criterion not in rubrics:
                raise RubricError(f"{origin}: {signal.id} names unknown {criterion!r}", "fix it")
    for level, target in data.target.items():
        unknown = set(target.signals) - set(known)
        if unknown:
            raise RubricError(f"{origin}: target {level} names {sorted(unknown)}", "fix it")
    return data


# words


def content_words(text: str) -> set[str]:
    """The distinctive words of a text: lower case, stop words and short words left out."""
    words = re.findall(r"[a-z][a-z0-9'-]+|\d+", text.lower())
    return {w.strip("'-") for w in words if len(w) >= 3 and w not in STOPWORDS}


def outline_match(outline: set[str], answer: set[str]) -> float:
    """How much of an outline the answer tells (0 to 1)."""
    return len(outline & answer) / len(outline) if outline else 0.0


def overlap(a: set[str], b: set[str]) -> float:
    """Shared words over the smaller set (0 to 1)."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def words_found(text: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that occur in ``text`` on word boundaries."""
    lowered = " ".join(text.lower().split())
    return [p for p in phrases if re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", lowered)]


# signals of one answer


def answer_signals(card: dict[str, Any], text: str) -> dict[str, Strength]:
    """The signals a scored answer shows, each strong or weak."""
    scores = {c["id"]: int(c["score"]) for c in card.get("criteria", [])}
    shown: dict[str, Strength] = {}
    for signal in load_story_signals().signal:
        has_words = bool(words_found(text, signal.words))
        if signal.criterion in scores:
            score = scores[signal.criterion]
            if signal.needs_words and not has_words:
                continue
        elif has_words and signal.fallback in scores:
            score = scores[signal.fallback]
        else:
            continue
        if score >= signal.strong_at:
            shown[signal.id] = "strong"
        elif score >= signal.shown_at:
            shown[signal.id] = "weak"
    return shown


def outline_signals(text: str) -> dict[str, Strength]:
    """Signals an outline names; weak until the story is told and scored."""
    return {s.id: "weak" for s in load_story_signals().signal if words_found(text, s.words)}


# the bank


@dataclass
class Story:
    """One story: an outline the user added, or answers grouped by what they tell."""

    id: str
    title: str
    outline: str = ""
    added: bool = False
    answers: list[AnswerRecord] = field(default_factory=list)
    words: set[str] = field(default_factory=set)

    def signals(self) -> dict[str, Strength]:
        told = f"{self.title} {self.outline}"
        found: dict[str, Strength] = {} if self.answers else outline_signals(told)
        for answer in self.answers:
            for signal, strength in answer_signals(
                answer.scorecard or {}, answer_text(answer)
            ).items():
                if found.get(signal) != "strong":
                    found[signal] = strength
        order = [s.id for s in load_story_signals().signal]
        return {s: found[s] for s in order if s in found}

    def best_overall(self) -> float | None:
        scores = [float((a.scorecard or {}).get("overall", 0.0)) for a in self.answers]
        return max(scores) if scores else None

    def as_json(self) -> dict[str, Any]:
        signals = self.signals()
        return {
            "id": self.id,
            "title": self.title,
            "signals": list(signals),
            "strong_signals": [s for s, strength in signals.items() if strength == "strong"],
            "attempts": len(self.answers),
            "best_overall": self.best_overall(),
            "added": self.added,
            "answer_ids": [a.id for a in self.answers],
            "questions": sorted({a.question_id for a in self.answers}),
        }


def answer_text(answer: AnswerRecord) -> str:
    return answer.transcript or ""


def is_story_answer(answer: AnswerRecord) -> bool:
    """A scored, non-empty answer to a story round (follow-up probes are not stories)."""
    return (
        answer.round in STORY_ROUNDS
        and answer.follow_up_of is None
        and bool(answer.scorecard)
        and bool(answer_text(answer).strip())
    )


def added_stories(store: Store) -> list[Story]:
    rows = store.connection.execute("SELECT * FROM stories ORDER BY id").fetchall()
    return [
        Story(
            id=f"s{row['id']}",
            title=row["title"],
            outline=row["outline"],
            added=True,
            words=content_words(f"{row['title']} {row['outline']}"),
        )
        for row in rows
    ]


def chosen_links(store: Store) -> dict[int, str]:
    """Answer id to story id, for answers practised with ``--story``."""
    rows = store.connection.execute("SELECT answer_id, story_id FROM story_attempts").fetchall()
    return {int(row[0]): f"s{row[1]}" for row in rows}


def group_stories(store: Store) -> list[Story]:
    """Added outlines with their attempts, then the practised stories grouped by overlap."""
    stories = added_stories(store)
    by_id = {story.id: story for story in stories}
    chosen = chosen_links(store)
    practised: list[Story] = []
    for answer in store.answers():
        if not is_story_answer(answer):
            continue
        words = content_words(answer_text(answer))
        target = by_id.get(chosen.get(answer.id, ""))
        if target is None:
            target = best_match(stories, words, outline_match, OUTLINE_MATCH, lambda s: s.words)
        if target is None:
            target = best_match(practised, words, overlap, ANSWER_MATCH, lambda s: s.words)
            if target is None:
                target = Story(id=f"a{answer.id}", title=title_of(answer_text(answer)))
                practised.append(target)
            target.words |= words
        target.answers.append(answer)
    return stories + practised


def best_match(
    stories: list[Story], words: set[str], measure: Any, threshold: float, words_of: Any
) -> Story | None:
    scored = [(measure(words_of(s), words), s) for s in stories]
    scored = [(value, s) for value, s in scored if value >= threshold]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


def title_of(text: str, limit: int = 60) -> str:
    """A short title: the first sentence of the answer, cut at a word."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def level_of(stories: list[Story], asked: str | None) -> str:
    if asked:
        return asked
    levels = Counter(a.level for s in stories for a in s.answers)
    return levels.most_common(1)[0][0] if levels else "L4"


def coverage(stories: list[Story]) -> dict[str, dict[str, list[str]]]:
    """Per signal, the stories that show it strongly and those that show it only weakly."""
    result: dict[str, dict[str, list[str]]] = {
        s.id: {"strong": [], "weak": []} for s in load_story_signals().signal
    }
    for story in stories:
        for signal, strength in story.signals().items():
            result[signal][strength].append(story.id)
    return result


def gaps(stories: list[Story], level: str) -> list[str]:
    """What the bank lacks against the level's target, most important first."""
    signals = load_story_signals()
    target = signals.target[level]  # type: ignore[index]
    covered = coverage(stories)
    missing = [s for s in target.signals if not covered[s]["strong"] and not covered[s]["weak"]]
    weak = [s for s in target.signals if not covered[s]["strong"] and covered[s]["weak"]]
    found = missing + weak
    cross = len(covered["cross_functional_influence"]["strong"])
    if cross < target.cross_functional_min and "cross_functional_influence" not in found:
        found.append("cross_functional_influence")
    return found


def next_questions(
    bank: list[Question], store: Store, wanted: list[str], level: str, count: int = NEXT_COUNT
) -> list[str]:
    """Story questions at ``level`` for the wanted signals (then any), least recently asked."""
    signals = load_story_signals().by_id()
    last_asked = store.last_asked()
    pool = [q for q in bank if q.level == level and q.round in STORY_ROUNDS]
    picked: list[str] = []
    for signal_id in dict.fromkeys([*wanted, *signals]):
        signal = signals[signal_id]
        fits = [
            q
            for q in pool
            if q.round in signal.practise
            and q.id not in picked
            and (signal.criterion in q.criteria or signal.fallback in q.criteria)
        ]
        if fits:
            best = min(
                fits,
                key=lambda q: (
                    last_asked.get(q.id, ""),
                    not words_found(f"{q.id} {q.text}", signal.prefer),
                    signal.practise.index(q.round),
                    q.id,
                ),
            )
            picked.append(best.id)
        if len(picked) >= count:
            break
    return picked


def story_bank(settings: Settings, level: str | None = None) -> dict[str, Any]:
    """The ``coach stories --json`` report."""
    bank = load_questions(settings.home)
    with open_store(settings.home) as store:
        stories = group_stories(store)
        level = level_of(stories, level)
        target = load_story_signals().target[level]  # type: ignore[index]
        missing = gaps(stories, level)
        upcoming = next_questions(bank, store, missing, level)
    covered = coverage(stories)
    return {
        "level": level,
        "target": {
            "stories": [target.stories_min, target.stories_max],
            "cross_functional": target.cross_functional_min,
            "signals": list(target.signals),
            "summary": target.summary,
            "sources": list(target.sources),
        },
        "stories": [story.as_json() for story in stories],
        "coverage": covered,
        "gaps": missing,
        "count": {
            "stories": len(stories),
            "cross_functional_strong": len(covered["cross_functional_influence"]["strong"]),
        },
        "next": upcoming,
    }


def _stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def render(report: dict[str, Any]) -> str:
    """The story bank as terminal text."""
    target = report["target"]
    low, high = target["stories"]
    lines = [
        f"Story bank ({report['level']}): {_stories(report['count']['stories'])}; "
        f"target {low}-{high}: {target['summary']} ({', '.join(target['sources'])})",
        "",
    ]
    if not report["stories"]:
        lines.append(
            "No stories yet: answer a story question, or note one with `coach stories add`."
        )
    for story in report["stories"]:
        best = f"best {story['best_overall']:.1f}/4" if story["best_overall"] is not None else ""
        kind = "outline" if story["added"] else "practised"
        lines.append(
            f"{story['id']:<6} {story['title']}  [{kind}, {story['attempts']} attempt(s)"
            f"{', ' + best if best else ''}]"
        )
        if story["signals"]:
            marks = [s + ("*" if s in story["strong_signals"] else "") for s in story["signals"]]
            lines.append(f"       signals: {', '.join(marks)}")
    lines += ["", "Coverage (* strong):"]
    for signal, found in report["coverage"].items():
        mark = "target" if signal in target["signals"] else "      "
        state = (
            f"strong in {', '.join(found['strong'])}"
            if found["strong"]
            else f"only weak: {', '.join(found['weak'])}"
            if found["weak"]
            else "none yet"
        )
        lines.append(f"  {mark} {signal:<28} {state}")
    if report["next"]:
        lines += ["", "Practise next:"]
        lines += [f"  coach practice --question {qid}" for qid in report["next"]]
    return "\n".join(lines)


# adding and linking


def parse_outline(text: str, title: str | None) -> tuple[str, str]:
    """Title and outline from typed text: the first line is the title unless one is given."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title and title.strip():
        outline = " ".join(lines)
        title = title.strip()
    elif lines:
        title, outline = lines[0], " ".join(lines[1:]) or lines[0]
    else:
        outline = ""
    if not outline or not title:
        raise InputError(
            "the story outline is empty",
            "type a title line and a few lines of outline (situation, what you did, result)",
        )
    return title, outline


def add_story(settings: Settings, title: str, outline: str) -> dict[str, Any]:
    """Store an outline; returns its story entry."""
    with open_store(settings.home) as store, store._transaction() as db:
        cursor = db.execute(
            "INSERT INTO stories (title, outline, created_at) VALUES (?, ?, ?)",
            (title, outline, now()),
        )
    story_id = f"s{cursor.lastrowid}"
    return {"id": story_id, "title": title, "signals": list(outline_signals(f"{title} {outline}"))}


def resolve_story(store: Store, reference: str) -> int:
    """The row id of an added story named ``s3`` or ``3``."""
    digits = reference.lower().removeprefix("s")
    row = (
        store.connection.execute("SELECT id FROM stories WHERE id = ?", (int(digits),)).fetchone()
        if digits.isdigit()
        else None
    )
    if row is None:
        raise InputError(
            f"no story {reference!r} in the story bank",
            "see the ids with `coach stories`, or note one with `coach stories add`",
        )
    return int(row[0])


def link_answers(store: Store, story_row: int, answer_ids: list[int]) -> None:
    with store._transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO story_attempts VALUES (?, ?, 'chosen')",
            [(answer_id, story_row) for answer_id in answer_ids],
        )


def practise_story(settings: Settings, options: Any, reference: str) -> dict[str, Any]:
    """Practise with answers linked to an added story; story rounds when none is chosen."""
    from coach.sessions.practice import Practice

    with open_store(settings.home) as store:
        story_row = resolve_story(store, reference)
        before = store.last_session_id() or 0
    if not options.question_ids and options.round is None:
        options = replace(options, round="behavioral", count=options.count or 1)
    if options.round is not None and options.round not in STORY_ROUNDS:
        raise InputError(
            f"--story needs a story round, not {options.round}",
            f"use --round {' or '.join(sorted(STORY_ROUNDS))}",
        )
    practice = Practice(settings, options)
    try:
        summary = practice.run()
    finally:
        _link_session(settings, story_row, before)
    return summary


def _link_session(settings: Settings, story_row: int, before: int) -> None:
    """Link the story answers of the session started after ``before`` to the story."""
    with open_store(settings.home) as store:
        session = store.last_session_id()
        if session is None or session <= before:
            return
        answers = [
            a.id
            for a in store.answers(session)
            if a.follow_up_of is None and a.round in STORY_ROUNDS
        ]
        if answers:
            link_answers(store, story_row, answers)
            print(f"Linked {len(answers)} answer(s) to story s{story_row} (`coach stories`).")
        elif store.answers(session):
            print(
                f"note: no answer to a story round ({', '.join(sorted(STORY_ROUNDS))}) in this "
                f"session, so none was linked to story s{story_row}",
                file=sys.stderr,
            )
