"""Substitutes for the stages of ``coach/sessions/stages.py``, for the tests.

:class:`KeptSpeaker` stands in for the sound card. The other two let the practice loop
run its real recorder, endpointing, streaming transcriber and store without Whisper or a
scorer, so that a test of the loop fails only for the loop:

- :class:`TimelineDecoder` is a :class:`~coach.audio.decoder.Decoder` that hears a script:
  each word has its place in the answer, and a decode returns the words whose middle falls
  in the audio it was given, so chunks, revisions and decodes ahead agree with each other.
- :class:`FixedScorer` is a :class:`~coach.rubrics.scoring.Scorer` that gives every
  criterion one score, names itself in ``scorer``, and keeps what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coach.audio.guards import Heard
from coach.audio.wav import SAMPLE_RATE
from coach.audio.words import Delivery
from coach.questions import Question
from coach.rubrics.models import CriterionScore, Scorecard
from coach.rubrics.scoring import ScoreResult


@dataclass
class KeptSpeaker:
    """A :class:`~coach.audio.speak.Speaker` that keeps what it was asked to say."""

    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.said.append(text)


TimedWord = tuple[str, float, float]
"""(word, start, end), seconds from the start of the answer."""


def timeline(text: str, start_s: float, end_s: float) -> list[TimedWord]:
    """The words of ``text`` spread evenly from ``start_s`` to ``end_s``."""
    words = text.split()
    step = (end_s - start_s) / len(words)
    return [(w, start_s + i * step, start_s + (i + 0.8) * step) for i, w in enumerate(words)]


@dataclass
class TimelineDecoder:
    words: list[TimedWord]
    decodes: int = 0

    def decode(
        self,
        audio: np.ndarray,
        offset_s: float = 0.0,
        context: str = "",
        windows: int | None = None,
        vad_filter: bool | None = None,
    ) -> list[Heard]:
        self.decodes += 1
        end_s = offset_s + audio.size / SAMPLE_RATE
        heard = tuple(
            (word, start, end, 0.9)
            for word, start, end in self.words
            if offset_s <= (start + end) / 2 < end_s
        )
        return [Heard(heard, no_speech_prob=0.01, avg_logprob=-0.2)] if heard else []

    def add_fillers(
        self, segments: list[Heard], audio: np.ndarray, offset_s: float = 0.0
    ) -> list[Heard]:
        return segments


@dataclass
class FixedScorer:
    score_given: int
    name: str = "fixed"
    given: list[tuple[str, str, Delivery | None]] = field(default_factory=list)
    """(question id, transcript, delivery) of each answer scored."""

    def score(
        self, question: Question, transcript: str, level: str | None, delivery: Delivery | None
    ) -> ScoreResult:
        self.given.append((question.id, transcript, delivery))
        card = Scorecard(
            question_id=question.id,
            round=question.round,
            level=level or question.level,  # type: ignore[arg-type]
            scorer=self.name,
            criteria=[
                CriterionScore(id=c, score=self.score_given, feedback="a fixed score")  # type: ignore[arg-type]
                for c in question.criteria
            ],
            overall=float(self.score_given),
            summary="a fixed score",
            next_step="none",
            transcript=transcript,
            delivery=delivery,
        )
        return ScoreResult(card, notice=f"scored by the {self.name} scorer")
