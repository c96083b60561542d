"""Delivery figures from words and their timestamps, each with its reference band.

Bands follow RUBRIC.md: 130-160 wpm is comfortable; about one filler a minute
reads as fluent and near five as hesitant; a pause over 1.2 s mid-answer reads
as uncertainty; talk time is set against the time the question allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.audio.words import Delivery, Word, is_filler

LONG_PAUSE_S = 1.2
MIN_PACE_S = 10.0
"""Talk time below which no pace is given: a few words say nothing about speaking rate."""
PACE_BAND = (130.0, 160.0)
FILLERS_FLUENT = 2.0
"""Fillers per minute below this read as fluent; from 4 up as hesitant."""
FILLERS_HESITANT = 4.0


def compute_delivery(words: Sequence[Word], budget_s: float | None = None) -> Delivery:
    """Pace, fillers, pauses and talk time of one answer.

    Talk time runs from the first word's start to the last word's end; words per
    minute count the words that are not fillers over that time.
    """
    if not words:
        return Delivery(
            pauses_over_1_2s=0, budget_s=budget_s, word_count=0,
            bands={"wpm": "no speech detected"},
        )
    talk_time_s = max(words[-1].end - words[0].start, 0.0)
    minutes = talk_time_s / 60.0
    filler_count = sum(1 for w in words if is_filler(w.word))
    spoken = len(words) - filler_count
    gaps = [max(b.start - a.end, 0.0) for a, b in zip(words, words[1:], strict=False)]
    wpm = round(spoken / minutes, 1) if talk_time_s >= MIN_PACE_S else 0.0
    fillers_per_min = round(filler_count / minutes, 2) if minutes else 0.0
    longest = round(max(gaps, default=0.0), 2)
    long_pauses = sum(1 for gap in gaps if gap > LONG_PAUSE_S)
    pace = (
        f"{wpm:.0f} wpm: {pace_band(wpm)}"
        if wpm
        else f"no pace figure: {talk_time_s:.1f} s of speech is too short (about "
        f"{MIN_PACE_S:.0f} s needed)"
    )
    bands = {
        "wpm": pace,
        "fillers_per_min": f"{fillers_per_min:.1f} fillers/min: {filler_band(fillers_per_min)}",
        "longest_pause_s": f"{longest:.1f} s longest pause: {pause_band(longest)}",
    }
    if budget_s:
        band = budget_band(talk_time_s, budget_s)
        bands["talk_time_s"] = f"{talk_time_s:.0f} s of {budget_s:.0f} s: {band}"
    return Delivery(
        wpm=wpm,
        filler_count=filler_count,
        fillers_per_min=fillers_per_min,
        longest_pause_s=longest,
        talk_time_s=round(talk_time_s, 2),
        pauses_over_1_2s=long_pauses,
        budget_s=budget_s,
        word_count=spoken,
        bands=bands,
    )


def pace_band(wpm: float) -> str:
    low, high = PACE_BAND
    if wpm < low:
        return "slow"
    return "comfortable" if wpm <= high else "fast"


def filler_band(per_min: float) -> str:
    if per_min < FILLERS_FLUENT:
        return "fluent"
    return "noticeable" if per_min < FILLERS_HESITANT else "hesitant"


def pause_band(longest_s: float) -> str:
    return "smooth" if longest_s <= LONG_PAUSE_S else "long pause, reads as uncertainty"


def budget_band(talk_time_s: float, budget_s: float) -> str:
    share = talk_time_s / budget_s
    if share < 0.5:
        return "short for the budget"
    if share <= 1.0:
        return "within budget"
    return "a little over budget" if share <= 1.25 else "over budget"
