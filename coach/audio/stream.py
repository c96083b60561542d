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

A cut leaves Whisper less audio around the words near it than it gets when the
whole answer is transcribed after the fact, and it hears those words worse. So
once the next chunk is closed, the worker, while the speaker is talking, decodes
each chunk again with the audio on both sides and keeps that version.

Fillers ("um", "uh") take one more decode (:mod:`coach.audio.fillers`), so they
are counted once per stretch of finished chunks rather than once per decode:
every ``fill_every_s`` of revised audio while the speaker talks, ahead of time
at a pause long enough to be the end, and whatever is left at the end.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from dataclasses import dataclass, replace

import numpy as np

from coach.audio.decoder import Decoder
from coach.audio.endpoint import Endpointer
from coach.audio.guards import Heard
from coach.audio.transcribe import Transcript, build_transcript
from coach.audio.vad import first_speech, has_speech
from coach.audio.wav import SAMPLE_RATE
from coach.audio.words import is_filler


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
    revise_left_s: float | None = 8.0
    """Decode each chunk again once the next one is closed, with this much audio
    before it and the next chunk after it, and keep that version; None never to."""
    vad_filter: bool = False
    """faster-whisper's VAD filter on each decode. The stream's own VAD already cuts
    chunks at pauses, and the filter costs about 0.1 s per 10 s of audio."""
    fill_ahead_after_s: float = 0.6
    """Silence after a decode ahead of time that starts counting its fillers (and those of
    the finished chunks before it) ahead of time too, so that an answer that ends there
    needs no more decoding."""
    fill_every_s: float = 20.0
    """Fillers are counted by one more decode per stretch of finished chunks (revised, or
    past revising) once this much audio awaits it, while the speaker talks; what is left
    is counted at the end."""
    behind_s: float | None = 2.0
    """When this much audio arrived while the worker was busy with one step, it is
    behind the speaker (a busy machine): until it catches up it skips revisions and
    decodes ahead of time, and closes chunks at the last pause it finds rather than
    the first, so that it never has more left to decode at the end than a pass over
    the whole answer would. None never sheds work."""


@dataclass(frozen=True)
class Guess:
    """The pending audio decoded ahead of time, up to sample ``end`` of the stream."""

    end: int
    speech_end: int
    """The stream sample just after the last speech before ``end``."""
    segments: list[Heard]
    decoded_at: float
    """``time.monotonic()`` when the decode finished."""
    filled: list[Heard] | None = None
    """The words from stream sample ``filled_from`` to ``end``, fillers in (or None)."""
    filled_from: int = 0
    filled_at: float = 0.0


_END = None
_RUNNING: weakref.WeakSet[StreamingTranscriber] = weakref.WeakSet()
"""Streams whose worker may still be decoding (stopped by :func:`stop_all` at exit)."""


class _Stopped(Exception):
    """The stream was stopped: no more decoding."""


def stop_all(wait_s: float) -> bool:
    """Stop every stream's worker after the step it is in; False if one is still running."""
    streams = list(_RUNNING)
    for stream in streams:
        stream.stop()
    deadline = time.monotonic() + wait_s
    for stream in streams:
        stream._worker.join(max(0.0, deadline - time.monotonic()))
    return not any(stream._worker.is_alive() for stream in streams)

LONGEST_WORD_S = 1.2
"""A word said for longer than this is taken to cover speech the model skipped."""
SKIPPED_S = 1.0
"""Speech (by VAD) before a word, since the word before, that is taken as skipped:
word times are often 0.2-0.3 s off, so a short stretch does not count."""

WINDOW_S = 28.0
"""Audio decoded at once when a chunk is revised (Whisper's window is 30 s)."""
KEPT_S = 60
"""Seconds of audio before the pending audio kept at most, for context and revising."""


class StreamingTranscriber:
    """Feed recorded blocks as they arrive; :meth:`finish` returns the whole transcript.

    After :meth:`finish`, ``ready_at`` is the ``time.monotonic()`` at which the
    transcript's last words were decoded: before the call when they were decoded
    ahead of time or in a chunk closed at a pause.
    """

    def __init__(
        self, transcriber: Decoder, options: ChunkOptions | None = None
    ) -> None:
        self.transcriber = transcriber
        self.options = options or ChunkOptions()
        self.chunks_decoded = 0
        self.guesses_decoded = 0
        self.guesses_kept = 0
        self.revisions_tried = 0
        """Chunks decoded again with the audio on both sides ..."""
        self.revisions = 0
        """... and that version kept."""
        self.steps_shed = 0
        """Steps in which the worker was behind and skipped revising and decoding ahead."""
        self.filler_passes = 0
        """Decodes that counted the fillers of a stretch of finished chunks."""
        self.ready_at: float | None = None
        self._blocks: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._vad: Endpointer | None = None
        self._audio = np.zeros(0, np.float32)  # the stream from sample _audio_start on
        self._audio_start = 0
        self._pending_start = 0  # first sample not yet in a closed chunk
        self._cuts = [0]  # where each closed chunk starts, then where the pending audio does
        self._revised = 0  # chunks (from the first) revised or past revising
        self._filled = 0  # stream sample up to which the fillers are in
        self._unchecked = 0  # samples added since the last search for a pause
        self._guess: Guess | None = None
        self._segments: list[Heard] = []
        self._heard_at: float | None = None  # when the last words kept were decoded
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._finished = False
        self._fed = 0  # blocks fed ...
        self._handled = 0  # ... and blocks the worker has dealt with
        self._progress = threading.Condition()
        self._drained = 0  # samples appended since the worker's last step
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._work, name="whisper-stream", daemon=True)
        _RUNNING.add(self)
        self._worker.start()

    def stop(self) -> None:
        """Drop what is not decoded yet and end the worker (the program is exiting)."""
        self._stopping.set()
        self._blocks.put(_END)

    def feed(self, block: np.ndarray) -> None:
        """Queue one block of 16 kHz mono float32 audio; returns at once."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        with self._progress:
            self._fed += 1
        self._blocks.put(np.asarray(block, dtype=np.float32).reshape(-1))

    def wait_caught_up(self, timeout_s: float | None = None) -> bool:
        """Wait until the worker has dealt with every block fed so far (or has ended)."""
        with self._progress:
            return self._progress.wait_for(
                lambda: self._handled >= self._fed or self._done.is_set(), timeout_s
            )

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
        return self._audio_start + self._audio.size

    @property
    def _pending(self) -> np.ndarray:
        return self._stream(self._pending_start, self._total)

    def _stream(self, start: int, end: int) -> np.ndarray:
        """The audio between two stream samples (as far back as it is kept)."""
        return self._audio[max(start - self._audio_start, 0) : end - self._audio_start]

    # the worker

    def _work(self) -> None:
        try:
            if self.options.speculate_after_s is not None:
                self._vad = Endpointer(None)
            while (block := self._blocks.get()) is not _END:
                if self._stopping.is_set():
                    return
                self._append(block)
                if self._blocks.empty():  # caught up: one step
                    self._step()
                self._mark_handled()
            if not self._stopping.is_set():
                self._end()
        except _Stopped:
            pass
        except BaseException as error:  # surfaced by finish()
            self._error = error
        finally:
            self._done.set()
            with self._progress:
                self._progress.notify_all()

    def _step(self) -> None:
        behind = self._behind()
        self._drained = 0
        self._follow_guess()
        if self._unchecked >= self.options.check_every_s * SAMPLE_RATE:
            self._close_chunks(merge=behind)
        if behind:
            self.steps_shed += 1
            return
        self._guess_ahead()
        if not self._blocks.empty():
            return
        if self._guess is not None:
            self._fill_guess()
            return
        self._revise()
        if self._finished_end() - self._filled >= self.options.fill_every_s * SAMPLE_RATE:
            self._fill(self._finished_end())

    def _behind(self) -> bool:
        """True when more audio came in during the last step than ``behind_s``."""
        behind_s = self.options.behind_s
        return behind_s is not None and self._drained > behind_s * SAMPLE_RATE

    def _mark_handled(self) -> None:
        with self._progress:
            self._handled += 1
            self._progress.notify_all()

    def _append(self, block: np.ndarray) -> None:
        self._audio = np.concatenate([self._audio, block])
        self._unchecked += block.size
        self._drained += block.size
        if self._vad is not None:
            self._vad.feed(block)

    def _end(self) -> None:
        """Finish: keep the guess if nothing was said after it, else decode the rest."""
        self._follow_guess()
        guess = self._guess
        if guess is not None and self._guess_covers_speech():
            self._keep_guess(guess)
            if guess.filled is not None:
                self._splice(guess.filled_from, guess.end, guess.filled)
                self._filled = guess.end
                self._heard_at = max(self._heard_at or 0.0, guess.filled_at)
        else:
            self._close_chunks(merge=self._behind())
            self._decode(self._pending.size)
        self.ready_at = self._heard_at or time.monotonic()
        if self._fill(self._total):
            self.ready_at = time.monotonic()

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

    def _close_chunks(self, merge: bool = False) -> None:
        self._unchecked = 0
        if self._guess is not None:
            return  # nothing was said since the last guess
        while (cut := self._find_cut(merge)) is not None:
            self._decode(cut)

    def _find_cut(self, merge: bool = False) -> int | None:
        """Sample index (in the pending buffer) of a pause that closes a chunk, if any:
        the first pause, or with ``merge`` the last one that keeps the chunk short enough."""
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
            return int(cuts[-1] if merge else cuts[0])
        if self._pending.size >= highest:
            return quietest_point(self._pending[lowest:highest]) + lowest
        return None

    def _decode(self, cut: int) -> None:
        """Decode the pending audio up to ``cut`` as one chunk."""
        self._guess = None
        segments = self._decode_audio(self._pending[:cut], self._pending_start)
        self._cut(cut)
        self._commit(segments, time.monotonic())

    def _commit(self, segments: list[Heard], decoded_at: float) -> None:
        self._segments.extend(segments)
        if segments:
            self._heard_at = decoded_at

    def _cut(self, cut: int) -> None:
        """Close the pending audio up to ``cut`` as a chunk."""
        self._pending_start += cut
        self._cuts.append(self._pending_start)
        self._forget_old_audio()

    def _forget_old_audio(self) -> None:
        """Drop the audio that no context, revision or filler pass needs any more (keep a
        minute at most)."""
        keep_from = min(self._filled, self._pending_start)
        if self.options.revise_left_s is not None:
            oldest = self._cuts[self._revised] - int(self.options.revise_left_s * SAMPLE_RATE)
            keep_from = min(keep_from, oldest)
        keep_from = max(keep_from, self._pending_start - KEPT_S * SAMPLE_RATE)
        if keep_from > self._audio_start:
            self._audio = self._audio[keep_from - self._audio_start :]
            self._audio_start = keep_from

    def _decode_audio(self, audio: np.ndarray, start: int) -> list[Heard]:
        """Segments of ``audio`` (stream samples from ``start``).

        With ``one_window``, speech the decode did not reach is decoded again, with what
        was just heard added to the context (see :func:`left_over`).
        """
        segments: list[Heard] = []
        while audio.size:
            heard = self._decode_window(audio, start, segments)
            rest = self._left_over(audio, start, heard)
            if rest is not None and rest[0] == 0:
                rest = None  # skipped from the very start: nothing better to try
            if rest is not None:
                heard = drop_words_after(heard, rest[1])
            segments.extend(words_between(heard, start, self._total))
            if rest is None:
                break
            audio, start = audio[rest[0] :], start + rest[0]
        return segments

    def _decode_window(self, audio: np.ndarray, start: int, said: list[Heard]) -> list[Heard]:
        """Decode audio that begins at stream sample ``start``, the words said before it
        as the context."""
        if self._stopping.is_set():
            raise _Stopped()
        ended = start + int(0.05 * SAMPLE_RATE)
        context = " ".join(word for s in [*self._segments, *said]
                           for word, _, end, _ in s.words if end * SAMPLE_RATE <= ended)
        windows = 1 if self.options.one_window else None
        self.chunks_decoded += 1
        return self.transcriber.decode(audio, start / SAMPLE_RATE, context, windows,
                                       vad_filter=self.options.vad_filter)

    def _left_over(self, audio: np.ndarray, start: int, heard: list[Heard]
                   ) -> tuple[int, int] | None:
        if not self.options.one_window:
            return None
        return left_over(audio, start, heard, self.options.left_over_s)

    # fillers

    def _finished_end(self) -> int:
        """The stream sample up to which the chunks are final (revised or past revising)."""
        if self.options.revise_left_s is None:
            return self._pending_start
        return self._cuts[self._revised]

    def _fill(self, end: int) -> bool:
        """Put in the fillers of the words up to stream sample ``end`` not yet filled (as
        far back as the audio is kept); True when a filler pass ran."""
        start = max(self._filled, self._audio_start)
        self._filled = max(self._filled, end)
        words = words_between(self._segments, start, end)
        if all(is_filler(w[0]) for segment in words for w in segment.words):
            return False  # nothing said, or only a filler put in at the edge of the last pass
        self._splice(start, end, self._with_fillers(words, start, end))
        return True

    def _fill_guess(self) -> None:
        """Count the fillers up to the end of the decode ahead of time, once the speaker has
        been quiet for ``fill_ahead_after_s`` (kept only if the answer ends there)."""
        guess = self._guess
        quiet_s = self._vad.trailing_silence_s if self._vad is not None else 0.0
        if guess is None or guess.filled is not None or quiet_s < self.options.fill_ahead_after_s:
            return
        start = max(self._filled, self._audio_start)
        words = [*words_between(self._segments, start, guess.end), *guess.segments]
        filled = self._with_fillers(words, start, guess.end) if words else []
        self._guess = replace(guess, filled=filled, filled_from=start, filled_at=time.monotonic())

    def _with_fillers(self, words: list[Heard], start: int, end: int) -> list[Heard]:
        if self._stopping.is_set():
            raise _Stopped()
        self.filler_passes += 1
        return self.transcriber.add_fillers(words, self._stream(start, end), start / SAMPLE_RATE)

    def _splice(self, start: int, end: int, segments: list[Heard]) -> None:
        """Put ``segments`` in place of the words between two stream samples."""
        self._segments = [*words_between(self._segments, 0, start), *segments,
                          *words_between(self._segments, end, self._total)]

    # revising

    def _revise(self) -> None:
        """Decode the oldest chunk not yet revised again, with the audio on both sides,
        while the speaker is still talking (so that no pause waits for it)."""
        left_s = self.options.revise_left_s
        if left_s is None or len(self._cuts) < self._revised + 3:
            return  # revise only chunks followed by a closed chunk
        if self._vad is not None and self._vad.trailing_silence_s > 0.1:
            return
        chunk_start, chunk_end, next_end = self._cuts[self._revised : self._revised + 3]
        self._revised += 1
        start = max(chunk_start - int(left_s * SAMPLE_RATE), self._audio_start)
        end = min(next_end, start + int(WINDOW_S * SAMPLE_RATE))
        if start > chunk_start or end <= chunk_end:
            return  # the audio around the chunk is no longer kept or does not fit
        audio = self._stream(start, end)
        self.revisions_tried += 1
        heard = self._decode_window(audio, start, [])
        rest = self._left_over(audio, start, heard)
        if rest is not None:
            if start + rest[0] < chunk_end:
                return  # the model skipped part of the chunk: keep the first version
            heard = drop_words_after(heard, rest[1])
        first_version = words_between(self._segments, chunk_start, chunk_end)
        again = words_between(heard, chunk_start, chunk_end)
        if first_version and not again:
            return
        self._splice(chunk_start, chunk_end, again)
        self.revisions += 1


def words_between(segments: list[Heard], start: int, end: int) -> list[Heard]:
    """The segments with only the words centred between two stream samples."""
    kept = [Heard(tuple(w for w in s.words if start <= (w[1] + w[2]) / 2 * SAMPLE_RATE < end),
                  s.no_speech_prob, s.avg_logprob) for s in segments]
    return [s for s in kept if s.words]


def left_over(
    audio: np.ndarray, start: int, heard: list[Heard], at_least_s: float
) -> tuple[int, int] | None:
    """Where to decode again when speech was left out: (sample in ``audio``, words kept).

    ``audio`` begins at stream sample ``start``; ``heard`` is its decode. Speech of at
    least ``at_least_s`` (by VAD) after the last word is left out. The model also
    sometimes skips part of the audio and pins the word after the skip to its end, or
    stretches a word over the speech it skipped: then ``SKIPPED_S`` of speech before a
    word, or a word longer than ``LONGEST_WORD_S``, sends the decode back to the end
    of the word before (or to the start, when it is the first word).
    """
    words = [w for s in heard for w in s.words]
    if not words:
        return None

    def sample(seconds: float) -> int:
        return min(max(int(seconds * SAMPLE_RATE) - start, 0), audio.size)

    previous_end = 0
    for index, (_, word_start, word_end, _) in enumerate(words):
        gap = audio[previous_end : sample(word_start)]
        skipped = gap.size >= SKIPPED_S * SAMPLE_RATE and has_speech(gap, SKIPPED_S)
        stretched = index > 0 and word_end - word_start > LONGEST_WORD_S
        if skipped or stretched:
            return previous_end, index
        previous_end = sample(word_end)
    if 0 < previous_end < audio.size and has_speech(audio[previous_end:], at_least_s):
        return previous_end, len(words)
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


def quietest_point(audio: np.ndarray, frame: int = 1600) -> int:
    """Middle of the quietest 100 ms frame: where to cut speech that has no pause."""
    usable = audio[: audio.size - audio.size % frame]
    if usable.size == 0:
        return audio.size
    energy = (usable.reshape(-1, frame).astype(np.float64) ** 2).mean(axis=1)
    return int(np.argmin(energy)) * frame + frame // 2
