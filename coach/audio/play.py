"""Play a WAV file (a spoken question, a stored answer) through sounddevice."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from coach.audio.devices import load_sounddevice, no_speaker, output_device
from coach.audio.wav import CONVERT_HINT, pcm_to_float
from coach.errors import AudioFileError


def read_native(path: Path | str) -> tuple[np.ndarray, int]:
    """A PCM WAV as float32 (frames x channels) at its own sample rate."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as reader:
            rate, channels, width = (
                reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
            )
            frames = reader.readframes(reader.getnframes())
    except FileNotFoundError as error:
        raise AudioFileError(f"no such audio file: {path}", "check the path") from error
    except (wave.Error, EOFError) as error:
        raise AudioFileError(f"{path} is not a PCM WAV file ({error})", CONVERT_HINT) from error
    if width not in (1, 2, 3, 4) or channels < 1:
        raise AudioFileError(f"{path} has an unsupported sample format", CONVERT_HINT)
    return pcm_to_float(frames, width).reshape(-1, channels), rate


def play_samples(samples: np.ndarray, rate: int, device: str | None = None) -> None:
    """Play audio and wait until it has finished; Ctrl-C stops it."""
    sd = load_sounddevice()
    target = output_device(device)
    try:
        sd.play(samples, rate, device=target.index, blocking=True)
    except sd.PortAudioError as error:
        raise no_speaker(f"{target.name}: {error}") from error
    except KeyboardInterrupt:
        sd.stop()
        raise


def play_wav(path: Path | str, device: str | None = None) -> None:
    """Play a WAV file through the output device (the default one unless named)."""
    samples, rate = read_native(path)
    play_samples(samples, rate, device)
