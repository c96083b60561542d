"""Sentence-structure features: a loosely told trade-off or incident is seen, a hypothetical
is not an incident, and every word they count is used by more than one labelled answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

from coach.rubrics.signals.text import View
from coach.rubrics.structure import WORD_CLASSES, structure_features

CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "scoring_corpus.jsonl"

LOOSE_TRADE_OFF = (
    "So we did LightGBM and not the neural net. It was maybe thirty seconds worse on average, "
    "but it was way easier to debug and faster to retrain."
)
ONE_PATH = "We built a LightGBM model on the order features and served it behind an API."
TOLD_INCIDENT = (
    "Once it was live, the ranking got stale for new sellers and conversion dropped. "
    "We noticed it on the dashboard after a week. I added a freshness check and we retrained."
)
HYPOTHETICAL = (
    "If the ranking went stale, conversion would suffer, so I'd put an alert on freshness."
)


def test_a_loosely_told_trade_off_is_a_costed_choice_and_one_path_is_not() -> None:
    loose = structure_features(View(LOOSE_TRADE_OFF))
    assert loose.costed_choices > 0 and loose.quantified_choice_costs > 0
    plain = structure_features(View(ONE_PATH))
    assert plain.costed_choices == 0 and plain.weighed_decisions == 0


def test_a_told_incident_is_narrated_and_followed_up_and_a_hypothetical_is_not() -> None:
    told = structure_features(View(TOLD_INCIDENT))
    assert told.narrated_problems > 0 and told.anchored_problems > 0
    assert told.problem_followups > 0
    imagined = structure_features(View(HYPOTHETICAL))
    assert imagined.narrated_problems == 0 and imagined.anticipated_problems > 0


def test_every_structure_word_is_used_by_at_least_two_train_answers() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    texts = [row["text"].lower() for row in rows if row["split"] == "train"]
    rare = [
        word
        for words in WORD_CLASSES.values()
        for word in words
        if sum(bool(re.search(rf"\b(?:{word})\b", text)) for text in texts) < 2
    ]
    assert not rare
