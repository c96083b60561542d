"""The readiness report at the end of a mock loop, built from the stored scorecards.

Per round: whether the answer meets the bar at the loop's level (every criterion
scored at or above the rubric's bar), with the evidence. Then which of the guides'
failure modes showed up (``coach/rubrics/failure_modes.toml``), for L5 where an
answer reads as L4 and what the L5 description asks for, and three questions to
practise next.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import RubricError
from coach.questions import Question
from coach.sessions.store import AnswerRecord

NEXT_COUNT = 3


class FailureMode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str
    criterion: str
    below: int | Literal["bar"]
    rounds: tuple[str, ...] = Field(min_length=1)
    phrases: tuple[str, ...] = ()
    needs_phrase: bool = False
    fix: str
    sources: tuple[str, ...] = Field(min_length=1)


class FailureModes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    failure_mode: tuple[FailureMode, ...]


@cache
def load_failure_modes() -> tuple[FailureMode, ...]:
    from coach.rubrics import load_rubrics

    origin = "coach/rubrics/failure_modes.toml"
    text = resources.files("coach.rubrics").joinpath("failure_modes.toml").read_text("utf-8")
    try:
        modes = FailureModes.model_validate(tomllib.loads(text)).failure_mode
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise RubricError(f"{origin} is malformed: {error}", "fix that file") from error
    unknown = {m.criterion for m in modes} - set(load_rubrics())
    if unknown:
        raise RubricError(f"{origin} names unknown criteria {sorted(unknown)}", "fix it")
    return modes


def bar_of(criterion: str, level: str) -> int:
    from coach.rubrics import load_rubrics

    return int(load_rubrics()[criterion].bar[level])  # type: ignore[index]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def sentence_with(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first sentence of ``text`` (verbatim) that holds one of the phrases."""
    for sentence in sentences(text):
        lowered = sentence.lower()
        if any(re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", lowered) for p in phrases):
            return sentence
    return None


# one round


def round_entry(item: dict[str, Any], answer: AnswerRecord | None, level: str) -> dict[str, Any]:
    """Whether the round's answer meets the bar at ``level``, with the evidence."""
    entry: dict[str, Any] = {
        "round": item["round"],
        "question_id": item["question_id"],
        "answer_id": answer.id if answer else None,
        "meets_bar": False,
        "overall": None,
        "scorer": None,
        "evidence": [],
        "shortfalls": [],
    }
    card = (answer.scorecard if answer else None) or {}
    if not card:
        entry["evidence"] = ["not answered"]
        return entry
    entry["overall"] = card.get("overall")
    entry["scorer"] = card.get("scorer")
    if not (answer and (answer.transcript or "").strip()):
        entry["evidence"] = ["no answer detected"]
        return entry
    for criterion in card.get("criteria", []):
        bar = bar_of(criterion["id"], level)
        quotes = criterion.get("evidence") or []
        said = f'"{quotes[0]}"' if quotes else "nothing in the answer supports it"
        line = f"{criterion['id']} {criterion['score']}/4 (bar {bar}): {said}"
        entry["evidence"].append(line)
        if criterion["score"] < bar:
            entry["shortfalls"].append(criterion["id"])
    entry["meets_bar"] = not entry["shortfalls"]
    return entry


def l4_readings(item: dict[str, Any], card: dict[str, Any]) -> list[dict[str, Any]]:
    """Criteria of an L5 answer that meet the L4 bar but not the L5 one, and what L5 asks."""
    from coach.rubrics import load_rubrics

    rubrics = load_rubrics()
    found = []
    for criterion in card.get("criteria", []):
        rubric = rubrics[criterion["id"]]
        if rubric.bar["L4"] <= criterion["score"] < rubric.bar["L5"]:
            found.append(
                {
                    "round": item["round"],
                    "question_id": item["question_id"],
                    "criterion": criterion["id"],
                    "score": criterion["score"],
                    "reads_as": "L4",
                    "to_read_as_L5": rubric.levels[rubric.bar["L5"]],
                }
            )
    return found


# the loop


def failure_modes(
    items: list[dict[str, Any]], answers: dict[str, AnswerRecord], level: str
) -> list[dict[str, Any]]:
    """The guides' failure modes that showed up in the loop, each with its evidence."""
    found = []
    for mode in load_failure_modes():
        evidence = []
        for item in items:
            answer = answers.get(item["question_id"])
            if item["round"] not in mode.rounds or answer is None or not answer.scorecard:
                continue
            scores = {c["id"]: c["score"] for c in answer.scorecard.get("criteria", [])}
            if mode.criterion not in scores:
                continue
            below = bar_of(mode.criterion, level) if mode.below == "bar" else mode.below
            quote = sentence_with(answer.transcript or "", mode.phrases) if mode.phrases else None
            if scores[mode.criterion] >= below or (mode.needs_phrase and quote is None):
                continue
            line = f"{item['round']} ({item['question_id']}): {mode.criterion} "
            line += f"{scores[mode.criterion]}/4, below {below}"
            evidence.append(line + (f'; said: "{quote}"' if quote else ""))
        if evidence:
            found.append(
                {
                    "id": mode.id,
                    "name": mode.name,
                    "evidence": evidence,
                    "fix": mode.fix,
                    "sources": list(mode.sources),
                }
            )
    return found


def next_practice(
    rounds: list[dict[str, Any]],
    modes: list[dict[str, Any]],
    bank: list[Question],
    last_asked: dict[str, str],
    level: str,
) -> list[str]:
    """Three questions: the rounds that missed the bar (weakest first), then the others."""
    asked = {r["question_id"] for r in rounds}
    in_loop = {r["round"] for r in rounds}
    weak = sorted((r for r in rounds if not r["meets_bar"]), key=lambda r: r["overall"] or 0.0)
    strong = sorted((r for r in rounds if r["meets_bar"]), key=lambda r: r["overall"] or 0.0)
    rounds_of_mode = {m.id: [r for r in m.rounds if r in in_loop] for m in load_failure_modes()}
    order = [r["round"] for r in weak]
    order += [r for mode in modes for r in rounds_of_mode.get(mode["id"], [])]
    order += [r["round"] for r in strong]
    picked: list[str] = []
    for round_id in [*order, *order]:  # a second pass fills up from the same rounds
        pool = [
            q
            for q in bank
            if q.round == round_id and q.level == level and q.id not in asked | set(picked)
        ]
        if pool:
            picked.append(min(pool, key=lambda q: (last_asked.get(q.id, ""), q.id)).id)
        if len(picked) >= NEXT_COUNT:
            break
    return picked


def readiness(
    session_id: int,
    level: str,
    company_kind: str,
    items: list[dict[str, Any]],
    answers: list[AnswerRecord],
    bank: list[Question],
    last_asked: dict[str, str],
) -> dict[str, Any]:
    """The report: rounds, failure modes, L5 gaps and the next three questions."""
    main = {a.question_id: a for a in answers if a.follow_up_of is None}
    rounds = [round_entry(item, main.get(item["question_id"]), level) for item in items]
    modes = failure_modes(items, main, level)
    gaps: list[dict[str, Any]] = []
    if level == "L5":
        for item in items:
            answer = main.get(item["question_id"])
            if answer and answer.scorecard:
                gaps += l4_readings(item, answer.scorecard)
    ready = sum(r["meets_bar"] for r in rounds)
    scorers = sorted({r["scorer"] for r in rounds if r["scorer"]})
    return {
        "session": session_id,
        "level": level,
        "company_kind": company_kind,
        "rounds": rounds,
        "meets_bar": f"{ready} of {len(rounds)} rounds",
        "failure_modes": modes,
        "l5_gaps": gaps,
        "next": next_practice(rounds, modes, bank, last_asked, level),
        "scorers": scorers,
    }


def render(report: dict[str, Any]) -> str:
    """The readiness report as terminal text."""
    lines = [
        f"Readiness report, mock loop {report['session']} ({report['level']}, "
        f"{report['company_kind']}): {report['meets_bar']} meet the bar "
        f"(scored by {', '.join(report['scorers']) or 'nobody'})",
        "",
    ]
    for number, entry in enumerate(report["rounds"], start=1):
        verdict = "meets the bar" if entry["meets_bar"] else "below the bar"
        overall = f", overall {entry['overall']:.1f}/4" if entry["overall"] is not None else ""
        lines.append(f"{number}. {entry['round']} ({entry['question_id']}): {verdict}{overall}")
        lines += [f"     {line}" for line in entry["evidence"]]
    lines.append("")
    if report["failure_modes"]:
        lines.append("Failure modes the guides warn about that showed up:")
        for mode in report["failure_modes"]:
            lines.append(f"  - {mode['name']} ({', '.join(mode['sources'])})")
            lines += [f"      {line}" for line in mode["evidence"]]
            lines.append(f"      fix: {mode['fix']}")
    else:
        lines.append("None of the guides' failure modes showed up.")
    if report["l5_gaps"]:
        lines += ["", "Where the answers read as L4, and what would make them read as L5:"]
        for gap in report["l5_gaps"]:
            lines.append(
                f"  - {gap['round']} ({gap['question_id']}): {gap['criterion']} "
                f"{gap['score']}/4 reads as L4; for L5: {gap['to_read_as_L5']}"
            )
    if report["next"]:
        lines += ["", "Practise next:"]
        lines += [f"  coach practice --question {qid}" for qid in report["next"]]
    return "\n".join(lines)
