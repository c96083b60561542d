"""`coach review --html`: one self-contained page to read and hear a session's feedback.

Per answer: the question, the recording (linked relative to the page, or embedded), the
transcript with every timed word clickable (it seeks the recording), fillers marked, long
pauses shown as gaps, each criterion's evidence underlined in its colour; the scores
against the bar for the level, delivery against its bands, the stronger version and the
scorer. The header sums up the criteria and shows what is queued for replay.
"""

from __future__ import annotations

import base64
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from coach.audio.words import is_filler, plain
from coach.sessions.html_page import Band, colours, esc, gauge, page
from coach.sessions.store import ReplayItem, Store


@dataclass(frozen=True)
class ReviewPageOptions:
    """How `coach review --html` writes its page."""

    embed_audio: bool = False
    """Put each recording inside the page (a data: URI) instead of linking to its file."""
    weak_below: float | None = None
    """One bar for every criterion and level (the ``weak_below`` setting); else the rubric's."""


@dataclass(frozen=True)
class Token:
    """One word of a transcript as shown: timed when it was spoken, untimed when typed."""

    text: str
    start: float | None = None
    end: float | None = None
    filler: bool = False


def write_review_page(
    store: Store, reference: str, out: Path, options: ReviewPageOptions | None = None
) -> Path:
    """Write the review page of session ``reference`` to ``out``; returns the path."""
    from coach.sessions.review import review

    options = options or ReviewPageOptions()
    report = review(store, reference)
    words = {a.id: a.words for a in store.answers(report["session"]["id"])}
    html_text = render_review(report, words, store.replay_queue(), out.parent, options)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text, encoding="utf-8")
    return out


def render_review(
    report: dict[str, Any],
    words: dict[int, list[dict[str, Any]] | None],
    queue: list[ReplayItem],
    page_dir: Path,
    options: ReviewPageOptions,
) -> str:
    """The page for a ``coach review --json`` report (plus each answer's timed words)."""
    from coach.rubrics import load_rubrics

    palette = colours(sorted(load_rubrics()))
    session = report["session"]
    answers = report["answers"]
    body = [session_header(report, queue, palette, options)]
    for number, entry in enumerate(answers, start=1):
        body.append(
            answer_section(number, entry, words.get(entry["answer_id"]), palette, page_dir, options)
        )
    title = f"coach: session {session['id']} review"
    return page(title, "\n".join(body), script="review.js")


# the session header


def bar_for(criterion_id: str, level: str, weak_below: float | None) -> float | None:
    from coach.rubrics import load_rubrics

    if weak_below is not None:
        return weak_below
    rubric = load_rubrics().get(criterion_id)
    return float(rubric.bar[level]) if rubric and level in rubric.bar else None


def criterion_name(criterion_id: str) -> str:
    from coach.rubrics import load_rubrics

    rubric = load_rubrics().get(criterion_id)
    return rubric.name if rubric else criterion_id


def session_header(
    report: dict[str, Any],
    queue: list[ReplayItem],
    palette: dict[str, str],
    options: ReviewPageOptions,
) -> str:
    session = report["session"]
    answers = report["answers"]
    scorers = sorted({e["scorecard"]["scorer"] for e in answers if e["scorecard"]})
    meta = (
        f"{esc(session['started_at'])} · {esc(session['mode'])} · {len(answers)} answer(s)"
        f" · scored by {esc(', '.join(scorers) or 'nobody yet')}"
    )
    return (
        f'<header class="card"><h1>Session {esc(session["id"])} review</h1>'
        f'<p class="meta">{meta}</p>'
        f"<h3>Criteria this session</h3>{summary_table(answers, palette, options)}"
        f"<h3>Queued for replay</h3>{queue_table(queue, answers)}</header>"
    )


def summary_table(
    answers: list[dict[str, Any]], palette: dict[str, str], options: ReviewPageOptions
) -> str:
    scores: dict[str, list[int]] = defaultdict(list)
    met: dict[str, int] = defaultdict(int)
    for entry in answers:
        card = entry["scorecard"] or {}
        for item in card.get("criteria", []):
            scores[item["id"]].append(item["score"])
            bar = bar_for(item["id"], card.get("level", ""), options.weak_below)
            met[item["id"]] += int(bar is None or item["score"] >= bar)
    if not scores:
        return '<p class="note">No scored answers yet: run <code>coach rescore</code>.</p>'
    rows = []
    for cid, values in sorted(scores.items()):
        mean = sum(values) / len(values)
        verdict = "ok" if met[cid] == len(values) else "low"
        rows.append(
            f'<tr class="criterion-row" data-crit="{esc(cid)}"><td>'
            f'<span class="swatch" style="--c:{palette.get(cid, "#777")}"></span>'
            f"{esc(criterion_name(cid))}</td><td class=\"num\">{len(values)}</td>"
            f'<td class="num">{mean:.1f}/4</td>'
            f'<td class="num {verdict}">{met[cid]} of {len(values)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>criterion</th><th>answers</th><th>mean</th>"
        f"<th>at or above the bar</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def queue_table(queue: list[ReplayItem], answers: list[dict[str, Any]]) -> str:
    from coach.sessions.schedule import due_label

    if not queue:
        return '<p class="note">Nothing queued: no weak rounds.</p>'
    this_session = {e["answer_id"] for e in answers}
    rows = []
    for item in queue:
        mark = " (this session)" if item.last_answer_id in this_session else ""
        rows.append(
            f'<tr class="queued"><td>{esc(item.question_id)}{mark}</td>'
            f'<td class="num">box {item.box}</td><td>{esc(due_label(item.due_at))}'
            f'<br><span class="note">{esc(item.due_at)}</span></td><td>{esc(item.reason)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>question</th><th>box</th><th>due</th><th>why</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Practise them with <code>coach replay</code>.</p>'
    )


# one answer


def answer_section(
    number: int,
    entry: dict[str, Any],
    timed_words: list[dict[str, Any]] | None,
    palette: dict[str, str],
    page_dir: Path,
    options: ReviewPageOptions,
) -> str:
    question = entry["question"]
    card = entry["scorecard"] or {}
    follow = " · follow-up" if entry["follow_up_of"] else ""
    tokens = tokens_of(entry, timed_words)
    evidence = evidence_marks(tokens, card.get("criteria", []))
    parts = [
        f'<section class="answer card" id="answer-{number}" data-answer-id="{entry["answer_id"]}">',
        f"<h2>{number}. {esc(question['text'])}</h2>",
        f'<p class="meta">{esc(question["round"])} · {esc(question["level"])} · '
        f"attempt {esc(entry['attempt'])}{follow} · {esc(entry['created_at'])}</p>",
        recording(entry.get("audio_path"), page_dir, options.embed_audio),
        "<h3>What you said</h3>",
        criterion_chips(card, palette),
        transcript_html(tokens, evidence, palette),
        quote_panels(card, palette),
        scores_html(card, palette, options),
        delivery_html(entry.get("delivery")),
    ]
    if card.get("stronger_version"):
        parts.append(
            "<h3>A stronger version</h3>"
            f'<pre class="stronger">{esc(card["stronger_version"])}</pre>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def recording(audio_path: str | None, page_dir: Path, embed: bool) -> str:
    if not audio_path:
        return '<p class="note">Typed answer: no recording.</p>'
    path = Path(audio_path)
    if not path.is_file():
        return f'<p class="note">The recording is missing: {esc(audio_path)}</p>'
    return f'<audio controls preload="metadata" src="{esc(audio_source(path, page_dir, embed))}">' \
        "</audio>"


def audio_source(path: Path, page_dir: Path, embed: bool) -> str:
    """A data: URI of the WAV, or its path relative to the page's folder."""
    if embed:
        return "data:audio/wav;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    try:
        relative = os.path.relpath(path.resolve(), page_dir.resolve())
    except ValueError:  # another drive on Windows
        return path.resolve().as_uri()
    return quote(relative.replace(os.sep, "/"))


def tokens_of(entry: dict[str, Any], timed_words: list[dict[str, Any]] | None) -> list[Token]:
    """The answer's words: timed from the recording, else the typed transcript's words."""

    if timed_words:
        return [
            Token(w["word"].strip(), float(w["start"]), float(w["end"]), is_filler(w["word"]))
            for w in timed_words
            if w["word"].strip()
        ]
    text = entry["raw_transcript"] or entry["transcript"] or ""
    return [Token(word, filler=is_filler(word)) for word in text.split()]


def folded(text: str) -> str:
    """Letters and digits only, lower case: how a quote's words are matched to the words."""
    return "".join(plain(text).split())


def find_quote(tokens: list[Token], quote_text: str) -> range | None:
    """The tokens a quote covers: matched on letters and digits alone, fillers skipped."""

    wanted = "".join(folded(w) for w in quote_text.split() if not is_filler(w))
    if not wanted:
        return None
    joined, owner = "", []
    for index, token in enumerate(tokens):
        if token.filler:
            continue
        piece = folded(token.text)
        joined += piece
        owner += [index] * len(piece)
    at = joined.find(wanted)
    if at < 0:
        return None
    return range(owner[at], owner[at + len(wanted) - 1] + 1)


def evidence_marks(tokens: list[Token], criteria: list[dict[str, Any]]) -> list[list[str]]:
    """For each token, the criteria whose evidence quotes cover it."""
    marks: list[list[str]] = [[] for _ in tokens]
    for item in criteria:
        for quote_text in item.get("evidence", []):
            span = find_quote(tokens, quote_text)
            for index in span or ():
                if item["id"] not in marks[index]:
                    marks[index].append(item["id"])
    return marks


def transcript_html(tokens: list[Token], marks: list[list[str]], palette: dict[str, str]) -> str:
    from coach.audio.delivery import LONG_PAUSE_S

    if not tokens:
        return '<p class="transcript note">(nothing was heard)</p>'
    out = []
    previous_end: float | None = None
    for token, criteria in zip(tokens, marks, strict=True):
        if token.start is not None and previous_end is not None:
            pause = token.start - previous_end
            if pause > LONG_PAUSE_S:
                out.append(
                    f'<span class="gap" title="a pause of {pause:.1f} s">{pause:.1f} s pause</span>'
                )
        previous_end = token.end if token.end is not None else previous_end
        classes = ["w"] + (["filler"] if token.filler else []) + (["ev"] if criteria else [])
        attributes = f'class="{" ".join(classes)}"'
        if token.start is not None:
            attributes += f' data-start="{token.start:.2f}" data-end="{token.end:.2f}"'
            attributes += f' title="{token.start:.1f} s"'
        if criteria:
            colour = palette.get(criteria[0], "#777")
            attributes += f' data-crit="{esc(" ".join(criteria))}" style="--c:{colour}"'
        out.append(f"<span {attributes}>{esc(token.text)}</span>")
    return f'<p class="transcript">{" ".join(out)}</p>'


def criterion_chips(card: dict[str, Any], palette: dict[str, str]) -> str:
    criteria = card.get("criteria", [])
    if not criteria:
        return ""
    chips = "".join(
        f'<button type="button" class="chip" data-crit="{esc(item["id"])}" '
        f'style="--c:{palette.get(item["id"], "#777")}">{esc(criterion_name(item["id"]))} '
        f'{item["score"]}/4</button>'
        for item in criteria
    )
    return f'<div class="chips" title="hover or click to see the evidence">{chips}</div>'


def quote_panels(card: dict[str, Any], palette: dict[str, str]) -> str:
    panels = []
    for item in card.get("criteria", []):
        quotes = "".join(f"<li>“{esc(q)}”</li>" for q in item.get("evidence", []))
        listing = f"<ul>{quotes}</ul>" if quotes else '<p class="note">No quotes for this one.</p>'
        panels.append(
            f'<div class="quotes" data-crit="{esc(item["id"])}" hidden '
            f'style="--c:{palette.get(item["id"], "#777")}"><strong>'
            f"{esc(criterion_name(item['id']))}</strong>{listing}</div>"
        )
    return "".join(panels)


def scale(score: int, bar: float | None, colour: str) -> str:
    cells = []
    for value in range(1, 5):
        classes = (["fill"] if value <= score else []) + (["bar"] if bar == value else [])
        cells.append(f'<i class="{" ".join(classes)}"></i>')
    return f'<span class="scale" style="--c:{colour}">{"".join(cells)}</span>'


def scores_html(card: dict[str, Any], palette: dict[str, str], options: ReviewPageOptions) -> str:
    if not card:
        return '<p class="note">Not scored yet: run <code>coach rescore</code>.</p>'
    rows = []
    for item in card["criteria"]:
        bar = bar_for(item["id"], card["level"], options.weak_below)
        colour = palette.get(item["id"], "#777")
        verdict = (
            "" if bar is None
            else f'<span class="ok">meets the {card["level"]} bar ({bar:g})</span>'
            if item["score"] >= bar
            else f'<span class="low">below the {card["level"]} bar ({bar:g})</span>'
        )
        rows.append(
            f'<tr class="score" data-crit="{esc(item["id"])}"><td>'
            f'<span class="swatch" style="--c:{colour}"></span>{esc(criterion_name(item["id"]))}'
            f'</td><td class="num">{scale(item["score"], bar, colour)} {item["score"]}/4<br>'
            f"{verdict}</td><td>{esc(item.get('feedback', ''))}</td></tr>"
        )
    fallback = (
        f'<p class="note">LLM judge not used: {esc(card["fallback_reason"])}</p>'
        if card.get("fallback_reason")
        else ""
    )
    follow = card.get("follow_up")
    follow_html = f"<p><strong>Follow-up:</strong> {esc(follow)}</p>" if follow else ""
    return (
        f"<h3>Scores</h3><table><tbody>{''.join(rows)}</tbody></table>"
        f'<p><strong>Overall:</strong> {card["overall"]:.2f}/4 · '
        f'<span class="scorer">scored by {esc(card["scorer"])}</span></p>{fallback}'
        f"<p><strong>Summary:</strong> {esc(card['summary'])}</p>"
        f"<p><strong>Next step:</strong> {esc(card['next_step'])}</p>{follow_html}"
    )


def delivery_html(delivery: dict[str, Any] | None) -> str:
    """Each delivery figure on a small scale with its band shaded, and the band's verdict."""
    from coach.audio.delivery import FILLERS_FLUENT, LONG_PAUSE_S, PACE_BAND

    if not delivery or not delivery.get("talk_time_s"):
        return ""
    bands = delivery.get("bands", {})
    rows = []
    if delivery.get("wpm"):
        pace = Band(*PACE_BAND, f"{PACE_BAND[0]:g}-{PACE_BAND[1]:g} wpm")
        rows.append(("pace", delivery["wpm"], pace, 220.0, " wpm", "wpm"))
    rows.append(
        (
            "fillers",
            delivery.get("fillers_per_min", 0.0),
            Band(0.0, FILLERS_FLUENT, f"under {FILLERS_FLUENT:g} a minute"),
            max(8.0, delivery.get("fillers_per_min", 0.0)),
            "/min",
            "fillers_per_min",
        )
    )
    rows.append(
        (
            "longest pause",
            delivery.get("longest_pause_s", 0.0),
            Band(0.0, LONG_PAUSE_S, f"up to {LONG_PAUSE_S:g} s"),
            max(4.0, delivery.get("longest_pause_s", 0.0)),
            " s",
            "longest_pause_s",
        )
    )
    budget = delivery.get("budget_s")
    if budget:
        talk = delivery["talk_time_s"]
        rows.append(
            ("talk time", talk, Band(budget / 2, budget, f"{budget / 2:.0f}-{budget:.0f} s"),
             max(budget * 1.3, talk), " s", "talk_time_s")
        )
    lines = [
        f'<tr class="delivery" data-figure="{key}"><td>{label}</td>'
        f'<td>{gauge(round(float(value), 1), band, top, "#1d2330", unit)}</td>'
        f"<td>{esc(bands.get(key, f'{value:g}{unit}'))}</td></tr>"
        for label, value, band, top, unit, key in rows
    ]
    if not delivery.get("wpm") and "wpm" in bands:
        lines.insert(0, f'<tr class="delivery" data-figure="wpm"><td>pace</td><td></td>'
                        f"<td>{esc(bands['wpm'])}</td></tr>")
    return f"<h3>Delivery</h3><table><tbody>{''.join(lines)}</tbody></table>"
