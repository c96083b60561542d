"""Trailing-silence endpointing: has the speaker finished?

An energy gate decides cheaply that a quiet window is silence; louder windows
go to the Silero VAD that ships inside faster-whisper, run window by window
with its recurrent state carried over, so streaming gives exactly the
probabilities the VAD would give on the whole recording. Time is counted in
samples, never wall-clock, so the same audio always ends at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.audio.wav import SAMPLE_RATE

WINDOW = 512  # samples per Silero window at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous window the model sees


@dataclass(frozen=True)
class EndpointOptions:
    """How speech and silence are told apart."""

    threshold: float = 0.5
    """Silero speech probability at or above which a window counts as speech."""
    energy_gate_rms: float = 0.002
    """Windows with an RMS below this (about -54 dBFS) are silence; the VAD is skipped."""
    min_speech_s: float = 0.25
    """Speech needed in total before trailing silence may end the answer (a cough is not one)."""


class SileroWindows:
    """The faster-whisper Silero VAD model, fed one 512-sample window at a time."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session: Any = get_vad_model().session
        self._state_h = np.zeros((1, 1, 128), np.float32)
        self._state_c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)

    def probability(self, window: np.ndarray) -> float:
        """Speech probability of the next window (exactly WINDOW samples)."""
        model_input = np.concatenate([self._context, window])[None, :].astype(np.float32)
        output, self._state_h, self._state_c = self._session.run(
            None, {"input": model_input, "h": self._state_h, "c": self._state_c}
        )
        self._context = window[-CONTEXT:]
        return float(np.ravel(output)[0])


class Endpointer:
    """Tracks, block by block, where speech was last heard.

    Feed it 16 kHz mono blocks of any size; it judges whole 512-sample windows
    and keeps the remainder for the next block.
    """

    def __init__(self, silence_end_s: float | None, options: EndpointOptions | None = None):
        self.silence_end_s = silence_end_s
        self.options = options or EndpointOptions()
        self._vad = SileroWindows()
        self._pending = np.zeros(0, np.float32)
        self._judged = 0  # samples already judged
        self._speech_samples = 0
        self._speech_end: int | None = None  # sample index just after the last speech window

    def feed(self, block: np.ndarray) -> None:
        samples = np.concatenate([self._pending, np.asarray(block, np.float32)])
        whole = len(samples) // WINDOW * WINDOW
        for start in range(0, whole, WINDOW):
            self._judge(samples[start : start + WINDOW])
        self._pending = samples[whole:]

    def _judge(self, window: np.ndarray) -> None:
        self._judged += WINDOW
        rms = float(np.sqrt(np.mean(window * window)))
        if rms < self.options.energy_gate_rms:
            return
        if self._vad.probability(window) >= self.options.threshold:
            self._speech_samples += WINDOW
            self._speech_end = self._judged

    @property
    def heard_speech(self) -> bool:
        return self._speech_samples >= self.options.min_speech_s * SAMPLE_RATE

    @property
    def speech_end(self) -> int | None:
        """Sample index just after the last speech heard; None if never."""
        return self._speech_end

    @property
    def speech_end_s(self) -> float | None:
        """Seconds into the audio where speech was last heard; None if never."""
        return None if self._speech_end is None else self._speech_end / SAMPLE_RATE

    @property
    def trailing_silence_s(self) -> float:
        """Seconds since speech was last heard (since the start if it never was)."""
        return (self._judged - (self._speech_end or 0)) / SAMPLE_RATE

    def should_end(self) -> bool:
        """True once speech was heard and then silence lasted ``silence_end_s``."""
        if not self.silence_end_s or not self.heard_speech:
            return False
        return self.trailing_silence_s >= self.silence_end_s
