"""Read a session back: per-answer feedback transcripts, as JSON, text or Markdown."""

from __future__ import annotations

import re
from typing import Any

from coach.audio.words import Delivery
from coach.errors import DeviceError, InputError
from coach.rubrics.models import Scorecard
from coach.sessions.store import AnswerRecord, SessionRecord, Store


def resolve_session(store: Store, reference: str) -> SessionRecord:
    """The session named by ``last`` or its number."""
    if reference == "last":
        last = store.last_session_id()
        if last is None:
            raise InputError("there are no sessions yet", "start one with `coach practice`")
        reference = str(last)
    found = store.sessions(int(reference)) if reference.isdigit() else []
    if not found:
        raise InputError(f"no session {reference!r}", "list them with `coach sessions`")
    return found[0]


def answer_entry(answer: AnswerRecord) -> dict[str, Any]:
    return {
        "answer_id": answer.id,
        "question": {
            "id": answer.question_id,
            "text": answer.question_text,
            "round": answer.round,
            "level": answer.level,
        },
        "attempt": answer.attempt,
        "follow_up_of": answer.follow_up_of,
        "transcript": answer.transcript,
        "raw_transcript": answer.raw_transcript,
        "scorecard": answer.scorecard,
        "delivery": answer.delivery,
        "audio_path": answer.audio_path,
        "timings": answer.timings,
        "created_at": answer.created_at,
    }


def review(store: Store, reference: str = "last") -> dict[str, Any]:
    """The ``coach review --json`` report for one session."""
    session = resolve_session(store, reference)
    return {
        "session": {
            "id": session.id,
            "started_at": session.started_at,
            "ended_at": session.ended_at,
            "mode": session.mode,
        },
        "answers": [answer_entry(a) for a in store.answers(session.id)],
    }


def mark_transcript(raw: str, evidence: list[str], bold: tuple[str, str]) -> str:
    """The transcript with fillers in [brackets] and evidence quotes wrapped in ``bold``."""
    from coach.audio.words import is_filler

    marked = " ".join(f"[{word}]" if is_filler(word) else word for word in raw.split())
    for quote in sorted(set(evidence), key=len, reverse=True):
        pattern = re.compile(re.escape(quote), re.IGNORECASE)
        marked = pattern.sub(lambda m: f"{bold[0]}{m.group(0)}{bold[1]}", marked, count=1)
    return marked


def render(report: dict[str, Any], markdown: bool = False) -> str:
    """The report as terminal text or as Markdown."""
    bold = ("**", "**") if markdown else ("«", "»")
    heading = "## " if markdown else ""
    session = report["session"]
    lines = [
        f"{'# ' if markdown else ''}Session {session['id']} ({session['mode']}), "
        f"{session['started_at']}",
        "",
    ]
    if any(entry["raw_transcript"] or entry["transcript"] for entry in report["answers"]):
        lines += [
            f"In the transcripts, {bold[0]}a quote{bold[1]} is shown as evidence on the "
            "scorecard and [um] is a filler.",
            "",
        ]
    for number, entry in enumerate(report["answers"], start=1):
        question = entry["question"]
        lines.append(
            f"{heading}{number}. [{question['round']} {question['level']}] {question['text']}"
        )
        lines.append("")
        card = entry["scorecard"] or {}
        evidence = [q for item in card.get("criteria", []) for q in item.get("evidence", [])]
        transcript = entry["raw_transcript"] or entry["transcript"]
        lines.append(
            "> " + mark_transcript(transcript, evidence, bold) if transcript else "(no transcript)"
        )
        lines.append("")
        lines += scorecard_block(card, markdown)
        if entry["audio_path"]:
            lines.append(f"Recording: {entry['audio_path']}")
        lines.append("")
    return "\n".join(lines)


def scorecard_block(card: dict[str, Any], markdown: bool) -> list[str]:
    """The scorecard as text (fenced in Markdown), or a hint when it was never scored."""
    if not card:
        return ["Not scored yet: run `coach rescore`."]
    text = format_scorecard(Scorecard.model_validate(card))
    return ["```text", text, "```"] if markdown else [text]


def format_scorecard(card: Scorecard) -> str:
    """A scorecard as plain text for the terminal."""
    lines = [f"{card.question_id}  ({card.round}, {card.level})  scored by {card.scorer}"]
    if card.fallback_reason:
        lines.append(f"  fallback: {card.fallback_reason}")
    lines.append("")
    for item in card.criteria:
        lines.append(f"{item.id:<24} {item.score}/4")
        lines += [f'    "{quote}"' for quote in item.evidence]
        if item.feedback:
            lines.append(f"    {item.feedback}")
    lines += ["", f"overall     {card.overall:.2f}/4", f"summary     {card.summary}"]
    lines.append(f"next step   {card.next_step}")
    if card.follow_up:
        lines.append(f"follow-up   {card.follow_up}")
    if card.stronger_version:
        lines += ["", "a stronger version:", *_indent(card.stronger_version)]
    if card.delivery is not None and card.delivery.talk_time_s:
        lines += ["", f"delivery    {delivery_text(card.delivery)}"]
    return "\n".join(lines)


def delivery_text(d: Delivery) -> str:
    """Delivery figures, each against its reference band where known."""
    if d.bands:
        return "; ".join(d.bands.values())
    return (
        f"{d.wpm:.0f} wpm, {d.filler_count} fillers ({d.fillers_per_min:.1f}/min), "
        f"longest pause {d.longest_pause_s:.1f} s, talk time {d.talk_time_s:.0f} s"
    )


def _indent(text: str) -> list[str]:
    return [f"    {line}" for line in text.splitlines() if line.strip()]


def play_answer(report: dict[str, Any], number: int) -> None:
    """Play the recording of answer ``number`` (1-based) of the report."""
    from coach.audio.play import play_wav

    answers = report["answers"]
    if not 1 <= number <= len(answers):
        raise InputError(f"the session has no answer {number}", f"pick 1 to {len(answers)}")
    path = answers[number - 1]["audio_path"]
    if not path:
        raise InputError(f"answer {number} was typed, not recorded", "pick a spoken answer")
    print(f"Playing {path}")
    try:
        play_wav(path)
    except DeviceError as error:
        raise DeviceError(
            error.problem,
            f"{error.fix}; or open {path} in any audio player, or write a page with the "
            "recordings to listen in a browser: `coach review --html review.html`",
        ) from error
