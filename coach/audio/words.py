"""Timed words and fillers: the leaf types every audio module shares."""

from __future__ import annotations

import re
from dataclasses import dataclass

FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm"})
"""Vocal hesitations counted as fillers (ambiguous words such as "like" are not)."""


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float
    """Seconds from the start of the audio; probability is the model's for this word."""


def is_filler(word: str) -> bool:
    return re.sub(r"[^a-z]", "", word.lower()) in FILLERS
