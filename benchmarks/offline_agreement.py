"""Agreement of the offline scorer with human labels.

Scores labelled answers offline and prints, per core criterion, the
quadratic-weighted kappa, the exact and within-one agreement and the confusion
matrix (rows: human label, columns: offline score), the highest score given to
answers the annotators marked as not addressing the question, and the time per answer.

    python benchmarks/offline_agreement.py --data corpus --split dev [--show-misses]
    python benchmarks/offline_agreement.py --data tests/data/labelled_answers.jsonl
    python benchmarks/offline_agreement.py --data corpus --split train --as-own

``--as-own`` passes every question as if the user had typed it (" ." is added to its text,
which the bank then does not recognise): its probes, siblings and vector are not used.

An answer to a question that is not in the bank is scored with the other such questions of
its writer's set (rows whose ids share a prefix, "T4A" in "T4A-010") as the user's own
questions, as if one plan had made them all from one job description: the relevance check
compares the answer with them too.

``--data corpus`` is ``benchmarks/data/scoring_corpus.jsonl`` (see its README): choose
rules on ``train`` and ``dev``; ``test`` is measured once per change, never used to choose.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from coach.questions import Question, builtin_questions
from coach.rubrics.models import CORE_CRITERIA
from coach.rubrics.offline import score_offline
from coach.rubrics.probes import FOLLOW_UP_SUFFIX

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "labelled_answers.jsonl"
CORPUS = ROOT / "benchmarks" / "data" / "scoring_corpus.jsonl"
COMMAND = "python benchmarks/offline_agreement.py"
LEVELS = 5


def quadratic_kappa(human: list[int], machine: list[int], levels: int = LEVELS) -> float:
    """Cohen's kappa with quadratic weights on integer scores 0..levels-1."""
    observed = confusion(human, machine, levels).astype(float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(observed.sum(), 1)
    grid = np.arange(levels)
    weights = (grid[:, None] - grid[None, :]) ** 2 / (levels - 1) ** 2
    denominator = (weights * expected).sum()
    return 1.0 if denominator == 0 else float(1 - (weights * observed).sum() / denominator)


def confusion(human: list[int], machine: list[int], levels: int = LEVELS) -> np.ndarray:
    matrix = np.zeros((levels, levels), dtype=int)
    for h, m in zip(human, machine, strict=True):
        matrix[h, m] += 1
    return matrix


def load_rows(path: Path = DATA, split: str | None = None, as_own: bool = False) -> list[dict]:
    """Labelled answers as rows with ``answer``, ``question`` and non-null ``labels``; with
    ``as_own``, each question as one of the user's own."""
    rows = []
    bank = {question.text for question in builtin_questions()}
    own_by_set: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split and row.get("split") != split:
            continue
        row.setdefault("answer", row.get("text", ""))
        mine = own_by_set.setdefault(row["id"].split("-")[0], [])
        if row["question"] not in bank and row["question"] not in mine:
            mine.append(row["question"])
        if row.get("probe"):
            row["question"] = row["probe"]
        if as_own:
            row["question"] += " ."
        row["labels"] = {c: v for c, v in row["labels"].items() if v is not None}
        rows.append(row)
    for row in rows:  # the whole set's own questions (the one asked is skipped when scoring)
        row["others"] = tuple(own_by_set[row["id"].split("-")[0]])
    return rows


def question_of(row: dict) -> Question:
    return Question(
        id=f"labelled-{row['id']}".lower().replace("_", "-")
        + (FOLLOW_UP_SUFFIX if row.get("probe") else ""),
        round=row["round"],
        level=row["level"],
        text=row["question"],
        criteria=tuple(row["labels"]),
        time_budget_s=120,
        source="user",
    )


def score_rows(rows: list[dict]) -> tuple[dict[str, list[tuple[int, int, str]]], float]:
    """Per criterion labelled (the core ones first), (human, offline, row id) triples; and
    seconds per answer."""
    pairs: dict[str, list[tuple[int, int, str]]] = {c: [] for c in CORE_CRITERIA}
    started = time.perf_counter()
    for row in rows:
        card = score_offline(
            question_of(row), row["answer"], row["level"], others=row.get("others", ())
        )
        for criterion, label in row["labels"].items():
            score = card.score_of(criterion)
            if score is not None:
                pairs.setdefault(criterion, []).append((int(label), int(score), row["id"]))
    return pairs, (time.perf_counter() - started) / max(len(rows), 1)


def off_topic_highest(rows: list[dict]) -> tuple[int, int]:
    """(answers marked as not addressing the question, highest score any of them got)."""
    off = [row for row in rows if row.get("addresses_question") is False]
    highest = 0
    for row in off:
        card = score_offline(
            question_of(row), row["answer"], row["level"], others=row.get("others", ())
        )
        highest = max([highest, *(c.score for c in card.criteria)])
    return len(off), highest


def agreement(rows: list[dict]) -> dict[str, float]:
    """Quadratic-weighted kappa per criterion labelled."""
    pairs, _ = score_rows(rows)
    return {
        c: quadratic_kappa([h for h, _, _ in p], [m for _, m, _ in p])
        for c, p in pairs.items()
        if p
    }


def time_long_answer(rows: list[dict], words: int = 400, repeats: int = 50) -> tuple[int, float]:
    """Milliseconds to score one answer of at least ``words`` words (distinct labelled answers
    joined, longest first), median of ``repeats`` runs."""
    parts: list[str] = []
    for row in sorted(rows, key=lambda r: -len(r["answer"].split())):
        if sum(len(p.split()) for p in parts) >= words:
            break
        parts.append(row["answer"])
    text = " ".join(parts)
    row = rows[0]
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        score_offline(question_of(row), text, row["level"])
        timings.append(time.perf_counter() - started)
    return len(text.split()), float(np.median(timings)) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA), help="a labelled jsonl file, or 'corpus'")
    parser.add_argument("--split", choices=["train", "dev", "test"], help="corpus part to score")
    parser.add_argument("--show-misses", action="store_true", help="list answers scored off by 2+")
    parser.add_argument("--as-own", action="store_true", help="questions as the user's own")
    args = parser.parse_args(argv)
    path = CORPUS if args.data == "corpus" else Path(args.data)
    rows = load_rows(path, args.split, args.as_own)
    pairs, seconds = score_rows(rows)
    print(
        f"$ {COMMAND} --data {args.data}"
        + (f" --split {args.split}" if args.split else "")
        + (" --as-own" if args.as_own else "")
    )
    long_words, long_ms = time_long_answer(rows)
    print(f"{len(rows)} labelled answers, {seconds * 1000:.1f} ms per answer on average")
    print(f"a {long_words}-word answer: {long_ms:.1f} ms (median of 50)\n")
    for criterion, triples in pairs.items():
        if not triples:
            continue
        human = [h for h, _, _ in triples]
        machine = [m for _, m, _ in triples]
        exact = sum(h == m for h, m in zip(human, machine, strict=True)) / len(triples)
        within = sum(abs(h - m) <= 1 for h, m in zip(human, machine, strict=True)) / len(triples)
        print(
            f"{criterion:<23} n={len(triples):<3} kappa={quadratic_kappa(human, machine):.3f} "
            f"exact={exact:.0%} within-1={within:.0%}"
        )
        print("    human\\offline  " + " ".join(f"{i:>3}" for i in range(LEVELS)))
        for score, line in enumerate(confusion(human, machine)):
            print(f"    {score:>14}  " + " ".join(f"{n:>3}" for n in line))
        if args.show_misses:
            for h, m, row_id in triples:
                if h != m:
                    print(f"    {row_id}: human {h}, offline {m}")
        print()
    off, highest = off_topic_highest(rows)
    if off:
        print(f"not addressing the question: {off} answers, highest criterion score {highest}")
        print(off_topic_detection(rows))
    return 0


def off_topic_detection(rows: list[dict]) -> str:
    """Precision and recall of the scorer's own off-topic finding against the annotators'
    ``addresses_question``: the relevance test alone, and with the keyword-list cap."""
    from coach.rubrics.judges import stuffed
    from coach.rubrics.offline import is_no_answer
    from coach.rubrics.relevance import assess
    from coach.rubrics.signals import extract_signals

    counts = {"relevance test": [0, 0, 0], "with keyword-list cap": [0, 0, 0]}
    for row in rows:
        if is_no_answer(row["answer"]):
            continue
        off = row.get("addresses_question") is False
        found = assess(
            row["question"], row["answer"], row["round"], follow_up=bool(row.get("probe")),
            others=row.get("others", ()),
        )
        relevance = not found.addressed
        listed = stuffed(extract_signals(row["answer"], row["question"]))
        for name, found in (
            ("relevance test", relevance),
            ("with keyword-list cap", relevance or listed),
        ):
            counts[name][0] += found and off
            counts[name][1] += found and not off
            counts[name][2] += off and not found
    lines = ["off-topic detection (no-answer transcripts left out):"]
    for name, (hits, false_alarms, misses) in counts.items():
        lines.append(
            f"    {name:<22} {hits} found, {false_alarms} on-topic flagged, {misses} missed; "
            f"precision {hits / max(hits + false_alarms, 1):.0%}, "
            f"recall {hits / max(hits + misses, 1):.0%}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
