"""Streaming transcription: decode closed chunks while the user is still speaking.

Recorded blocks go into a queue; a background worker (the only thread that
uses the model while streaming) appends them to a pending buffer, looks for a
pause with Silero VAD (shipped inside faster-whisper), and transcribes the
audio up to the middle of that pause, passing the text said so far as context.
When the answer ends only the last chunk is left to decode.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np

from coach.audio.guards import Heard
from coach.audio.transcribe import Transcript, WhisperTranscriber, build_transcript
from coach.audio.wav import SAMPLE_RATE


@dataclass(frozen=True)
class ChunkOptions:
    """Where the stream is cut into chunks."""

    min_chunk_s: float = 2.0
    """A chunk is closed only once it holds at least this much audio."""
    max_chunk_s: float = 25.0
    """A chunk with no pause is cut here anyway (Whisper's window is 30 s)."""
    pause_s: float = 0.3
    """A silence at least this long (by VAD) closes a chunk."""
    check_every_s: float = 0.5
    """New audio needed before the worker looks for a pause again."""


_END = None


class StreamingTranscriber:
    """Feed recorded blocks as they arrive; :meth:`finish` returns the whole transcript."""

    def __init__(
        self, transcriber: WhisperTranscriber, options: ChunkOptions | None = None
    ) -> None:
        self.transcriber = transcriber
        self.options = options or ChunkOptions()
        self.chunks_decoded = 0
        self._blocks: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._pending = np.zeros(0, np.float32)
        self._pending_start = 0  # sample index of the pending buffer's first sample
        self._unchecked = 0  # samples added since the last look for a pause
        self._segments: list[Heard] = []
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
        total = self._pending_start + self._pending.size
        return build_transcript(self._segments, total / SAMPLE_RATE)

    # the worker

    def _work(self) -> None:
        try:
            while True:
                block = self._blocks.get()
                if block is _END:
                    break
                self._append(block)
                due = self._unchecked >= self.options.check_every_s * SAMPLE_RATE
                if due and self._blocks.empty():
                    self._close_chunks()
            self._close_chunks()
            self._decode(self._pending.size)
        except BaseException as error:  # surfaced by finish()
            self._error = error
        finally:
            self._done.set()

    def _append(self, block: np.ndarray) -> None:
        self._pending = np.concatenate([self._pending, block])
        self._unchecked += block.size

    def _close_chunks(self) -> None:
        self._unchecked = 0
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
        chunk, self._pending = self._pending[:cut], self._pending[cut:]
        offset_s = self._pending_start / SAMPLE_RATE
        self._pending_start += cut
        if chunk.size == 0:
            return
        context = " ".join(w for s in self._segments for w, *_ in s.words)
        self._segments.extend(self.transcriber.decode(chunk, offset_s, context))
        self.chunks_decoded += 1


def quietest_point(audio: np.ndarray, frame: int = 1600) -> int:
    """Middle of the quietest 100 ms frame: where to cut speech that has no pause."""
    usable = audio[: audio.size - audio.size % frame]
    if usable.size == 0:
        return audio.size
    energy = (usable.reshape(-1, frame).astype(np.float64) ** 2).mean(axis=1)
    return int(np.argmin(energy)) * frame + frame // 2
