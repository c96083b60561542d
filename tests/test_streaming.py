"""Streaming: blocks fed as a recorder would, chunks decoded while the answer goes on."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np
import pytest
from speech import join, noise, piper_audio, silence, word_error

from coach.audio.stream import ChunkOptions, StreamingTranscriber
from coach.audio.transcribe import Transcript, WhisperTranscriber

SENTENCES = [
    "For the feed ranking system I would start with the data and the labels.",
    "We serve about fifty thousand requests per second at the daily peak.",
    "The ranker has a latency budget of eighty milliseconds at the ninety ninth percentile.",
    "After launch we saw training serving skew between the batch and online features.",
    "We caught it with a dashboard and fixed it by computing features in one place.",
]




@pytest.fixture(scope="module")
def answer() -> np.ndarray:
    """About 25 s of speech with a pause after each sentence, and trailing silence."""
    parts = [join(piper_audio(text), silence(0.9)) for text in SENTENCES]
    return join(silence(0.5), *parts, silence(1.0))


def stream_file(transcriber: WhisperTranscriber, audio: np.ndarray, block_s: float = 0.05,
                options: ChunkOptions | None = None) -> tuple[StreamingTranscriber, Transcript]:
    stream = StreamingTranscriber(transcriber, options)
    feed_all(stream, audio, int(block_s * 16_000))
    return stream, stream.finish()


@pytest.fixture(scope="module")
def streamed(transcriber: WhisperTranscriber, answer: np.ndarray) -> tuple[int, Transcript]:
    stream, transcript = stream_file(transcriber, answer)
    return stream.chunks_decoded, transcript


def test_streaming_matches_batch(transcriber: WhisperTranscriber, answer: np.ndarray,
                                 streamed: tuple[int, Transcript]) -> None:
    chunks, transcript = streamed
    batch = transcriber.transcribe(answer)
    reference = " ".join(SENTENCES)
    assert chunks >= 3  # cut at the pauses, not decoded in one piece
    assert word_error(batch.text, transcript.text) <= 0.1
    assert word_error(reference, transcript.text) <= word_error(reference, batch.text) + 0.05
    assert transcript.duration_s == pytest.approx(answer.size / 16_000, abs=0.01)


def test_streamed_words_keep_absolute_times(answer: np.ndarray,
                                            streamed: tuple[int, Transcript]) -> None:
    starts = [w.start for w in streamed[1].words]
    assert starts == sorted(starts)
    assert starts[0] <= 1.0
    assert streamed[1].words[-1].end == pytest.approx(answer.size / 16_000 - 1.0, abs=1.5)


def test_a_long_pause_free_stretch_is_cut_at_the_maximum(transcriber: WhisperTranscriber) -> None:
    talk = join(*[piper_audio(text) for text in SENTENCES[:3]])
    stream, streamed = stream_file(
        transcriber, talk, options=ChunkOptions(min_chunk_s=2.0, max_chunk_s=6.0, pause_s=2.0)
    )
    assert stream.chunks_decoded >= 2
    assert word_error(" ".join(SENTENCES[:3]), streamed.text) <= 0.25


def test_a_silent_recording_streams_to_no_speech(transcriber: WhisperTranscriber) -> None:
    _, streamed = stream_file(transcriber, join(silence(3), noise(4, level=0.003)))
    assert streamed.no_speech and streamed.text == ""


def test_blocks_fed_after_finish_are_rejected(transcriber: WhisperTranscriber) -> None:
    stream = StreamingTranscriber(transcriber)
    audio = piper_audio(SENTENCES[0])
    feed_all(stream, audio)
    assert word_error(SENTENCES[0], stream.finish().text) <= 0.25
    with pytest.raises(RuntimeError):
        stream.feed(audio[:800])


def wait_until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.02)


def feed_all(stream: StreamingTranscriber, audio: np.ndarray, block: int = 800) -> None:
    """Feed the audio block by block, each handled before the next: the worker never falls
    behind, whatever the machine's load, so chunking is the same in every run."""
    for start in range(0, audio.size, block):
        stream.feed(audio[start : start + block])
        assert stream.wait_caught_up(120)


@pytest.fixture(scope="module")
def long_talk() -> tuple[np.ndarray, str]:
    """About 50 s of speech whose pauses are too short for the VAD filter to remove."""
    texts = SENTENCES * 2
    return join(*[join(piper_audio(t), silence(0.2)) for t in texts]), " ".join(texts)


def test_a_decode_can_be_held_to_one_window(transcriber: WhisperTranscriber,
                                            long_talk: tuple[np.ndarray, str]) -> None:
    audio, _ = long_talk
    assert audio.size / 16_000 > 40
    one = [w for s in transcriber.decode(audio, windows=1) for w in s.words]
    every = [w for s in transcriber.decode(audio) for w in s.words]
    assert one[-1][2] <= 30.5
    assert every[-1][2] >= audio.size / 16_000 - 3


def test_speech_past_the_window_is_decoded_again(transcriber: WhisperTranscriber,
                                                 long_talk: tuple[np.ndarray, str]) -> None:
    audio, reference = long_talk
    options = ChunkOptions(min_chunk_s=55, max_chunk_s=60, speculate_after_s=None)
    stream, streamed = stream_file(transcriber, audio, options=options)
    assert stream.chunks_decoded >= 2  # one chunk, decoded in two windows
    assert streamed.words[-1].end >= audio.size / 16_000 - 3
    assert word_error(reference, streamed.text) <= 0.15


AHEAD = ChunkOptions(speculate_after_s=0.3, pause_s=1.0, check_every_s=1000, behind_s=None)
"""Pauses are only caught as they happen (the search of the pending audio never runs)."""


def test_an_answer_decoded_ahead_is_ready_before_finish(transcriber: WhisperTranscriber) -> None:
    stream = StreamingTranscriber(transcriber, AHEAD)
    feed_all(stream, join(piper_audio(SENTENCES[0]), silence(1.5)))  # past fill_ahead_after_s
    wait_until(lambda: stream.guesses_decoded == 1)
    decodes = stream.chunks_decoded
    finished_at = time.monotonic()
    transcript = stream.finish()
    assert stream.chunks_decoded == decodes  # nothing left to decode
    assert stream.filler_passes == 1  # the fillers were counted ahead of time too
    assert stream.guesses_kept == 1
    assert stream.ready_at is not None and stream.ready_at <= finished_at
    assert word_error(SENTENCES[0], transcript.text) <= 0.25


@pytest.mark.parametrize(("pause_s", "kept"), [(0.6, 0), (1.6, 1)])
def test_a_decode_ahead_becomes_a_chunk_only_after_a_long_pause(
    transcriber: WhisperTranscriber, pause_s: float, kept: int
) -> None:
    stream = StreamingTranscriber(transcriber, AHEAD)
    feed_all(stream, join(piper_audio(SENTENCES[0]), silence(pause_s)))
    wait_until(lambda: stream.guesses_decoded == 1)
    feed_all(stream, piper_audio(SENTENCES[1]))
    transcript = stream.finish()
    assert stream.guesses_kept == kept
    assert word_error(" ".join(SENTENCES[:2]), transcript.text) <= 0.25


def test_speech_left_out_of_a_decode_is_found(transcriber: WhisperTranscriber) -> None:
    from coach.audio.guards import Heard
    from coach.audio.stream import left_over

    talk = join(silence(0.3), piper_audio(SENTENCES[1]), silence(0.3))
    end_s = talk.size / 16_000
    # the model heard "We" and then, stopping early, put "serve" at the very end
    stopped_early = [Heard((("We", 0.3, 0.5, 0.9), ("serve", end_s, end_s, 0.9)), 0.1, -0.2)]
    assert left_over(talk, 0, stopped_early, 0.5) == (int(0.5 * 16_000), 1)
    # ... or stretched its last word over what it skipped
    stretched = [Heard((("We", 0.3, 0.5, 0.9), ("serve", 0.5, end_s, 0.9)), 0.1, -0.2)]
    assert left_over(talk, 0, stretched, 0.5) == (int(0.5 * 16_000), 1)
    # speech after the last word is decoded again from that word's end
    cut_short = [Heard((("We", 0.3, 0.5, 0.9), ("serve", 0.5, 0.8, 0.9)), 0.1, -0.2)]
    assert left_over(talk, 0, cut_short, 0.5) == (int(0.8 * 16_000), 2)
    # times are in the stream: the same decode of audio that starts 10 s in
    shifted = [Heard(tuple((w, s + 10, e + 10, p) for w, s, e, p in cut_short[0].words), 0.1, -0.2)]
    assert left_over(talk, 160_000, shifted, 0.5) == (int(0.8 * 16_000), 2)
    # a word stretched over skipped speech in the middle of the decode, too
    mid = [Heard((("We", 0.3, 0.5, 0.9), ("serve", 0.5, end_s - 0.3, 0.9),
                  ("second", end_s - 0.3, end_s - 0.1, 0.9)), 0.1, -0.2)]
    assert left_over(talk, 0, mid, 0.5) == (int(0.5 * 16_000), 1)
    # a decode that reached the end is left alone
    assert left_over(talk, 0, transcriber.decode(talk, windows=1), 0.5) is None


def test_a_chunk_is_decoded_again_once_the_next_one_is_closed(
    transcriber: WhisperTranscriber,
) -> None:
    stream = StreamingTranscriber(transcriber, AHEAD)
    for sentence, guesses in zip(SENTENCES[:2], (1, 2), strict=True):
        feed_all(stream, join(piper_audio(sentence), silence(1.2)))
        wait_until(lambda: stream.guesses_decoded == guesses)  # noqa: B023
    third = piper_audio(SENTENCES[2])
    feed_all(stream, third)  # speaking again, the worker keeping up
    transcript = stream.finish()
    assert stream.guesses_kept == 2 and stream.revisions_tried == 1
    assert word_error(" ".join(SENTENCES[:3]), transcript.text) <= 0.15
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)


FILLED = [
    "So, um, the first thing I would do is, uh, look at how the labels were collected.",
    "Then, uh, I would check the class balance before, um, choosing a metric.",
]


def test_streamed_fillers_are_counted_once_per_stretch(transcriber: WhisperTranscriber) -> None:
    audio = join(silence(0.3), piper_audio(FILLED[0]), silence(1.0), piper_audio(FILLED[1]))
    options = ChunkOptions(behind_s=None, fill_every_s=0.0)  # count each chunk once revised
    stream, transcript = stream_file(transcriber, audio, options=options)
    heard = re.findall(r"[a-z]+", transcript.raw_text.lower())
    assert {"um", "uh"} & set(heard), transcript.raw_text
    assert not {"um", "uh"} & set(re.findall(r"[a-z]+", transcript.text.lower()))
    assert 1 <= stream.filler_passes <= stream.chunks_decoded
    assert word_error(" ".join(FILLED), transcript.text) <= 0.2
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)


STOCK = ("thank you for watching", "see you next time", "bye bye", "subtitles by")


def test_streaming_the_same_clip_gives_the_same_transcript_every_time(
    transcriber: WhisperTranscriber,
) -> None:
    clip = join(silence(0.4), piper_audio(SENTENCES[3]), silence(0.9),
                piper_audio(SENTENCES[4]), silence(1.5), noise(0.6, level=0.004))
    options = ChunkOptions(behind_s=None)  # shedding depends on the machine's load
    texts = set()
    for _ in range(20):
        stream = StreamingTranscriber(transcriber, options)
        for start in range(0, clip.size, 1600):
            stream.feed(clip[start : start + 1600])
            assert stream.wait_caught_up(60)
        texts.add(stream.finish().raw_text)
    assert len(texts) == 1, texts
    text = texts.pop()
    assert not any(phrase in text.lower() for phrase in STOCK), text
    assert word_error(" ".join(SENTENCES[3:]), text) <= 0.2


@pytest.mark.parametrize(("block_s", "behind"), [(0.1, False), (3.0, True)])
def test_a_worker_behind_the_speaker_sheds_work(
    transcriber: WhisperTranscriber, long_talk: tuple[np.ndarray, str], block_s: float,
    behind: bool,
) -> None:
    audio, reference = long_talk
    stream = StreamingTranscriber(transcriber)
    block = int(block_s * 16_000)
    audio = join(audio, silence((-audio.size % block) / 16_000))  # no short last block
    for start in range(0, audio.size, block):
        stream.feed(audio[start : start + block])  # 3 s arrive at once: a busy machine
        assert stream.wait_caught_up(120)
    transcript = stream.finish()
    assert (stream.steps_shed > 0) is behind
    if behind:
        assert stream.revisions_tried == 0 and stream.guesses_decoded == 0
    assert word_error(reference, transcript.text) <= 0.15


def test_words_are_picked_by_their_middle() -> None:
    from coach.audio.guards import Heard
    from coach.audio.stream import words_between

    heard = [Heard((("a", 0.0, 1.0, 1), ("b", 1.0, 2.0, 1)), 0.0, 0.0),
             Heard((("c", 2.0, 3.0, 1),), 0.0, 0.0)]
    kept = words_between(heard, int(0.6 * 16_000), int(2.6 * 16_000))
    assert [w for s in kept for w, *_ in s.words] == ["b", "c"]
    assert words_between(heard, 0, int(0.4 * 16_000)) == []


def test_drop_words_after_keeps_the_first_words_across_segments() -> None:
    from coach.audio.guards import Heard
    from coach.audio.stream import drop_words_after

    first = Heard((("a", 0, 1, 1), ("b", 1, 2, 1)), 0.0, 0.0)
    second = Heard((("c", 2, 3, 1), ("d", 3, 4, 1)), 0.0, 0.0)
    kept = drop_words_after([first, second], 3)
    assert [w for s in kept for w, *_ in s.words] == ["a", "b", "c"]
    assert drop_words_after([first, second], 4) == [first, second]
