"""`coach history --html`: progress as pictures, in one self-contained page.

Per-criterion scores over time (with the bar at each level), words per minute and fillers
per minute against their bands, the rounds practised, and the replay queue with due dates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coach.sessions.html_page import Band, Chart, colours, esc, line_chart, page
from coach.sessions.store import AnswerRecord, ReplayItem, Store


def write_history_page(store: Store, out: Path, weak_below: float | None = None) -> Path:
    """Write the history page of every stored answer to ``out``; returns the path."""
    html_text = render_history(store.answers(), store.replay_queue(), store, weak_below)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text, encoding="utf-8")
    return out


def render_history(
    answers: list[AnswerRecord],
    queue: list[ReplayItem],
    store: Store | None = None,
    weak_below: float | None = None,
) -> str:
    from coach.rubrics import load_rubrics
    from coach.sessions.history import history

    report = history(answers)
    palette = colours(sorted(load_rubrics()))
    body = [
        '<header class="card"><h1>Your progress</h1>'
        f'<p class="meta">{report["answers_scored"]} answer(s) scored'
        + (
            f" · weakest criterion: {esc(report['weakest_criterion'])}"
            if report["weakest_criterion"]
            else ""
        )
        + "</p></header>",
        criteria_charts(report, palette, weak_below),
        delivery_charts(answers),
        rounds_table(report["rounds_practised"]),
        queue_section(queue, store),
    ]
    return page("coach: progress", "\n".join(body))


def criteria_charts(
    report: dict[str, Any], palette: dict[str, str], weak_below: float | None
) -> str:
    from coach.sessions.html_review import criterion_name

    if not report["criteria"]:
        return (
            '<section class="card"><h2>Scores per criterion</h2><p class="note">'
            "No scored answers yet: start with <code>coach practice</code>.</p></section>"
        )
    charts = []
    for cid, row in report["criteria"].items():
        points = row["series"]
        chart = Chart(
            title=f"{criterion_name(cid)} (0-4)",
            values=[p["score"] for p in points],
            labels=[f"{p['at'][:10]} {p['question_id']}" for p in points],
            y_max=4,
            colour=palette.get(cid, "#777"),
            rules=bar_rules(cid, weak_below),
            unit="/4",
        )
        charts.append(
            f'<div class="chart" data-crit="{esc(cid)}"><h4>{esc(criterion_name(cid))}</h4>'
            f'<p class="note">{row["attempts"]} answer(s), mean {row["mean"]:.2f}, '
            f"last {row['latest']}/4</p>{line_chart(chart)}</div>"
        )
    return (
        '<section class="card"><h2>Scores per criterion</h2>'
        '<p class="note">Oldest on the left; dashed lines are the bar at each level.</p>'
        f'<div class="charts">{"".join(charts)}</div></section>'
    )


def bar_rules(criterion_id: str, weak_below: float | None) -> list[tuple[float, str]]:
    from coach.rubrics import load_rubrics

    if weak_below is not None:
        return [(weak_below, f"bar {weak_below:g}")]
    rubric = load_rubrics().get(criterion_id)
    if rubric is None:
        return []
    by_value: dict[float, list[str]] = {}
    for level, bar in sorted(rubric.bar.items()):
        by_value.setdefault(float(bar), []).append(level)
    return [(value, f"{' and '.join(levels)} bar") for value, levels in by_value.items()]


def delivery_charts(answers: list[AnswerRecord]) -> str:
    from coach.audio.delivery import FILLERS_FLUENT, PACE_BAND

    spoken = [a for a in answers if a.delivery and a.delivery.get("talk_time_s")]
    if not spoken:
        return (
            '<section class="card"><h2>Delivery</h2><p class="note">No spoken answers yet: '
            "delivery figures come from recorded answers.</p></section>"
        )
    paced = [a for a in spoken if (a.delivery or {}).get("wpm")]
    pace = Chart(
        title="Words per minute",
        values=[float((a.delivery or {})["wpm"]) for a in paced],
        labels=[f"{a.created_at[:10]} {a.question_id}" for a in paced],
        y_max=max([200.0] + [float((a.delivery or {})["wpm"]) * 1.1 for a in paced]),
        band=Band(*PACE_BAND, f"comfortable: {PACE_BAND[0]:g}-{PACE_BAND[1]:g} wpm"),
        unit=" wpm",
    )
    filler_values = [float((a.delivery or {}).get("fillers_per_min", 0.0)) for a in spoken]
    fillers = Chart(
        title="Fillers per minute",
        values=filler_values,
        labels=[f"{a.created_at[:10]} {a.question_id}" for a in spoken],
        y_max=max([6.0] + [v * 1.1 for v in filler_values]),
        band=Band(0.0, FILLERS_FLUENT, f"fluent: under {FILLERS_FLUENT:g} a minute"),
        colour="#c0392b",
        unit="/min",
    )
    pace_html = (
        line_chart(pace) if paced else '<p class="note">No answer long enough for a pace.</p>'
    )
    return (
        '<section class="card"><h2>Delivery</h2><div class="charts">'
        f'<div class="chart" data-figure="wpm"><h4>Words per minute</h4>'
        f'<p class="note">the shaded band is {PACE_BAND[0]:g}-{PACE_BAND[1]:g} wpm</p>'
        f"{pace_html}</div>"
        f'<div class="chart" data-figure="fillers_per_min"><h4>Fillers per minute</h4>'
        f'<p class="note">the shaded band is under {FILLERS_FLUENT:g} a minute</p>'
        f"{line_chart(fillers)}</div></div></section>"
    )


def rounds_table(rounds: dict[str, int]) -> str:
    if not rounds:
        return ""
    top = max(rounds.values())
    rows = "".join(
        f'<tr class="round"><td>{esc(name)}</td><td class="num">{count}</td><td>'
        f'<svg viewBox="0 0 200 12" width="200" height="12" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{round(200 * count / top, 1)}" height="12" rx="3" fill="#1f6fb2"/></svg>'
        "</td></tr>"
        for name, count in rounds.items()
    )
    return (
        '<section class="card"><h2>Rounds practised</h2><table><thead><tr><th>round</th>'
        f"<th>answers</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def queue_section(queue: list[ReplayItem], store: Store | None) -> str:
    from coach.sessions.schedule import due_label

    if not queue:
        return (
            '<section class="card"><h2>Replay queue</h2>'
            '<p class="note">Nothing queued: no weak rounds.</p></section>'
        )
    rows = []
    for item in queue:
        last = store.answer(item.last_answer_id) if store else None
        question = last.question_text if last else item.question_id
        rows.append(
            f'<tr class="queued"><td>{esc(question)}<br><span class="note">'
            f"{esc(item.question_id)}</span></td><td class=\"num\">box {item.box}</td>"
            f"<td>{esc(due_label(item.due_at))}<br><span class=\"note\">{esc(item.due_at)}"
            f"</span></td><td>{esc(item.reason)}</td></tr>"
        )
    return (
        '<section class="card"><h2>Replay queue</h2><table><thead><tr><th>question</th>'
        "<th>box</th><th>due</th><th>why</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Practise the due ones with <code>coach replay</code>.</p></section>'
    )
