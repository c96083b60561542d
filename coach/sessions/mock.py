"""A full mock loop: one question per round in the order of the loop, then a readiness report.

The loop for the level and kind of company comes from ``coach/loops.toml``. Each round
shows its length and focus, asks one question within its time budget, asks the
follow-up probe, and offers a break before the next round. The loop is a session
(mode ``mock``) like any other, so ``coach review`` reads it back; its questions are
stored when it starts, so an interrupted loop (Ctrl-C, or typed answers running out)
continues with ``coach mock --resume`` from the first round without a scored answer.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from coach.config import Settings
from coach.errors import InputError
from coach.loops import Loop, loop_for
from coach.questions import Question, find_question, load_questions
from coach.sessions import readiness
from coach.sessions.practice import Practice, PracticeOptions
from coach.sessions.store import Store, now, open_store

if TYPE_CHECKING:
    from coach.audio.speak import Speaker

MOCK_MODE = "mock"


@dataclass(frozen=True)
class MockOptions:
    """Which loop to run: level and kind of company, or a stored plan's; or resume one."""

    level: str | None = None
    company_kind: str | None = None
    """``product_ml`` (the default), ``ai_lab`` or ``startup``."""
    plan: str | None = None
    """Take level, kind and preferred questions from this plan (``coach plan``)."""
    resume: bool = False
    breaks: bool = True
    """Offer a break between rounds (waits for Enter when interactive)."""


@dataclass(frozen=True)
class MockState:
    session_id: int
    level: str
    company_kind: str
    items: list[dict[str, Any]]


def pick_loop_questions(
    bank: list[Question], loop: Loop, last_asked: dict[str, str], preferred: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """One question per round, preferred (plan) questions first, then the least recently asked."""
    chosen: list[dict[str, Any]] = []
    for item in loop.rounds:
        taken = {c["question_id"] for c in chosen}
        pool = [q for q in bank if q.round == item.round and q.id not in taken]
        at_level = [q for q in pool if q.level == loop.level]
        pool = random.sample(at_level or pool, len(at_level or pool))
        if not pool:
            raise InputError(f"no question in the bank for the {item.round} round", "add one")
        best = min(pool, key=lambda q: (q.id not in preferred, last_asked.get(q.id, "")))
        chosen.append(
            {
                "round": item.round,
                "question_id": best.id,
                "minutes": item.minutes,
                "focus": item.focus,
            }
        )
    return chosen


def start_loop(
    settings: Settings,
    store: Store,
    options: MockOptions,
    mode: str,
    check: Callable[[int], None] = lambda rounds: None,
) -> MockState:
    """Choose the loop's questions and store them with a new session, once ``check`` (given
    the number of rounds) has not refused them: a refused loop leaves no session behind."""
    level, kind, preferred = options.level, options.company_kind, ()
    if options.plan:
        from coach.plan import load_plan

        plan = load_plan(store, options.plan)
        if not plan["in_scope"]:
            raise InputError(f"plan {options.plan!r} is out of scope", "use an ML posting's plan")
        level, kind = level or plan["level"], kind or plan["company_kind"]
        preferred = tuple(plan["questions"])
    if level is None:
        raise InputError("a mock loop needs a level", "give --level L4 or --level L5")
    loop = loop_for(kind or "product_ml", level)
    items = pick_loop_questions(load_questions(settings.home), loop, store.last_asked(), preferred)
    check(len(items))
    session_id = store.start_session(mode)
    with store._transaction() as db:
        db.execute(
            "INSERT INTO mock_loops (session_id, level, company_kind, questions_json) "
            "VALUES (?, ?, ?, ?)",
            (session_id, level, loop.kind, json.dumps(items)),
        )
    return MockState(session_id, level, loop.kind, items)


def unfinished_loop(store: Store) -> MockState:
    row = store.connection.execute(
        "SELECT * FROM mock_loops WHERE finished_at IS NULL ORDER BY session_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise InputError("there is no unfinished mock loop to resume", "start one with coach mock")
    items = json.loads(row["questions_json"])
    return MockState(row["session_id"], row["level"], row["company_kind"], items)


def check_resumed(state: MockState, mock: MockOptions) -> None:
    """Refuse to resume a loop other than the one the options ask for."""
    asked = {
        "--level": (mock.level, state.level),
        "--kind": (mock.company_kind, state.company_kind),
    }
    for flag, (wanted, stored) in asked.items():
        if wanted is not None and wanted != stored:
            raise InputError(
                f"the unfinished mock loop {state.session_id} is {stored}, not {wanted}",
                f"resume it without {flag}, or start a new loop without --resume",
            )
    if mock.plan:
        raise InputError(
            "--resume continues the stored loop and takes no --plan",
            "drop --plan, or start a new loop from the plan without --resume",
        )


def scored_rounds(store: Store, state: MockState) -> set[str]:
    """Question ids of the loop already answered and scored (follow-ups not counted)."""
    return {
        a.question_id
        for a in store.answers(state.session_id)
        if a.follow_up_of is None and a.scorecard is not None
    }


class MockLoop(Practice):
    """The practice loop, one round at a time, with round headers and breaks."""

    input_ended = False
    """Typed answers ran out (possibly in a follow-up): pause before the next round."""

    def _typed_answer(self) -> str | None:
        text = super()._typed_answer()
        self.input_ended = self.input_ended or text is None
        return text

    def run_loop(self, mock: MockOptions) -> dict[str, Any]:
        """Run (or resume) the loop: the report, or ``paused`` when answers ran out."""
        self._check_inputs()
        with open_store(self.settings.home) as store:
            if mock.resume:
                state = unfinished_loop(store)
                check_resumed(state, mock)
            else:
                state = start_loop(self.settings, store, mock, MOCK_MODE, self._check_loop_audio)
                self._note_left_unfinished(store, state.session_id)
            done = scored_rounds(store, state)
            todo = [i for i in state.items if i["question_id"] not in done]
            self._check_loop_audio(len(todo))
            self._prepare_listening()
            speaker = self._speaker()
            bank = load_questions(self.settings.home)
            if done:
                self.say(f"Resuming mock loop {state.session_id}: {len(done)} round(s) done.")
            try:
                finished = self._rounds(store, state, todo, bank, speaker, mock.breaks)
            except KeyboardInterrupt:
                self.progress(f"mock loop {state.session_id} paused; continue: coach mock --resume")
                raise
            finally:
                store.end_session(state.session_id)
            if not finished:
                self.say(f"\nMock loop {state.session_id} paused; continue: coach mock --resume")
                answered = len(scored_rounds(store, state))
                return {"session": state.session_id, "level": state.level, "paused": True,
                        "rounds_done": answered, "rounds_total": len(state.items)}  # fmt: skip
            return self._report(store, state, bank)

    def _check_loop_audio(self, rounds: int) -> None:
        """One file per round, two with follow-up probes (the probe has its own answer)."""
        files = len(self.options.answer_audio)
        per_round = 2 if self.options.follow_ups else 1
        if files and files < rounds * per_round:
            probes = " and one per follow-up probe" if per_round == 2 else ""
            raise InputError(
                f"{rounds} round(s) to answer{probes} but {files} --answer-audio file(s)",
                f"give {rounds * per_round} files"
                + (", or add --no-follow-ups" if per_round == 2 else ""),
            )

    def _note_left_unfinished(self, store: Store, new_session: int) -> None:
        """Say that the new loop replaces the unfinished one as the one --resume continues."""
        row = store.connection.execute(
            "SELECT session_id FROM mock_loops WHERE finished_at IS NULL AND session_id != ? "
            "ORDER BY session_id DESC LIMIT 1",
            (new_session,),
        ).fetchone()
        if row is not None:
            self.notice(
                f"mock loop {row[0]} stays unfinished (its answers are kept, `coach review "
                f"{row[0]}`); --resume will continue the new loop"
            )

    def _rounds(
        self,
        store: Store,
        state: MockState,
        todo: list[dict[str, Any]],
        bank: list[Question],
        speaker: Speaker,
        breaks: bool,
    ) -> bool:
        total = len(state.items)
        for item in todo:
            number = state.items.index(item) + 1
            question = find_question(bank, item["question_id"])
            minutes = f", a {item['minutes']}-minute round" if item["minutes"] else ""
            self.say(f"\nRound {number} of {total}: {item['round']}{minutes}")
            self.say(f"It probes {item['focus']}.")
            budget = question.time_budget_s
            self.say(f"Answer budget: {budget // 60}m{budget % 60:02d}s")
            if self.ask(store, state.session_id, question, speaker) is None or self.input_ended:
                return False
            if breaks and number < total:
                self._break(number + 1, total)
        return True

    def _break(self, next_number: int, total: int) -> None:
        self.say(
            f"\nBreak before round {next_number} of {total}: stand up, drink some water. "
            "(Ctrl-C stops here; `coach mock --resume` continues.)"
        )
        if self.reader.interactive and not self.options.typed:
            self.say("Press Enter to start the next round.")
            self.reader.get()

    def _report(self, store: Store, state: MockState, bank: list[Question]) -> dict[str, Any]:
        report = readiness.readiness(
            state.session_id,
            state.level,
            state.company_kind,
            state.items,
            store.answers(state.session_id),
            bank,
            store.last_asked(),
        )
        with store._transaction() as db:
            db.execute(
                "UPDATE mock_loops SET finished_at = ?, report_json = ? WHERE session_id = ?",
                (now(), json.dumps(report), state.session_id),
            )
        return report


def run_mock(
    settings: Settings, options: PracticeOptions, mock: MockOptions, quiet: bool = False
) -> dict[str, Any]:
    """Run or resume a mock loop; with ``quiet`` the conversation goes to stderr."""
    follow_ups = options.follow_ups
    if follow_ups is None:
        follow_ups = not options.answer_audio  # files are one per round unless asked
    options = replace(options, follow_ups=follow_ups, mode=MOCK_MODE)
    loop = MockLoop(settings, options, out=sys.stderr if quiet else None)
    return loop.run_loop(mock)


def stored_report(settings: Settings, reference: str) -> dict[str, Any]:
    """The readiness report of a finished mock loop (``last`` or a session number)."""
    with open_store(settings.home) as store:
        if reference == "last":
            row = store.connection.execute(
                "SELECT report_json FROM mock_loops WHERE report_json IS NOT NULL "
                "ORDER BY session_id DESC LIMIT 1"
            ).fetchone()
        else:
            row = store.connection.execute(
                "SELECT report_json FROM mock_loops WHERE session_id = ? AND report_json "
                "IS NOT NULL",
                (int(reference) if reference.isdigit() else -1,),
            ).fetchone()
    if row is None:
        raise InputError(
            f"no finished mock loop {reference!r}", "finish one with coach mock (or --resume)"
        )
    report: dict[str, Any] = json.loads(row[0])
    return report
