"""Which alternatives of the offline scorer's patterns match only one labelled answer?

A rule that keys on a phrase found in a single labelled answer was most likely written
for that answer, not for the criterion. This script takes every compiled pattern of the
scorer's modules (module-level patterns, and those in lists, tuples and dicts), splits
each alternation group into its alternatives, and counts, for each alternative left alone
in its group, the labelled answers it matches: the corpus's train and dev parts, the
answer sets in ``tests/data``, and the train sets, the round criteria's set and the second and
third dev sets in ``benchmarks/data`` (the answers rules may have been written against; the
test parts are not read).

    python benchmarks/rule_phrases.py            # the alternatives that match one answer
    python benchmarks/rule_phrases.py --all      # with how many match none or several
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import coach.rubrics  # noqa: E402

TUNING_SETS = [
    *(ROOT / "tests" / "data").glob("*_answers.jsonl"),
    *(ROOT / "benchmarks" / "data").glob("scoring_train*.jsonl"),
    ROOT / "benchmarks" / "data" / "round_criteria.jsonl",
    ROOT / "benchmarks" / "data" / "scoring_dev2.jsonl",
    ROOT / "benchmarks" / "data" / "scoring_dev3.jsonl",
]
CORPUS = ROOT / "benchmarks" / "data" / "scoring_corpus.jsonl"


def tuning_answers() -> dict[str, str]:
    """Every labelled answer rules may have been written against, by id."""
    answers: dict[str, str] = {}
    for path in sorted(TUNING_SETS):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                answers[f"{path.stem}:{row['id']}"] = row.get("answer") or row.get("text", "")
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row and row.get("split") in ("train", "dev"):
            answers[f"corpus:{row['id']}"] = row["text"]
    return answers


def scorer_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """(where, pattern) for every compiled pattern the rubrics package holds."""
    seen: set[int] = set()  # a pattern imported into another module is checked once
    for info in pkgutil.walk_packages(coach.rubrics.__path__, "coach.rubrics."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            for where, pattern in _patterns_in(f"{info.name}.{name}", value):
                if id(pattern) not in seen:
                    seen.add(id(pattern))
                    yield where, pattern


def _patterns_in(where: str, value: object) -> Iterator[tuple[str, re.Pattern[str]]]:
    if isinstance(value, re.Pattern):
        yield where, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _patterns_in(f"{where}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _patterns_in(f"{where}[{key!r}]", item)


def alternatives(source: str) -> Iterator[tuple[str, str]]:
    """(alternative, the pattern with that alternative alone in its group) for every
    alternation in ``source``, the top level included."""
    groups = _alternation_groups(source)
    for start, end, branches in groups:
        if len(branches) < 2:
            continue
        for branch_start, branch_end in branches:
            alone = source[:start] + source[branch_start:branch_end] + source[end:]
            yield source[branch_start:branch_end], alone


def _alternation_groups(source: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Each group's content span and its top-level branches (the whole pattern is a group)."""
    found: list[tuple[int, int, list[tuple[int, int]]]] = []
    stack: list[tuple[int, list[int]]] = [(0, [])]  # (content start, bar positions)
    index, in_class = 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if source[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            content = index + 1
            if source.startswith("?", content):
                match = re.match(r"\?(?:[:=!]|<[=!]|P<\w+>|<\w+>|[aiLmsux-]+:)", source[content:])
                content += match.end() if match else 1
            stack.append((content, []))
        elif char == ")" and len(stack) > 1:
            start, bars = stack.pop()
            found.append((start, index, _branches(start, index, bars)))
        elif char == "|":
            stack[-1][1].append(index)
        index += 1
    start, bars = stack[0]
    found.append((start, len(source), _branches(start, len(source), bars)))
    return found


def _branches(start: int, end: int, bars: list[int]) -> list[tuple[int, int]]:
    edges = [start - 1, *bars, end]
    return [(edges[i] + 1, edges[i + 1]) for i in range(len(edges) - 1)]


def count_matches(answers: dict[str, str], show_all: bool) -> int:
    texts = list(answers.items())
    singles = 0
    checked = 0
    for where, pattern in scorer_patterns():
        for branch, alone in alternatives(pattern.pattern):
            try:
                compiled = re.compile(alone, pattern.flags)
            except re.error:
                continue
            checked += 1
            hits = [key for key, text in texts if compiled.search(text) or
                    compiled.search(text.lower())]
            if len(hits) == 1:
                singles += 1
                print(f"{where}: {branch!r} matches only {hits[0]}")
            elif show_all:
                print(f"{where}: {branch!r} matches {len(hits)}")
    print(f"{checked} alternatives checked against {len(texts)} labelled answers; "
          f"{singles} match exactly one")
    return singles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also list the other alternatives")
    args = parser.parse_args()
    count_matches(tuning_answers(), args.all)


if __name__ == "__main__":
    main()
