"""Streaming transcription: decode closed chunks while the user is still speaking.

Recorded blocks go into a queue; a background worker (the only thread that
uses the model while streaming) appends them to a pending buffer and follows
them with the Silero VAD (see :mod:`coach.audio.endpoint`). Two things happen
at pauses:

- **Ahead of time.** As soon as the speaker has been quiet for
  ``speculate_after_s``, the pending audio is decoded. If they never speak
  again, that decode is the end of the transcript, ready before the recorder
  has even stopped. If they go on after a pause of at least ``pause_s``, it
  becomes a closed chunk; after a shorter pause it is thrown away.
- **Closing chunks.** A pause the worker was too busy to catch as it happened
  is found by searching the pending buffer, and the audio up to its middle is
  decoded, with the text said so far as context.

When the answer ends, only the speech since the last pause is left to decode.
Each chunk is decoded in one 30 s window; speech the window did not reach goes
back to the pending buffer.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import numpy as np

from coach.audio.endpoint import Endpointer
from coach.audio.guards import Heard
from coach.audio.transcribe import Transcript, WhisperTranscriber, build_transcript
from coach.audio.wav import SAMPLE_RATE


@dataclass(frozen=True)
class ChunkOptions:
    """Where the stream is cut into chunks, and when it is decoded ahead of time."""

    min_chunk_s: float = 2.0
    """A chunk is closed only once it holds at least this much audio."""
    max_chunk_s: float = 25.0
    """A chunk with no pause is cut here anyway (Whisper's window is 30 s)."""
    pause_s: float = 0.3
    """A silence at least this long (by VAD) closes a chunk."""
    check_every_s: float = 0.5
    """New audio needed before the worker searches for a pause again."""
    speculate_after_s: float | None = 0.2
    """Silence after speech (by VAD) that starts decoding the pending audio ahead of
    time; None to decode only closed chunks and, at the end, the rest."""
    one_window: bool = True
    """Decode each chunk in a single 30 s window (see ``transcribe.BudgetedModel``)."""
    left_over_s: float = 0.5
    """Speech the window did not reach (by VAD) that is sent back for another decode."""


@dataclass(frozen=True)
class Guess:
    """The pending audio decoded ahead of time, up to sample ``end`` of the stream."""

    end: int
    speech_end: int
    """The stream sample just after the last speech before ``end``."""
    segments: list[Heard]
    decoded_at: float
    """``time.monotonic()`` when the decode finished."""


_END = None

LONGEST_WORD_S = 1.2
"""A last word said for longer than this is taken to cover speech the model skipped."""


class StreamingTranscriber:
    """Feed recorded blocks as they arrive; :meth:`finish` returns the whole transcript.

    After :meth:`finish`, ``ready_at`` is the ``time.monotonic()`` at which the
    transcript's last words were decoded: before the call when they were decoded
    ahead of time or in a chunk closed at a pause.
    """

    def __init__(
        self, transcriber: WhisperTranscriber, options: ChunkOptions | None = None
    ) -> None:
        self.transcriber = transcriber
        self.options = options or ChunkOptions()
        self.chunks_decoded = 0
        self.guesses_decoded = 0
        self.guesses_kept = 0
        self.ready_at: float | None = None
        self._blocks: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._vad: Endpointer | None = None
        self._pending = np.zeros(0, np.float32)
        self._pending_start = 0  # sample index of the pending buffer's first sample
        self._unchecked = 0  # samples added since the last search for a pause
        self._guess: Guess | None = None
        self._segments: list[Heard] = []
        self._heard_at: float | None = None  # when the last words kept were decoded
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._finished = False
        self._worker = threading.Thread(target=self._work, name="whisper-stream", daemon=True)
        self._worker.start()

    def feed(self, block: np.ndarray) -> None:
        """Queue one block of 16 kHz mono float32 audio; returns at once."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        self._blocks.put(np.asarray(block, dtype=np.float32).reshape(-1))

    def finish(self) -> Transcript:
        """Decode what remains and return the transcript of everything fed."""
        if not self._finished:
            self._finished = True
            self._blocks.put(_END)
        self._done.wait()
        if self._error is not None:
            raise self._error
        return build_transcript(self._segments, self._total / SAMPLE_RATE)

    @property
    def _total(self) -> int:
        return self._pending_start + self._pending.size

    # the worker

    def _work(self) -> None:
        try:
            if self.options.speculate_after_s is not None:
                self._vad = Endpointer(None)
            while (block := self._blocks.get()) is not _END:
                self._append(block)
                if not self._blocks.empty():
                    continue  # catch up first
                self._follow_guess()
                if self._unchecked >= self.options.check_every_s * SAMPLE_RATE:
                    self._close_chunks()
                self._guess_ahead()
            self._end()
        except BaseException as error:  # surfaced by finish()
            self._error = error
        finally:
            self._done.set()

    def _append(self, block: np.ndarray) -> None:
        self._pending = np.concatenate([self._pending, block])
        self._unchecked += block.size
        if self._vad is not None:
            self._vad.feed(block)

    def _end(self) -> None:
        """Finish: keep the guess if nothing was said after it, else decode the rest."""
        self._follow_guess()
        guess = self._guess
        if guess is not None and self._guess_covers_speech():
            self._keep_guess(guess)
        else:
            self._close_chunks()
            self._decode(self._pending.size)
        self.ready_at = self._heard_at or time.monotonic()

    # decoding ahead of time

    def _speech_end(self) -> int | None:
        """Stream sample just after the last speech the VAD heard."""
        return self._vad.speech_end if self._vad is not None else None

    def _guess_covers_speech(self) -> bool:
        speech_end = self._speech_end()
        return self._guess is not None and (speech_end or 0) <= self._guess.end

    def _guess_ahead(self) -> None:
        """Decode the pending audio if the speaker has just gone quiet."""
        after = self.options.speculate_after_s
        speech_end = self._speech_end()
        if after is None or self._vad is None or speech_end is None:
            return  # no VAD (decoding ahead is off) or nothing said yet
        if speech_end <= self._pending_start or self._guess_covers_speech():
            return  # nothing new was said
        if self._vad.trailing_silence_s < after:
            return
        segments = self._decode_audio(self._pending, self._pending_start)
        self._guess = Guess(self._total, speech_end, segments, time.monotonic())
        self.guesses_decoded += 1

    def _follow_guess(self) -> None:
        """Once speech resumes after a guess: keep it as a chunk after a long enough pause."""
        guess = self._guess
        if guess is None or self._guess_covers_speech():
            return
        self._guess = None
        after_guess = self._pending[guess.end - self._pending_start :]
        pause = guess.end - guess.speech_end + first_speech(after_guess)
        long_enough = guess.end - self._pending_start >= self.options.min_chunk_s * SAMPLE_RATE
        if pause >= self.options.pause_s * SAMPLE_RATE and long_enough:
            self._keep_guess(guess)

    def _keep_guess(self, guess: Guess) -> None:
        self._guess = None
        self._commit(guess.segments, guess.decoded_at)
        self._cut(guess.end - self._pending_start)
        self.guesses_kept += 1

    # closing chunks

    def _close_chunks(self) -> None:
        self._unchecked = 0
        if self._guess is not None:
            return  # nothing was said since the last guess
        while (cut := self._find_cut()) is not None:
            self._decode(cut)

    def _find_cut(self) -> int | None:
        """Sample index (in the pending buffer) of a pause that closes a chunk, if any."""
        rate, opts = SAMPLE_RATE, self.options
        if self._pending.size < opts.min_chunk_s * rate:
            return None
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        speech = get_speech_timestamps(
            self._pending,
            VadOptions(min_silence_duration_ms=int(opts.pause_s * 1000), speech_pad_ms=100),
        )
        edges = [(a["end"], b["start"]) for a, b in zip(speech, speech[1:], strict=False)]
        if speech and self._pending.size - speech[-1]["end"] >= opts.pause_s * rate:
            edges.append((speech[-1]["end"], self._pending.size))
        if not speech and self._pending.size >= opts.max_chunk_s * rate:
            return self._pending.size  # nothing but silence: let it go
        lowest, highest = int(opts.min_chunk_s * rate), int(opts.max_chunk_s * rate)
        middles = [(end + start) // 2 for end, start in edges]
        cuts = [cut for cut in middles if lowest <= cut <= highest]
        if cuts:
            return int(cuts[0])
        if self._pending.size >= highest:
            return quietest_point(self._pending[lowest:highest]) + lowest
        return None

    def _decode(self, cut: int) -> None:
        """Decode the pending audio up to ``cut`` as one chunk."""
        self._guess = None
        chunk, start = self._pending[:cut], self._pending_start
        self._cut(cut)
        self._commit(self._decode_audio(chunk, start), time.monotonic())

    def _commit(self, segments: list[Heard], decoded_at: float) -> None:
        self._segments.extend(segments)
        if segments:
            self._heard_at = decoded_at

    def _cut(self, cut: int) -> None:
        self._pending = self._pending[cut:]
        self._pending_start += cut

    def _decode_audio(self, audio: np.ndarray, start: int) -> list[Heard]:
        """Segments of ``audio`` (stream samples from ``start``).

        With ``one_window``, speech the decode did not reach is decoded again, with
        what was just heard added to the context (see :func:`left_over`).
        """
        windows = 1 if self.options.one_window else None
        segments: list[Heard] = []
        while audio.size:
            context = " ".join(w for s in [*self._segments, *segments] for w, *_ in s.words)
            heard = self.transcriber.decode(audio, start / SAMPLE_RATE, context, windows)
            self.chunks_decoded += 1
            rest = left_over(audio, start, heard, self.options.left_over_s) if windows else None
            if rest is None:
                segments.extend(heard)
                break
            resume, keep = rest
            segments.extend(drop_words_after(heard, keep))
            audio, start = audio[resume:], start + resume
        return segments


def left_over(
    audio: np.ndarray, start: int, heard: list[Heard], at_least_s: float
) -> tuple[int, int] | None:
    """Where to decode again when speech was left out: (sample in ``audio``, words kept).

    ``audio`` begins at stream sample ``start``; ``heard`` is its decode. Speech of at
    least ``at_least_s`` (by VAD) after the last word is left out. The model also
    sometimes stops early at the end of a chunk and pins its last word to the end of
    the audio, or stretches it over the speech it skipped: then speech between the
    last two words, or a last word longer than ``LONGEST_WORD_S``, sends the decode
    back to the end of the word before.
    """
    words = [w for s in heard for w in s.words]
    if not words:
        return None

    def sample(seconds: float) -> int:
        return min(max(int(seconds * SAMPLE_RATE) - start, 0), audio.size)

    before_last = sample(words[-2][2]) if len(words) > 1 else 0
    _, last_start, last_end, _ = words[-1]
    skipped = audio[before_last : sample(last_start)]
    stretched = last_end - last_start > LONGEST_WORD_S
    if before_last and (stretched or has_speech(skipped, at_least_s)):
        return before_last, len(words) - 1
    after = sample(last_end)
    if 0 < after < audio.size and has_speech(audio[after:], at_least_s):
        return after, len(words)
    return None


def drop_words_after(segments: list[Heard], count: int) -> list[Heard]:
    """The segments with only their first ``count`` words in all."""
    kept: list[Heard] = []
    room = count
    for segment in segments:
        if room <= 0:
            break
        kept.append(Heard(segment.words[:room], segment.no_speech_prob, segment.avg_logprob))
        room -= len(segment.words)
    return kept


def speech_in(audio: np.ndarray) -> list[dict[str, int]]:
    """Where the VAD hears speech: [{"start": sample, "end": sample}, ...], unpadded."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return list(get_speech_timestamps(audio, VadOptions(speech_pad_ms=0)))


def has_speech(audio: np.ndarray, at_least_s: float) -> bool:
    """True when the VAD finds at least ``at_least_s`` of speech in the audio."""
    return sum(s["end"] - s["start"] for s in speech_in(audio)) >= at_least_s * SAMPLE_RATE


def first_speech(audio: np.ndarray) -> int:
    """Sample where the VAD first hears speech in the audio (its length if never)."""
    speech = speech_in(audio)
    return speech[0]["start"] if speech else audio.size


def quietest_point(audio: np.ndarray, frame: int = 1600) -> int:
    """Middle of the quietest 100 ms frame: where to cut speech that has no pause."""
    usable = audio[: audio.size - audio.size % frame]
    if usable.size == 0:
        return audio.size
    energy = (usable.reshape(-1, frame).astype(np.float64) ** 2).mean(axis=1)
    return int(np.argmin(energy)) * frame + frame // 2
