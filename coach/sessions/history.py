"""Progress over time: per-criterion score series, delivery trends, rounds practised."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from coach.sessions.store import AnswerRecord

SPARKS = "▁▂▃▄▅▆▇█"
DELIVERY_TRENDS = ("wpm", "fillers_per_min", "longest_pause_s")
DELIVERY_LABELS = {
    "wpm": "words per minute",
    "fillers_per_min": "fillers per minute",
    "longest_pause_s": "longest pause (s)",
}


def sparkline(values: list[float], top: float = 4.0) -> str:
    """One character per value, scaled from 0 to ``top``."""
    if not values:
        return ""
    scale = max(top, max(values)) or 1.0
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / scale * (len(SPARKS) - 1)))] for v in values)


def history(answers: list[AnswerRecord]) -> dict[str, Any]:
    """The ``coach history --json`` report, from scored answers oldest first."""
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    delivery: dict[str, list[float]] = defaultdict(list)
    rounds: Counter[str] = Counter()
    for answer in answers:
        if not answer.scorecard:
            continue
        rounds[answer.round] += 1
        for item in answer.scorecard["criteria"]:
            series[item["id"]].append(
                {
                    "answer_id": answer.id,
                    "at": answer.created_at,
                    "question_id": answer.question_id,
                    "level": answer.level,
                    "score": item["score"],
                    "scorer": answer.scorecard["scorer"],
                }
            )
        if answer.delivery and answer.delivery.get("talk_time_s"):  # spoken, not typed
            for key in DELIVERY_TRENDS:
                if key == "wpm" and not answer.delivery.get("wpm"):
                    continue  # too short for a pace figure
                delivery[key].append(float(answer.delivery.get(key, 0.0)))
    criteria = {
        criterion: {
            "series": points,
            "mean": round(sum(p["score"] for p in points) / len(points), 2),
            "latest": points[-1]["score"],
            "attempts": len(points),
        }
        for criterion, points in sorted(series.items())
    }
    weakest = min(criteria, key=lambda c: (criteria[c]["mean"], c)) if criteria else None
    return {
        "criteria": criteria,
        "delivery": dict(delivery),
        "rounds_practised": dict(sorted(rounds.items())),
        "answers_scored": sum(rounds.values()),
        "weakest_criterion": weakest,
    }


def render(report: dict[str, Any]) -> str:
    """A compact terminal table with a sparkline per criterion."""
    if not report["criteria"]:
        return "No scored answers yet: start with `coach practice`."
    lines = [f"{'criterion':<26} {'n':>3} {'mean':>5} {'last':>4}  trend (score 0-4)"]
    for criterion, row in report["criteria"].items():
        scores = [p["score"] for p in row["series"]]
        lines.append(
            f"{criterion:<26} {row['attempts']:>3} {row['mean']:>5.2f} {row['latest']:>4}  "
            f"{sparkline(scores)}"
        )
    delivery = {key: values for key, values in report["delivery"].items() if values}
    if delivery:
        header = f"{'delivery':<26} {'n':>3} {'mean':>5} {'last':>5}  trend (0 to the highest)"
        lines += ["", header]
    for key, values in delivery.items():
        lines.append(
            f"{DELIVERY_LABELS.get(key, key):<26} {len(values):>3} "
            f"{sum(values) / len(values):>5.1f} {values[-1]:>5.1f}  "
            f"{sparkline(values, top=max(values))}"
        )
    rounds = ", ".join(f"{r} {n}" for r, n in report["rounds_practised"].items())
    lines += [
        "",
        f"Rounds practised: {rounds}",
        f"Weakest criterion: {report['weakest_criterion']}",
    ]
    return "\n".join(lines)
