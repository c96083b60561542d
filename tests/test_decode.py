"""Reading recordings of any common format: files made at test time with PyAV and sox."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from speech import encode, piper_wav, word_error

from coach.audio.decode import read_audio
from coach.audio.play import read_native
from coach.audio.record import Recorder, RecorderOptions, file_stream
from coach.audio.transcribe import WhisperTranscriber
from coach.audio.wav import SAMPLE_RATE
from coach.cli import main
from coach.errors import AudioFileError

SECONDS = 1.5
TONE_HZ = 440.0
ANSWER = "I would start with the data, then check how the labels were collected."

FORMATS = [  # file name, codec, container (None: from the suffix), rate, channels
    ("answer.m4a", "aac", None, 44_100, 2),
    ("answer.mp3", "libmp3lame", None, 44_100, 2),
    ("answer.opus", "libopus", "ogg", 48_000, 2),
    ("answer.webm", "libopus", None, 48_000, 1),
    ("answer.flac", "flac", None, 8_000, 1),
    ("answer-8k.wav", "pcm_s16le", None, 8_000, 2),
    ("answer-44k.wav", "pcm_s16le", None, 44_100, 2),
    ("answer-48k.wav", "pcm_s16le", None, 48_000, 2),
]


def tone(rate: int, channels: int) -> np.ndarray:
    """A 440 Hz tone; in stereo the right channel is 0.8 of the left (peaks 0.5 and 0.4)."""
    left = 0.5 * np.sin(2 * np.pi * TONE_HZ * np.arange(int(rate * SECONDS)) / rate)
    return np.stack([left, 0.8 * left]) if channels == 2 else left


def peak_hz(samples: np.ndarray) -> float:
    return float(np.argmax(np.abs(np.fft.rfft(samples))) * SAMPLE_RATE / samples.size)


@pytest.mark.parametrize(("name", "codec", "container", "rate", "channels"), FORMATS)
def test_each_format_reads_as_16k_mono_of_the_right_length(
    tmp_path: Path, name: str, codec: str, container: str | None, rate: int, channels: int
) -> None:
    path = encode(tone(rate, channels), rate, tmp_path / name, codec, container)
    samples = read_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert samples.size / SAMPLE_RATE == pytest.approx(SECONDS, abs=0.03)
    assert peak_hz(samples) == pytest.approx(TONE_HZ, abs=1.0)
    assert np.abs(samples).max() <= 1.0


@pytest.mark.parametrize("rate", [8_000, 44_100, 48_000])
def test_stereo_channels_are_averaged(tmp_path: Path, rate: int) -> None:
    path = encode(tone(rate, 2), rate, tmp_path / "stereo.wav", "pcm_s16le")
    steady = read_audio(path)[SAMPLE_RATE // 10 : -SAMPLE_RATE // 10]  # past the edges
    assert np.abs(steady).max() == pytest.approx(0.45, abs=0.005)  # (0.5 + 0.4) / 2


@pytest.mark.parametrize("suffix", ["mp3", "flac", "ogg"])
def test_files_made_by_sox_are_read(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"sox.{suffix}"
    subprocess.run(
        ["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", "2.5", "sine", "300"],
        check=True, capture_output=True,
    )
    samples = read_audio(path)
    # sox writes MP3 without a gapless header, so its encoder delay and padding stay (< 60 ms)
    assert samples.size / SAMPLE_RATE == pytest.approx(2.5, abs=0.06 if suffix == "mp3" else 0.01)
    assert peak_hz(samples) == pytest.approx(300.0, abs=1.0)


def test_a_recording_feeds_the_recorder(tmp_path: Path) -> None:
    source = encode(tone(44_100, 2), 44_100, tmp_path / "answer.m4a", "aac")
    result = Recorder(RecorderOptions(), file_stream(source)).record(tmp_path / "out.wav", 60.0)
    assert result.ended_by == "end_of_file"
    assert result.samples.size == read_audio(source).size


def test_damaged_packets_are_skipped_with_a_notice(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    whole = encode(tone(44_100, 2), 44_100, tmp_path / "whole.mp3", "libmp3lame").read_bytes()
    damaged = bytearray(whole)
    noise = np.random.default_rng(0).integers(0, 256, 40, dtype=np.uint8).tobytes()
    for start in range(len(whole) // 3, len(whole) - 2_000, 700):
        damaged[start : start + 40] = noise
    path = tmp_path / "damaged.mp3"
    path.write_bytes(bytes(damaged))
    samples = read_audio(path)
    assert 0.3 * SECONDS < samples.size / SAMPLE_RATE < SECONDS
    err = capfd.readouterr().err
    assert err.startswith("coach: skipped ") and f"damaged packet(s) in {path}" in err


def test_a_file_cut_short_is_read_with_a_notice(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    whole = encode(tone(44_100, 2), 44_100, tmp_path / "whole.mp3", "libmp3lame").read_bytes()
    path = tmp_path / "cut.mp3"
    path.write_bytes(whole[: len(whole) // 3])  # the header still says 1.5 s
    samples = read_audio(path)
    assert 0.2 * SECONDS < samples.size / SAMPLE_RATE < 0.5 * SECONDS
    err = capfd.readouterr().err
    assert err.startswith("coach: read 0.") and f"of the 1.5 s {path} declares" in err


@pytest.fixture(scope="module")
def spoken_answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, int]:
    """ANSWER spoken by Piper at its own rate (22.05 kHz) as (channels x samples, rate)."""
    samples, rate = read_native(piper_wav(ANSWER))
    return samples.T, rate


@pytest.mark.parametrize(("name", "codec"), [("answer.m4a", "aac"), ("answer.mp3", "libmp3lame")])
def test_compressed_speech_is_transcribed(
    transcriber: WhisperTranscriber,
    spoken_answer: tuple[np.ndarray, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    codec: str,
) -> None:
    path = encode(*spoken_answer, tmp_path / name, codec)
    assert main(["transcribe", str(path), "--json"]) == 0  # the model `transcriber` loaded
    heard = json.loads(capsys.readouterr().out)
    assert word_error(ANSWER, heard["text"]) <= 0.1, heard["text"]
    assert heard["duration_s"] == pytest.approx(spoken_answer[0].shape[1] / spoken_answer[1],
                                                abs=0.05)


def _no_audio_stream(path: Path) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        black = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(black), *stream.encode(None)]:
            out.mux(packet)


BAD_FILES = {  # what the file is, and the part of the message that says so
    "empty": "is empty (0 bytes)",
    "text": "is not audio coach can read",
    "truncated": "is not audio coach can read",
    "folder": "is a folder, not an audio file",
    "missing": "no such audio file",
    "video": "has no audio stream (it holds video)",
}


def make_bad(kind: str, path: Path) -> None:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("notes for my answer, not a recording\n")
    elif kind == "truncated":
        whole = encode(tone(44_100, 1), 44_100, path.with_name("whole.m4a"), "aac")
        path.write_bytes(whole.read_bytes()[:2_000])  # the index is at the end
    elif kind == "folder":
        path.mkdir()
    elif kind == "video":
        _no_audio_stream(path)


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / ("bad.webm" if kind == "video" else "bad.m4a")
    make_bad(kind, path)
    with pytest.raises(AudioFileError):
        read_audio(path)
    assert main(["transcribe", str(path)]) == 2
    out, err = capfd.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"coach: error: {'' if kind == 'missing' else path}")
    assert BAD_FILES[kind] in err and "; " in err  # the problem, then the fix
