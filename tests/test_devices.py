"""Choosing devices, and what happens on a machine without a sound card (CI, a server)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.audio.devices import Device, choose, list_devices
from coach.audio.record import microphone
from coach.config import Settings
from coach.errors import DeviceError

MIC = Device(0, "Built-in Microphone", "Core Audio", 1, 0, 48_000.0, is_default_input=True)
USB = Device(1, "USB Headset Mic", "Core Audio", 1, 0, 16_000.0)
USB2 = Device(2, "USB Desk Mic", "Core Audio", 2, 0, 44_100.0)
SPEAKERS = Device(3, "Built-in Output", "Core Audio", 0, 2, 48_000.0, is_default_output=True)
DEVICES = [MIC, USB, USB2, SPEAKERS]


def no_sound_card() -> bool:
    return not list_devices()


needs_no_sound_card = pytest.mark.skipif(
    not no_sound_card(), reason="this machine has audio devices; the test is for one without"
)


def run_coach(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True, text=True,
                          env={**os.environ, "COACH_HOME": str(home)}, timeout=120)


def test_the_default_device_is_chosen_without_a_spec() -> None:
    assert choose(DEVICES, None, "input") == MIC
    assert choose(DEVICES, None, "output") == SPEAKERS


def test_a_device_by_index_or_part_of_its_name() -> None:
    assert choose(DEVICES, "1", "input") == USB
    assert choose(DEVICES, "headset", "input") == USB
    assert choose(DEVICES, "usb desk mic", "input") == USB2


def test_an_ambiguous_name_asks_for_the_index() -> None:
    with pytest.raises(DeviceError, match="matches several input devices") as caught:
        choose(DEVICES, "usb", "input")
    assert "1: USB Headset Mic" in caught.value.problem and "index" in caught.value.fix


def test_a_speaker_is_not_a_microphone() -> None:
    with pytest.raises(DeviceError, match="no input device with index 3"):
        choose(DEVICES, "3", "input")
    with pytest.raises(DeviceError, match="no input device's name contains 'output'"):
        choose(DEVICES, "output", "input")


def test_no_microphone_names_every_way_out() -> None:
    with pytest.raises(DeviceError) as caught:
        choose([SPEAKERS], None, "input")
    message = str(caught.value)
    assert "microphone" in message
    for way_out in ("--input-device", "coach devices", "--text", "--answer-audio", "privacy"):
        assert way_out in message


@needs_no_sound_card
def test_sounddevice_itself_refuses_to_open_a_stream_here() -> None:
    import sounddevice as sd

    with pytest.raises(sd.PortAudioError):
        sd.InputStream(samplerate=16_000, channels=1)


@needs_no_sound_card
def test_microphone_without_a_device_is_a_device_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError) as caught:
        microphone(Settings(home=tmp_path))
    message = str(caught.value)
    assert message.startswith("no usable microphone")
    assert "--text" in message and "--answer-audio" in message
    assert "\n" not in message


@needs_no_sound_card
def test_a_named_microphone_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="no input device's name contains 'yeti'"):
        microphone(Settings(home=tmp_path, input_device="yeti"))


def test_coach_devices_lists_both_kinds(coach_home: Path) -> None:
    result = run_coach("devices", home=coach_home)
    assert result.returncode == 0, result.stderr
    assert "Microphones (input):" in result.stdout and "Speakers (output):" in result.stdout
    if no_sound_card():
        assert result.stdout.count("none found") == 2
    assert "--input-device" in result.stderr


def test_coach_doctor_reports_every_item(coach_home: Path) -> None:
    result = run_coach("doctor", home=coach_home)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("      fix:")]
    names = ["microphone", "speaker", "text-to-speech", "Whisper model", "relevance model"]
    names.append("LLM judge")
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in lines] == names
    assert all(line.startswith(("OK    ", "FAIL  ")) for line in lines)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert result.stdout.count("      fix: ") == len(failed)
    assert (result.returncode != 0) == bool(failed)
    assert "OK    Whisper model: tiny.en" in result.stdout
    assert "OK    relevance model: all-MiniLM-L6-v2" in result.stdout
    assert "OK    LLM judge: not configured" in result.stdout
    if no_sound_card():
        assert "FAIL  microphone: no usable microphone" in result.stdout


def test_coach_doctor_checks_a_configured_llm_endpoint(coach_home: Path) -> None:
    """Nothing listens on the address: the check fails quickly with the fix, no traceback."""
    env = {**os.environ, "COACH_HOME": str(coach_home), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = subprocess.run([sys.executable, "-m", "coach", "doctor"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert "FAIL  LLM judge: the LLM endpoint http://127.0.0.1:9/v1 did not answer" in result.stdout
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_coach_doctor_reaches_a_working_llm_endpoint(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from fake_llm import MODEL, FakeLLM

    from coach.cli import main

    with FakeLLM() as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value")
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        main(["doctor"])
    out = capsys.readouterr().out
    assert f"OK    LLM judge: {llm.url} answered; model {MODEL} is served" in out
    assert "sk-test-secret-value" not in out


@needs_no_sound_card
def test_playing_without_an_output_device_is_a_device_error(tmp_path: Path) -> None:
    import numpy as np

    from coach.audio.play import play_wav
    from coach.audio.wav import write_wav

    wav = write_wav(tmp_path / "answer.wav", np.zeros(1600, np.float32))
    with pytest.raises(DeviceError, match="no usable audio output device") as caught:
        play_wav(wav)
    assert "coach devices" in caught.value.fix
