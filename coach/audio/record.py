"""Record one spoken answer: microphone or file in, WAV and samples out.

The audio callback only copies each block into a queue. The consumer (the
thread calling :meth:`Recorder.record`) writes every block to the WAV at once
(so Ctrl-C or a crash keeps what was said), runs the endpointing, hands the
block to ``on_block`` and updates the terminal. The answer ends at the first of:
the stop event (Enter), trailing silence after speech, the time budget, or the
end of a fed file.

The WAV keeps everything that was recorded, trailing silence included; the
:class:`Recording` says where speech was last heard (``speech_end_s``), so
later stages can ignore the tail without the file losing anything.

A file-fed stream calls the same callback with the same blocks as a microphone
would; without ``realtime`` it feeds them as fast as they are taken. Elapsed
time is counted in samples, so budget and silence decisions do not depend on
pacing.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import numpy as np

from coach.audio.endpoint import Endpointer, EndpointOptions
from coach.audio.wav import SAMPLE_RATE, WavWriter
from coach.config import Settings
from coach.errors import DeviceError, StoreError

AudioCallback = Callable[[np.ndarray, int, Any, Any], None]
"""sounddevice's callback signature: (indata frames x channels, frames, time, status)."""


class InputStream(Protocol):
    """The part of ``sounddevice.InputStream`` the recorder uses."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


StreamFactory = Callable[[int, AudioCallback, Callable[[], None]], InputStream]
"""Opens a stream: ``factory(blocksize, callback, finished)``; ``finished`` is called when
the input ends by itself (the end of a fed file)."""


QUIET_MICROPHONE_FIX = (
    "check the OS microphone permission for this terminal and that the microphone is not "
    "muted, or choose another one with `--input-device` (see `coach devices`)"
)
SILENT_FILE_FIX = "check that the file plays and holds the spoken answer"


@dataclass(frozen=True)
class RecorderOptions:
    """How an answer is captured and when it ends."""

    silence_end_s: float | None = 6.0
    """Trailing silence after speech that ends the answer; None to end only by Enter or budget."""
    block_samples: int = 1024
    """Samples per block (64 ms at 16 kHz)."""
    budget_warning_s: float = 15.0
    """Warn this long before the time budget runs out (at most a quarter of the budget)."""
    quiet_check_s: float = 2.0
    """The opening stretch whose input level is checked for a muted or wrong microphone."""
    quiet_peak: float = 0.0005
    """A peak below this (about -66 dBFS) over the opening stretch is far below speech."""
    quiet_fix: str | None = QUIET_MICROPHONE_FIX
    """What a quiet opening stretch tells the user to check; None skips the check (an answer
    read from a file is checked as a whole before it is fed: a file may open with silence)."""
    stall_timeout_s: float = 5.0
    """The input sending nothing for this long is a device failure."""
    endpoint: EndpointOptions = field(default_factory=EndpointOptions)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RecorderOptions:
        return cls(silence_end_s=settings.silence_end_s, **overrides)


@dataclass
class Recording:
    """One recorded answer."""

    samples: np.ndarray
    """16 kHz mono float32, everything recorded."""
    path: Path
    """The WAV written as it was recorded."""
    ended_by: str
    """"enter" | "silence" | "budget" | "end_of_file"."""
    speech_end_s: float | None
    """Seconds into the recording where speech was last heard (None if never)."""
    duration_s: float
    warnings: list[str] = field(default_factory=list)
    """Every warning shown while recording."""


class RecordingDisplay(Protocol):
    """Where the recorder shows progress and warnings."""

    def update(self, elapsed_s: float, budget_s: float, rms: float) -> None: ...
    def warn(self, message: str) -> None: ...
    def close(self) -> None: ...


class TerminalDisplay:
    """One updating line on stderr (only on a terminal); warnings are always printed."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 interval_s: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.interval_s = interval_s
        self._last_draw = 0.0
        self._drawn = False

    def update(self, elapsed_s: float, budget_s: float, rms: float) -> None:
        now = time.monotonic()
        if not self.live or now - self._last_draw < self.interval_s:
            return
        self._last_draw = now
        self.stream.write(f"\r{status_line(elapsed_s, budget_s, rms)}")
        self.stream.flush()
        self._drawn = True

    def warn(self, message: str) -> None:
        self._end_line()
        print(f"coach: warning: {message}", file=self.stream, flush=True)

    def close(self) -> None:
        self._end_line()

    def _end_line(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False


def status_line(elapsed_s: float, budget_s: float, rms: float, width: int = 20) -> str:
    """E.g. ``● rec 0:12 / 3:00  level [######        ]  -32 dB  Enter to finish``."""
    db = 20 * np.log10(max(rms, 1e-5))
    filled = int(round(width * min(1.0, max(0.0, (db + 60) / 60))))
    level = "#" * filled + " " * (width - filled)
    return (f"● rec {clock(elapsed_s)} / {clock(budget_s)}  level [{level}] {db:4.0f} dB  "
            "Enter to finish")


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class Recorder:
    """Records one answer at a time from a stream factory (the microphone by default)."""

    def __init__(
        self,
        options: RecorderOptions,
        stream_factory: StreamFactory | None = None,
        stop_event: threading.Event | None = None,
        display: RecordingDisplay | None = None,
    ) -> None:
        self.options = options
        self.stream_factory = stream_factory
        self.stop_event = stop_event or threading.Event()
        self.display = display or TerminalDisplay()

    def record(self, wav_path: Path, budget_s: float,
               on_block: Callable[[np.ndarray], None] | None = None) -> Recording:
        """Record until Enter (the stop event), trailing silence, the budget or end of input.

        The stop event is cleared first, so an Enter pressed earlier does not end this answer.
        """
        factory = self.stream_factory or microphone_for(None)
        self.stop_event.clear()
        take = _Take(self.options, budget_s, self.display)
        blocks: queue.Queue[np.ndarray | None] = queue.Queue()

        def callback(indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            blocks.put(indata[:, 0].copy() if indata.ndim == 2 else indata.copy())

        stream = factory(self.options.block_samples, callback, lambda: blocks.put(None))
        try:
            stream.start()
        except BaseException:
            stream.close()
            raise
        try:
            with _open_writer(wav_path) as writer:
                ended_by = self._consume(blocks, take, writer, on_block)
        finally:
            stream.stop()
            stream.close()
            self.display.close()
        return take.result(wav_path, ended_by)

    def _consume(self, blocks: queue.Queue[np.ndarray | None], take: _Take,
                 writer: WavWriter, on_block: Callable[[np.ndarray], None] | None) -> str:
        last_block_at = time.monotonic()
        while True:
            if self.stop_event.is_set():
                return "enter"
            try:
                block = blocks.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() - last_block_at > self.options.stall_timeout_s:
                    raise DeviceError(
                        f"the audio input stopped sending sound after {take.elapsed_s:.1f} s",
                        "check the microphone connection and `coach devices`; "
                        f"what was said so far is in {writer.path}",
                    ) from None
                continue
            if block is None:
                return "end_of_file"
            last_block_at = time.monotonic()
            block = take.fit(block)
            writer.write(block)
            take.add(block)
            if on_block is not None:
                on_block(block)
            ended_by = take.ended_by()
            if ended_by:
                return ended_by


class _Take:
    """The state of one recording: samples so far, endpointing, level checks, warnings."""

    def __init__(self, options: RecorderOptions, budget_s: float, display: RecordingDisplay):
        self.options = options
        self.budget_s = budget_s
        self.budget_samples = int(round(budget_s * SAMPLE_RATE))
        self.display = display
        self.endpointer = Endpointer(options.silence_end_s, options.endpoint)
        self.blocks: list[np.ndarray] = []
        self.samples = 0
        self.opening_peak = 0.0
        self.level_checked = False
        self.budget_warned = False
        self.warnings: list[str] = []

    @property
    def elapsed_s(self) -> float:
        return self.samples / SAMPLE_RATE

    def fit(self, block: np.ndarray) -> np.ndarray:
        """The block, cut so the recording never runs past the budget."""
        return np.asarray(block[: max(0, self.budget_samples - self.samples)], np.float32)

    def add(self, block: np.ndarray) -> None:
        self.blocks.append(block)
        self.samples += len(block)
        self.endpointer.feed(block)
        rms = float(np.sqrt(np.mean(block * block))) if len(block) else 0.0
        self.display.update(self.elapsed_s, self.budget_s, rms)
        self._check_level(block)
        self._check_budget()

    def ended_by(self) -> str | None:
        if self.samples >= self.budget_samples:
            return "budget"
        if self.endpointer.should_end():
            return "silence"
        return None

    def _check_level(self, block: np.ndarray) -> None:
        if self.level_checked:
            return
        if len(block):
            self.opening_peak = max(self.opening_peak, float(np.max(np.abs(block))))
        if self.elapsed_s < self.options.quiet_check_s:
            return
        self.level_checked = True
        check = self.options.quiet_fix
        if check is None:
            return
        if self.opening_peak == 0.0:
            self._warn(f"the input has been all zeros for {self.options.quiet_check_s:.0f} s: "
                       + check)
        elif self.opening_peak < self.options.quiet_peak:
            self._warn(f"the input level is far below speech ({_db(self.opening_peak):.0f} dB "
                       f"peak) for {self.options.quiet_check_s:.0f} s: " + check)

    def _check_budget(self) -> None:
        lead = min(self.options.budget_warning_s, self.budget_s / 4)
        if not self.budget_warned and self.elapsed_s >= self.budget_s - lead:
            self.budget_warned = True
            if self.samples < self.budget_samples:
                self._warn(f"{self.budget_s - self.elapsed_s:.0f} s left of the "
                           f"{clock(self.budget_s)} budget: start wrapping up")

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        self.display.warn(message)

    def result(self, path: Path, ended_by: str) -> Recording:
        samples = np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)
        return Recording(
            samples=samples, path=path, ended_by=ended_by,
            speech_end_s=self.endpointer.speech_end_s,
            duration_s=len(samples) / SAMPLE_RATE, warnings=list(self.warnings),
        )


def _open_writer(path: Path) -> WavWriter:
    try:
        return WavWriter(path)
    except OSError as error:
        raise StoreError(f"cannot write the answer to {path}: {error.strerror}",
                         "check that COACH_HOME is writable") from error


def _db(amplitude: float) -> float:
    return float(20 * np.log10(max(amplitude, 1e-9)))


# streams


def microphone(settings: Settings) -> StreamFactory:
    """Stream factory for the configured microphone; DeviceError when there is none."""
    return microphone_for(settings.input_device)


def microphone_for(device_spec: str | None) -> StreamFactory:
    from coach.audio.devices import input_device, load_sounddevice, no_microphone

    sd = load_sounddevice()
    device = input_device(device_spec)

    def open_stream(blocksize: int, callback: AudioCallback,
                    finished: Callable[[], None]) -> InputStream:
        try:
            stream = sd.InputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="float32", blocksize=blocksize,
                device=device.index, callback=callback, finished_callback=finished,
            )
        except sd.PortAudioError as error:
            raise no_microphone(f"{device.name}: {error}") from error
        return _MicrophoneStream(stream, device.name, sd.PortAudioError)

    return open_stream


class _MicrophoneStream:
    """A sounddevice stream whose start failure is reported as a DeviceError."""

    def __init__(self, stream: Any, name: str, port_audio_error: type[Exception]) -> None:
        self._stream = stream
        self._name = name
        self._error = port_audio_error

    def start(self) -> None:
        from coach.audio.devices import no_microphone

        try:
            self._stream.start()
        except self._error as error:
            raise no_microphone(f"{self._name}: {error}") from error

    def stop(self) -> None:
        self._stream.stop()

    def close(self) -> None:
        self._stream.close()


def file_stream(path: Path, realtime: bool = False) -> StreamFactory:
    """Stream factory feeding a recording (any format, rate and channels) as microphone blocks."""
    from coach.audio.decode import read_audio

    return samples_stream(read_audio(path), realtime)


def samples_stream(samples: np.ndarray, realtime: bool = False) -> StreamFactory:
    """Stream factory feeding 16 kHz mono samples as microphone blocks."""

    def open_stream(blocksize: int, callback: AudioCallback,
                    finished: Callable[[], None]) -> InputStream:
        return FileStream(samples, blocksize, callback, finished, realtime)

    return open_stream


class FileStream:
    """Calls the callback with consecutive blocks of the samples from a thread, like PortAudio."""

    def __init__(self, samples: np.ndarray, blocksize: int, callback: AudioCallback,
                 finished: Callable[[], None], realtime: bool = False) -> None:
        self.samples = np.asarray(samples, np.float32)
        self.blocksize = blocksize
        self.callback = callback
        self.finished = finished
        self.realtime = realtime
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coach-file-stream", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def close(self) -> None:
        self.stop()

    def _run(self) -> None:
        started = time.monotonic()
        for start in range(0, len(self.samples), self.blocksize):
            if self._stopped.is_set():
                return
            if self.realtime:  # a microphone delivers a block once it has been spoken
                due = started + (start + self.blocksize) / SAMPLE_RATE
                if self._stopped.wait(max(0.0, due - time.monotonic())):
                    return
            block = self.samples[start : start + self.blocksize]
            self.callback(block[:, None], len(block), None, None)
        self.finished()
