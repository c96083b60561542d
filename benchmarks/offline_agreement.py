"""Agreement of the offline scorer with human labels.

Scores every answer in ``tests/data/labelled_answers.jsonl`` offline and prints,
per core criterion, the quadratic-weighted kappa, the exact agreement and the
confusion matrix (rows: human label, columns: offline score), plus the time
per answer.

    /work/venv/bin/python benchmarks/offline_agreement.py [--data FILE] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from coach.questions import Question
from coach.rubrics.models import CORE_CRITERIA
from coach.rubrics.offline import score_offline

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled_answers.jsonl"
COMMAND = "/work/venv/bin/python benchmarks/offline_agreement.py"
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


def load_rows(path: Path = DATA) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def question_of(row: dict) -> Question:
    return Question(
        id=f"labelled-{row['id']}".lower().replace("_", "-"),
        round=row["round"],
        level=row["level"],
        text=row["question"],
        criteria=tuple(row["labels"]),
        time_budget_s=120,
        source="user",
    )


def score_rows(rows: list[dict]) -> tuple[dict[str, list[tuple[int, int, str]]], float]:
    """Per core criterion, (human, offline, row id) triples; and seconds per answer."""
    pairs: dict[str, list[tuple[int, int, str]]] = {c: [] for c in CORE_CRITERIA}
    started = time.perf_counter()
    for row in rows:
        card = score_offline(question_of(row), row["answer"], row["level"])
        for criterion, label in row["labels"].items():
            score = card.score_of(criterion)
            if criterion in pairs and score is not None:
                pairs[criterion].append((int(label), int(score), row["id"]))
    return pairs, (time.perf_counter() - started) / max(len(rows), 1)


def agreement(rows: list[dict]) -> dict[str, float]:
    """Quadratic-weighted kappa per core criterion."""
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
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-misses", action="store_true", help="list answers scored off by 2+")
    args = parser.parse_args(argv)
    rows = load_rows(args.data)
    pairs, seconds = score_rows(rows)
    print(f"$ {COMMAND}")
    long_words, long_ms = time_long_answer(rows)
    print(f"{len(rows)} labelled answers, {seconds * 1000:.1f} ms per answer on average")
    print(f"a {long_words}-word answer: {long_ms:.1f} ms (median of 50)\n")
    for criterion, triples in pairs.items():
        human = [h for h, _, _ in triples]
        machine = [m for _, m, _ in triples]
        exact = sum(h == m for h, m in zip(human, machine, strict=True)) / len(triples)
        within = sum(abs(h - m) <= 1 for h, m in zip(human, machine, strict=True)) / len(triples)
        print(
            f"{criterion:<22} n={len(triples):<3} kappa={quadratic_kappa(human, machine):.3f} "
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
