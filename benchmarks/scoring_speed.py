"""How long the offline scorer takes per answer, sentence embedding included.

    python benchmarks/scoring_speed.py [--split dev] [--repeats 3]

Scores every corpus answer of the given part of 40 words or more (each is embedded once, for
the fitted scorer and, where its question is compared by meaning, the relevance check), each
``--repeats`` times once the model is loaded (its recent vectors forgotten before each card),
and prints the median, 90th percentile and highest milliseconds per card, with the sentence
embedding's share. It also times, in a fresh
process, the import, the model load and the first card (the cold path of `coach score`), with
the model's converted copy in the cache and without it.
Run it on an otherwise idle machine; it says the load average it saw.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from offline_agreement import CORPUS, load_rows, question_of  # noqa: E402

from coach.rubrics import embedding  # noqa: E402
from coach.rubrics.offline import score_offline  # noqa: E402

COLD = """
import time
started = time.perf_counter()
from coach.questions import builtin_questions
from coach.rubrics.offline import score_offline
from coach.rubrics import embedding
imported = time.perf_counter()
embedding.load()
loaded = time.perf_counter()
question = next(q for q in builtin_questions() if q.round == "system_design")
score_offline(question, {answer!r})
scored = time.perf_counter()
print(f"{{imported - started:.3f}} {{loaded - imported:.3f}} {{scored - loaded:.3f}}")
"""


def long_rows(split: str) -> list[dict]:
    """The part's answers long enough to be read by the fitted scorer."""
    return [row for row in load_rows(CORPUS, split) if len(row["answer"].split()) >= 40]


def card_times(rows: list[dict], repeats: int) -> tuple[list[float], list[float]]:
    """Per answer, the median milliseconds of a whole card and of the embedding alone."""
    cards, embeds = [], []
    for row in rows:
        question = question_of(row)
        one_card, one_embed = [], []
        for _ in range(repeats):
            embedding.load().recent.clear()  # as for a new answer
            started = time.perf_counter()
            score_offline(question, row["answer"], row["level"])
            one_card.append(time.perf_counter() - started)
            embedding.load().recent.clear()
            started = time.perf_counter()
            embedding.embed(row["answer"])
            one_embed.append(time.perf_counter() - started)
        cards.append(float(np.median(one_card)) * 1000)
        embeds.append(float(np.median(one_embed)) * 1000)
    return cards, embeds


def cold_path(answer: str, cache: str | None = None) -> str:
    """Import, model load and first card in a fresh process; with ``cache`` (an empty
    directory) as its cache home, so that the model is converted before it loads."""
    env = {**os.environ, "XDG_CACHE_HOME": cache} if cache else None
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(answer=answer)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    imported, loaded, scored = (float(x) * 1000 for x in out)
    return f"import {imported:.0f} ms, model load {loaded:.0f} ms, first card {scored:.0f} ms"


def spread(values: list[float]) -> str:
    return (
        f"median {np.median(values):.1f}, p90 {np.percentile(values, 90):.1f}, "
        f"max {max(values):.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = long_rows(args.split)
    embedding.load()
    score_offline(question_of(rows[0]), rows[0]["answer"], rows[0]["level"])  # warm caches
    cards, embeds = card_times(rows, args.repeats)
    longest = max(rows, key=lambda row: len(row["answer"].split()))
    print(f"$ python benchmarks/scoring_speed.py --split {args.split} --repeats {args.repeats}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    words = np.median([len(row["answer"].split()) for row in rows])
    print(f"{len(rows)} answers of 40 words or more, {words:.0f} words median")
    print(f"card ms:      {spread(cards)}; over 50 ms: {sum(c > 50 for c in cards)}")
    print(f"embedding ms: {spread(embeds)}")
    print("cold, fresh process (x3), the converted model in the cache:")
    for _ in range(3):
        print("   ", cold_path(longest["answer"]))
    print("cold, fresh process (x3), converting it first (an empty cache):")
    for _ in range(3):
        with tempfile.TemporaryDirectory() as cache:
            print("   ", cold_path(longest["answer"], cache))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
