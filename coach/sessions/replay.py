"""`coach replay`: the queued weak rounds asked again, beside the previous attempt.

Which rounds are queued, and when they are due, is decided in
:mod:`coach.sessions.schedule`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from coach.config import Settings
from coach.questions import Question, load_questions
from coach.sessions.practice import Answered, Practice, PracticeOptions
from coach.sessions.schedule import due_items, due_label
from coach.sessions.store import Store, open_store

if TYPE_CHECKING:
    from coach.audio.speak import Speaker


def queue_report(settings: Settings) -> list[dict[str, Any]]:
    """The ``coach replay --list --json`` rows: each queued round and why it is weak."""
    with open_store(settings.home, write=False) as store:
        rows = []
        for item in store.replay_queue():
            last = store.answer(item.last_answer_id)
            card = (last.scorecard if last else None) or {}
            rows.append(
                {
                    "question_id": item.question_id,
                    "round": last.round if last else None,
                    "level": last.level if last else None,
                    "question": last.question_text if last else None,
                    "box": item.box,
                    "due_at": item.due_at,
                    "due": due_label(item.due_at),
                    "reason": item.reason,
                    "last_answer_id": item.last_answer_id,
                    "last_scores": {c["id"]: c["score"] for c in card.get("criteria", [])},
                }
            )
    return rows


def render_queue(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "Nothing queued for replay: no weak rounds yet."
    lines = []
    for row in rows:
        lines.append(f"{row['question_id']:<28} box {row['box']}  {row['due']:<16} {row['reason']}")
    return "\n".join(lines)


class Replay(Practice):
    """Practice over queued questions, showing the previous attempt and the change."""

    def ask(
        self,
        store: Store,
        session_id: int,
        question: Question,
        speaker: Speaker,
        follow_up_of: int | None = None,
    ) -> Answered | None:
        queued = store.replay_item(question.id)
        previous = store.answer(queued.last_answer_id) if queued else None
        if previous and previous.scorecard and follow_up_of is None:
            self.say(f"Last time ({previous.created_at}): " + scores_text(previous.scorecard))
            if previous.transcript:
                self.say(f"You said: {previous.transcript}")
            if self.options.listen and previous.audio_path:
                self._play(previous.audio_path)
        answered = super().ask(store, session_id, question, speaker, follow_up_of)
        if previous and previous.scorecard and answered and answered.card:
            self.say("Change since last time: " + change_text(previous.scorecard, answered.card))
        return answered

    def _play(self, audio_path: str) -> None:
        from coach.audio.play import play_wav
        from coach.errors import CoachError

        try:
            play_wav(audio_path)
        except CoachError as error:
            self.notice(f"cannot play the previous answer: {error}")


def scores_text(card: dict[str, Any]) -> str:
    return ", ".join(f"{c['id']} {c['score']}/4" for c in card.get("criteria", []))


def change_text(before: dict[str, Any], after: dict[str, Any]) -> str:
    old = {c["id"]: c["score"] for c in before.get("criteria", [])}
    parts = []
    for item in after.get("criteria", []):
        if item["id"] in old:
            delta = item["score"] - old[item["id"]]
            parts.append(f"{item['id']} {old[item['id']]} → {item['score']} ({delta:+d})")
    return ", ".join(parts)


def run_replay(settings: Settings, options: PracticeOptions, limit: int | None = None) -> None:
    """Ask the due questions again (the most overdue first)."""
    with open_store(settings.home) as store:
        due = due_items(store)
        upcoming = store.replay_queue()
    if not due:
        later = (
            f" Next: {upcoming[0].question_id}, {due_label(upcoming[0].due_at)}."
            if upcoming
            else ""
        )
        print(f"Nothing is due for replay.{later}")
        return
    bank = {q.id: q for q in load_questions(settings.home)}
    questions = [bank[i.question_id] for i in due if i.question_id in bank][:limit]
    missing = [i.question_id for i in due if i.question_id not in bank]
    if missing:
        print(f"note: skipping questions no longer in the bank: {', '.join(missing)}")
    if questions:
        Replay(settings, replace(options, mode="replay")).run(questions)
