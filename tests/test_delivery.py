"""Delivery metrics are exact arithmetic on words and timestamps."""

from __future__ import annotations

import pytest

from coach.audio.delivery import budget_band, compute_delivery, filler_band, pace_band
from coach.audio.transcribe import Word


def words(*spans: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end, 0.9) for text, start, end in spans]


def test_metrics_on_a_constructed_answer() -> None:
    # 30 s of talk: 4 real words, 2 fillers, gaps of 0.5, 1.5, 0.0, 2.5 and 22.5 s
    answer = words(
        ("So", 0.0, 0.5),
        ("um,", 1.0, 1.5),
        ("we", 3.0, 3.5),
        ("uh", 3.5, 4.0),
        ("shipped", 6.5, 7.0),
        ("it.", 29.5, 30.0),
    )
    delivery = compute_delivery(answer, budget_s=120)
    assert delivery.talk_time_s == 30.0
    assert delivery.filler_count == 2
    assert delivery.wpm == 8.0  # 4 words in half a minute
    assert delivery.fillers_per_min == 4.0
    assert delivery.longest_pause_s == 22.5
    extra = delivery.model_dump()
    assert extra["pauses_over_1_2s"] == 3
    assert extra["word_count"] == 4
    assert extra["budget_s"] == 120
    assert extra["bands"]["wpm"] == "8 wpm: slow"
    assert extra["bands"]["fillers_per_min"] == "4.0 fillers/min: hesitant"
    assert extra["bands"]["talk_time_s"] == "30 s of 120 s: short for the budget"
    assert extra["bands"]["longest_pause_s"].endswith("reads as uncertainty")


def test_a_comfortable_pace_reads_as_such() -> None:
    # 152 words evenly over 60 s, no fillers, 0.1 s gaps
    step = 60 / 152
    answer = [Word("word", i * step, (i + 1) * step - 0.1, 0.9) for i in range(152)]
    delivery = compute_delivery(answer)
    assert delivery.wpm == pytest.approx(152.3, abs=0.05)
    bands = delivery.model_dump()["bands"]
    assert bands["wpm"] == "152 wpm: comfortable"
    assert bands["fillers_per_min"] == "0.0 fillers/min: fluent"
    assert bands["longest_pause_s"] == "0.1 s longest pause: smooth"
    assert "talk_time_s" not in bands  # no budget given


def test_no_words_gives_zeros() -> None:
    delivery = compute_delivery([])
    assert (delivery.wpm, delivery.filler_count, delivery.talk_time_s) == (0.0, 0, 0.0)
    assert delivery.model_dump()["bands"] == {"wpm": "no speech detected"}


@pytest.mark.parametrize(
    ("wpm", "band"), [(129.9, "slow"), (130, "comfortable"), (160, "comfortable"), (161, "fast")]
)
def test_pace_bands(wpm: float, band: str) -> None:
    assert pace_band(wpm) == band


def test_filler_and_budget_bands() -> None:
    assert [filler_band(x) for x in (1.0, 3.0, 5.0)] == ["fluent", "noticeable", "hesitant"]
    assert budget_band(100, 120) == "within budget"
    assert budget_band(140, 120) == "a little over budget"
    assert budget_band(200, 120) == "over budget"
