"""The real recorder, fed from recordings through the same callback a microphone uses."""

from __future__ import annotations

import io
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from speech import join, noise, piper_audio, save, silence

from coach.audio.decode import read_audio
from coach.audio.record import (
    Recorder,
    RecorderOptions,
    Recording,
    TerminalDisplay,
    file_stream,
    status_line,
)
from coach.audio.wav import SAMPLE_RATE
from coach.errors import AudioFileError, DeviceError

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SENTENCE = "I would start by looking at how the labels were collected, and then at the features."
PCM_STEP = 1.0 / 32767


@pytest.fixture(scope="module")
def human() -> np.ndarray:
    """About 7 s of real read speech (LibriVox, from pocketsphinx-testdata)."""
    return read_audio(LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav")


@pytest.fixture(scope="module")
def spoken() -> np.ndarray:
    return piper_audio(SENTENCE)


def record(tmp_path: Path, audio: np.ndarray, budget_s: float = 60.0, realtime: bool = False,
           on_block: Callable[[np.ndarray], None] | None = None,
           stop_event: threading.Event | None = None, **options: Any) -> Recording:
    source = save(audio, tmp_path / "input.wav")
    recorder = Recorder(RecorderOptions(**options), file_stream(source, realtime),
                        stop_event=stop_event)
    return recorder.record(tmp_path / "answer.wav", budget_s, on_block)


def assert_same_audio(recorded: np.ndarray, expected: np.ndarray) -> None:
    assert recorded.size == expected.size
    assert np.max(np.abs(recorded - expected)) <= 2 * PCM_STEP  # 16-bit quantisation


def test_trailing_silence_ends_the_answer_and_the_wav_keeps_everything(
        tmp_path: Path, human: np.ndarray) -> None:
    audio = join(human, silence(7.0), human)
    result = record(tmp_path, audio, silence_end_s=6.0)
    assert result.ended_by == "silence"
    assert result.speech_end_s is not None
    assert human.size / SAMPLE_RATE - 1.0 < result.speech_end_s <= human.size / SAMPLE_RATE
    # the answer ends 6 s after the last speech, to within a block; the second clip is never read
    assert result.duration_s == pytest.approx(result.speech_end_s + 6.0, abs=0.07)
    assert result.duration_s < (human.size / SAMPLE_RATE) + 7.0
    assert_same_audio(result.samples, read_audio(tmp_path / "input.wav")[: result.samples.size])
    assert_same_audio(read_audio(result.path), result.samples)


def test_a_pause_shorter_than_the_setting_does_not_end_it(
        tmp_path: Path, spoken: np.ndarray) -> None:
    audio = join(spoken, silence(3.0), spoken, silence(2.0))
    result = record(tmp_path, audio, silence_end_s=4.0)
    assert result.ended_by == "end_of_file"
    assert result.duration_s == pytest.approx(audio.size / SAMPLE_RATE, abs=1e-6)
    assert result.speech_end_s is not None and result.speech_end_s > spoken.size / SAMPLE_RATE + 3


def test_a_quiet_room_counts_as_silence(tmp_path: Path, spoken: np.ndarray) -> None:
    audio = join(spoken, noise(3.0, level=0.003))
    result = record(tmp_path, audio, silence_end_s=2.0)
    assert result.ended_by == "silence"
    assert result.speech_end_s is not None
    assert result.speech_end_s <= spoken.size / SAMPLE_RATE + 0.5  # the VAD lags a little


def test_the_budget_ends_it_exactly_with_a_warning_first(
        tmp_path: Path, human: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    result = record(tmp_path, human, budget_s=4.0, budget_warning_s=1.0)
    assert result.ended_by == "budget"
    assert result.samples.size == 4 * SAMPLE_RATE
    assert read_audio(result.path).size == 4 * SAMPLE_RATE
    assert any("left of the 0:04 budget" in w for w in result.warnings)
    assert "left of the 0:04 budget" in capsys.readouterr().err


def test_the_stop_event_ends_it_after_the_block_that_set_it(
        tmp_path: Path, human: np.ndarray) -> None:
    stop = threading.Event()
    seen: list[np.ndarray] = []

    def on_block(block: np.ndarray) -> None:
        seen.append(block)
        if len(seen) == 20:
            stop.set()

    stop.set()  # pressed before recording began: must not end this answer
    result = record(tmp_path, human, on_block=on_block, stop_event=stop, block_samples=800)
    assert result.ended_by == "enter"
    assert len(seen) == 20 and all(block.size == 800 for block in seen)
    assert result.samples.size == 20 * 800
    assert np.array_equal(np.concatenate(seen), result.samples)


def test_enter_from_another_thread_stops_a_paced_recording(
        tmp_path: Path, human: np.ndarray) -> None:
    stop = threading.Event()
    timer = threading.Timer(0.6, stop.set)
    timer.start()
    try:
        result = record(tmp_path, human, realtime=True, stop_event=stop)
    finally:
        timer.cancel()
    assert result.ended_by == "enter"
    assert 0.3 <= result.duration_s <= 1.5
    assert_same_audio(read_audio(result.path), result.samples)


def test_paced_and_fast_feeding_give_the_same_blocks_and_decisions(
        tmp_path: Path, spoken: np.ndarray) -> None:
    audio = join(spoken[: SAMPLE_RATE], silence(1.2))
    runs = []
    for realtime in (False, True):
        blocks: list[np.ndarray] = []
        folder = tmp_path / str(realtime)
        folder.mkdir()
        result = record(folder, audio, realtime=realtime, on_block=blocks.append,
                        silence_end_s=1.0)
        runs.append((result, blocks))
    (fast, fast_blocks), (paced, paced_blocks) = runs
    assert fast.ended_by == paced.ended_by == "silence"
    assert fast.speech_end_s == paced.speech_end_s
    assert len(fast_blocks) == len(paced_blocks)
    assert all(np.array_equal(a, b) for a, b in zip(fast_blocks, paced_blocks, strict=True))


def test_the_wav_is_valid_while_recording(tmp_path: Path, human: np.ndarray) -> None:
    """Each block is in the file before the next one is taken: a crash keeps what was said."""
    checks: list[tuple[int, int]] = []
    total = 0

    def on_block(block: np.ndarray) -> None:
        nonlocal total
        total += block.size
        if len(checks) < 3 and total >= (len(checks) + 1) * SAMPLE_RATE:
            checks.append((total, read_audio(tmp_path / "answer.wav").size))

    record(tmp_path, human, budget_s=4.0, on_block=on_block)
    assert len(checks) == 3 and all(in_file == fed for fed, in_file in checks)


def test_all_zero_input_warns_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = record(tmp_path, silence(5.0))
    assert result.ended_by == "end_of_file" and result.speech_end_s is None
    warnings = [w for w in result.warnings if "all zeros" in w]
    assert len(warnings) == 1
    for needed in ("permission", "--input-device", "coach devices"):
        assert needed in warnings[0]
    err = capsys.readouterr().err
    assert err.count("all zeros") == 1 and "\r" not in err  # not a terminal: no live line


def test_an_answer_file_opening_with_silence_is_not_warned_about(tmp_path: Path) -> None:
    # a file is checked as a whole before it is fed (its opening may be silent)
    assert record(tmp_path, silence(5.0), quiet_fix=None).warnings == []


def test_a_far_too_quiet_input_warns(tmp_path: Path) -> None:
    result = record(tmp_path, noise(3.0, level=0.00005))
    assert any("far below speech" in w for w in result.warnings)


def test_speech_at_the_start_gives_no_level_warning(tmp_path: Path, spoken: np.ndarray) -> None:
    result = record(tmp_path, spoken)
    assert result.warnings == []


def _write_stereo_44k(path: Path, frequency: float, seconds: float) -> None:
    t = np.arange(int(44_100 * seconds)) / 44_100
    left = 0.5 * np.sin(2 * np.pi * frequency * t)
    frames = np.stack([left, 0.8 * left], axis=1)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(44_100)
        writer.writeframes((frames * 32767).astype("<i2").tobytes())


def test_a_44k_stereo_file_is_resampled_to_16k_mono(tmp_path: Path) -> None:
    source = tmp_path / "stereo44k.wav"
    _write_stereo_44k(source, 440.0, 2.0)
    recorder = Recorder(RecorderOptions(), file_stream(source))
    result = recorder.record(tmp_path / "answer.wav", 60.0)
    assert result.ended_by == "end_of_file"
    assert result.samples.size == 2 * SAMPLE_RATE
    spectrum = np.abs(np.fft.rfft(result.samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / result.samples.size
    assert peak_hz == pytest.approx(440.0, abs=1.0)
    # the channels (0.5 and 0.4 peak) are averaged
    assert np.max(np.abs(result.samples)) == pytest.approx(0.45, abs=0.01)
    with wave.open(str(result.path), "rb") as reader:
        assert (reader.getframerate(), reader.getnchannels()) == (SAMPLE_RATE, 1)


def test_a_file_that_is_not_audio_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "answer.mp3"
    bogus.write_bytes(b"ID3\x03\x00 not an mp3")
    with pytest.raises(AudioFileError, match="is not audio coach can read"):
        file_stream(bogus)


class SilentInput:
    """An input device that opens and then never delivers a block (a hung driver)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


def test_an_input_that_stops_sending_is_a_device_error(tmp_path: Path) -> None:
    recorder = Recorder(RecorderOptions(stall_timeout_s=0.3),
                        lambda blocksize, callback, finished: SilentInput())
    with pytest.raises(DeviceError, match="stopped sending sound"):
        recorder.record(tmp_path / "answer.wav", 10.0)
    assert (tmp_path / "answer.wav").exists()


def test_the_live_line_shows_time_budget_and_level() -> None:
    line = status_line(72.4, 180.0, 0.05)
    assert "1:12 / 3:00" in line and "-26 dB" in line and "Enter" in line
    screen = io.StringIO()
    display = TerminalDisplay(screen, live=True, interval_s=0.0)
    display.update(1.0, 60.0, 0.01)
    display.warn("careful")
    display.close()
    assert screen.getvalue().startswith("\r● rec 0:01 / 1:00")
    assert "\ncoach: warning: careful\n" in screen.getvalue()
