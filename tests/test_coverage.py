"""The coverage guard, the stock-phrase guard and the filler pass, on real and constructed audio."""

from __future__ import annotations

import re

import numpy as np
import pytest
from speech import join, piper_audio, silence, word_error

from coach.audio.coverage import (
    CoverageOptions,
    drop_unsupported,
    fill_uncovered,
    uncovered_speech,
)
from coach.audio.fillers import FillerOptions, filler_spots, is_heard_filler
from coach.audio.guards import Heard
from coach.audio.transcribe import WhisperTranscriber
from coach.audio.vad import speech_spans, subtract

SENTENCES = [
    "We trained the ranking model on two weeks of click logs.",
    "Offline the new model raised recall at ten by four points.",
    "After launch the latency went up, so we cached the user embeddings.",
]
OPTIONS = CoverageOptions()


def said(*words: tuple[str, float, float, float], no_speech: float = 0.1) -> Heard:
    return Heard(tuple(words), no_speech, -0.3)


@pytest.fixture(scope="module")
def three_sentences() -> np.ndarray:
    return join(silence(0.5), *[join(piper_audio(t), silence(0.8)) for t in SENTENCES])


def test_subtract_leaves_what_no_hole_covers() -> None:
    assert subtract([(0.0, 10.0)], [(1.0, 2.0), (5.0, 11.0)]) == [(0.0, 1.0), (2.0, 5.0)]
    assert subtract([(0.0, 1.0), (3.0, 4.0)], []) == [(0.0, 1.0), (3.0, 4.0)]
    assert subtract([(2.0, 3.0)], [(0.0, 5.0)]) == []


def test_skipped_speech_is_found_and_decoded_again(
    transcriber: WhisperTranscriber, three_sentences: np.ndarray
) -> None:
    heard = transcriber.decode(three_sentences)
    speech = speech_spans(three_sentences)
    assert uncovered_speech(heard, speech, OPTIONS) == []  # a whole decode covers its speech
    # what tiny.en does with extra context: the middle sentence never decoded
    second = speech_spans(join(silence(0.5), piper_audio(SENTENCES[0]), silence(0.8)))[-1][1]
    third = three_sentences.size / 16_000 - piper_audio(SENTENCES[2]).size / 16_000 - 1.0
    skipped = [Heard(tuple(w for w in s.words if not second + 0.3 < w[1] < third), 0.1, -0.3)
               for s in heard]
    assert word_error(" ".join(SENTENCES), _text(skipped)) > 0.25
    gaps = uncovered_speech(skipped, speech, OPTIONS)
    assert len(gaps) == 1 and gaps[0][1] - gaps[0][0] >= 2.0
    filled = fill_uncovered(skipped, speech, three_sentences, transcriber.decode, OPTIONS)
    # the middle sentence is back (decoded alone, a word or two may differ from a whole decode,
    # and Piper's voice is sampled, so "points." may come back as "points," or "point.")
    assert {"raised", "recall"} <= _words(filled) and _words(filled) & {"point", "points"}
    assert word_error(" ".join(SENTENCES), _text(filled)) < word_error(
        " ".join(SENTENCES), _text(skipped))
    starts = [w[1] for s in filled for w in s.words]
    assert starts == sorted(starts)


def test_a_word_stretched_over_skipped_speech_leaves_it_uncovered() -> None:
    speech = [(0.0, 6.0)]
    stretched = [said(("We", 0.0, 0.3, 0.9), ("launched", 0.3, 6.0, 0.9))]
    assert uncovered_speech(stretched, speech, OPTIONS) == [(0.6, 4.5)]


def test_stock_phrases_need_speech_and_a_sure_model() -> None:
    speech = [(0.0, 3.0)]
    tail = said(("I'll", 3.5, 3.7, 0.5), ("see", 3.7, 3.8, 0.5), ("you", 3.8, 3.9, 0.5),
                ("next", 3.9, 4.0, 0.5), ("time.", 4.0, 4.2, 0.5), ("Bye", 4.4, 4.5, 0.6),
                ("bye.", 4.5, 4.6, 0.6))
    answer = said(("We", 0.1, 0.3, 0.95), ("shipped", 0.3, 0.8, 0.95), ("it.", 0.8, 1.0, 0.95))
    assert drop_unsupported([answer, tail], speech, OPTIONS) == [answer]
    # in the middle of real speech and sure of itself, "bye bye" is kept
    spoken = said(("Bye", 1.0, 1.3, 0.95), ("bye.", 1.3, 1.6, 0.95))
    assert drop_unsupported([spoken], speech, OPTIONS) == [spoken]
    # "Subtitles by" takes the rest of its segment with it, even on speech
    credits = said(("Subtitles", 0.5, 0.9, 0.7), ("by", 0.9, 1.0, 0.7),
                   ("Amara.org", 1.0, 1.5, 0.7))
    assert drop_unsupported([credits], speech, OPTIONS) == []


def test_a_stock_phrase_takes_the_unsure_rest_of_its_sentence() -> None:
    # seen once on a Piper answer: a stock outro with speech under its first words
    speech = [(0.0, 16.5)]
    answer = (("both", 15.0, 15.3, 0.97), ("paths.", 15.3, 15.7, 0.98))
    outro = (("Thank", 15.8, 15.9, 0.6), ("you", 15.9, 15.95, 0.7), ("very", 15.95, 16.0, 0.5),
             ("much", 16.0, 16.05, 0.5), ("for", 16.05, 16.1, 0.4), ("watching", 16.1, 16.2, 0.4),
             ("this", 16.2, 16.25, 0.3), ("video", 16.25, 16.28, 0.2), ("and", 16.28, 16.3, 0.14),
             ("I'll", 16.32, 16.34, 0.27))
    assert _text(drop_unsupported([said(*answer, *outro)], speech, OPTIONS)) == "both paths."
    # the sentence before it, and sure words after it, stay
    sure_after = (("Next", 16.4, 16.6, 0.95), ("question.", 16.6, 16.9, 0.95))
    kept = drop_unsupported([said(*answer, *outro[:6], *sure_after)], speech, OPTIONS)
    assert _text(kept) == "both paths. Next question."


def test_words_in_a_silent_tail_are_dropped_unless_sure() -> None:
    speech = [(0.0, 2.0)]
    unsure = said(("and", 2.6, 2.7, 0.3), ("so", 2.7, 2.8, 0.4), ("on.", 2.8, 2.9, 0.5))
    sure = said(("Done.", 2.6, 2.9, 0.93))
    answer = said(("We", 0.1, 0.3, 0.95), ("shipped", 0.3, 0.8, 0.95))
    assert drop_unsupported([answer, unsure], speech, OPTIONS) == [answer]
    assert drop_unsupported([answer, sure], speech, OPTIONS) == [answer, sure]


def test_the_filler_pass_listens_only_to_filler_spots() -> None:
    words = [said(("So", 0.5, 0.7, 0.9), ("we", 1.4, 1.5, 0.9), ("shipped", 1.55, 2.0, 0.9),
                  ("the", 2.0, 2.9, 0.9), ("model.", 2.9, 3.3, 0.9))]
    speech = [(0.5, 3.3)]
    # the voiced gap after "So", and "the" stretched over more than its letters need
    assert filler_spots(words, speech, 4.0, FillerOptions()) == [(0.7, 1.4), (2.0, 2.9)]


def test_the_filler_pass_keeps_only_fillers_that_take_time_and_are_sure() -> None:
    options = FillerOptions()
    assert is_heard_filler(("uh,", 3.1, 3.4, 0.4), options)
    assert is_heard_filler(("Um", 0.2, 0.3, 0.9), options)
    # timed to one instant: nothing under it (three of these ended one streamed answer)
    assert not is_heard_filler(("uh,", 13.64, 13.64, 0.41), options)
    assert is_heard_filler(("uh", 3.10, 3.12, 0.41), options)  # one step of Whisper's grid
    assert not is_heard_filler(("uh", 3.1, 3.4, 0.1), options)  # unsure
    assert not is_heard_filler(("hmm", 3.1, 3.4, 0.9), options)  # echoes the prompt


def _text(segments: list[Heard]) -> str:
    return " ".join(w[0] for s in segments for w in s.words)


def _words(segments: list[Heard]) -> set[str]:
    """The words heard, lower-case and without punctuation."""
    return set(re.findall(r"[a-z']+", _text(segments).lower()))
