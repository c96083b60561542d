"""Timed words, fillers and delivery figures: the leaf types every audio module shares."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

FILLER_FORM = r"u+[mh]+|erm?|a+h+|h+m+|m{2,}"
"""The one definition of a filler: a vocal hesitation ("um", "uhh", "uhm", "er", "erm", "ah",
"hmm", "mm"), however long it is drawn out. Ambiguous words such as "like" are not fillers.
Used for the delivery count here and, as a pattern, by the scorer's text view."""

_FILLER_WORD = re.compile(FILLER_FORM)


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float
    """Seconds from the start of the audio; probability is the model's for this word."""


def is_filler(word: str) -> bool:
    return _FILLER_WORD.fullmatch(re.sub(r"[^a-z]", "", word.lower())) is not None


SILENCE_PHRASES = frozenset(
    {
        "you", "thank you", "thanks", "thank you very much", "thank you so much",
        "thank you for watching", "thanks for watching", "thank you so much for watching",
        "thank you for watching and dont forget to subscribe",
        "thanks for watching and dont forget to subscribe", "dont forget to subscribe",
        "please subscribe", "subscribe to my channel", "like and subscribe", "subscribe",
        "bye", "bye bye", "okay", "oh", "so", "the end", "im sorry",
        "subtitles by the amaraorg community", "transcribed by",
        "music", "applause", "silence", "blank audio", "no speech",
    }
)
"""What Whisper writes on silence or noise as a whole segment or transcript, in :func:`plain`
form: the one list of the transcript guards and the offline scorer."""


def plain(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation (and ``_``) folded to single spaces."""
    text = re.sub(r"['’`]", "", text.lower())
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def is_silence_phrase(text: str) -> bool:
    """True when ``text`` is only one of Whisper's stock outputs on silence."""
    return plain(text) in SILENCE_PHRASES


class Delivery(BaseModel):
    """Delivery figures computed from word timestamps (reported beside the scores)."""

    model_config = ConfigDict(extra="allow")

    wpm: float = 0.0
    filler_count: int = 0
    fillers_per_min: float = 0.0
    longest_pause_s: float = 0.0
    talk_time_s: float = 0.0
    pauses_over_1_2s: int = 0
    """Pauses longer than 1.2 s between words."""
    budget_s: float | None = None
    """The question's time budget, to compare talk time with."""
    word_count: int = 0
    """Words spoken, fillers not counted."""
    bands: dict[str, str] = Field(default_factory=dict)
    """Each figure against its reference band, e.g. ``{"wpm": "152 wpm: comfortable"}``."""
