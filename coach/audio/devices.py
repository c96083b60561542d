"""Audio devices: list them, pick one by index or part of its name.

When there is no usable device the errors say what to do: allow the terminal
to use the microphone, choose another device, or practise without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from coach.errors import DeviceError

Kind = Literal["input", "output"]

MICROPHONE_FIX = (
    "check that a microphone is connected and that the OS lets this terminal use it "
    "(privacy settings), choose one with `--input-device` (list them with `coach devices`), "
    "or practise without one: `--text` to type answers, "
    "`--answer-audio AUDIO` to answer from a recording"
)
SPEAKER_FIX = (
    "connect speakers or headphones and check the OS sound settings (list devices with "
    "`coach devices`)"
)


@dataclass(frozen=True)
class Device:
    """One PortAudio device as sounddevice reports it."""

    index: int
    name: str
    hostapi: str
    inputs: int
    outputs: int
    default_rate: float
    is_default_input: bool = False
    is_default_output: bool = False

    def channels(self, kind: Kind) -> int:
        return self.inputs if kind == "input" else self.outputs


def load_sounddevice() -> ModuleType:
    """Import sounddevice, or say how to install the PortAudio library it needs."""
    try:
        import sounddevice
    except OSError as error:  # the PortAudio shared library is missing
        raise DeviceError(
            f"no audio support: the PortAudio library is missing ({error})",
            "install it (Debian/Ubuntu: `sudo apt install libportaudio2`, "
            "macOS: `brew install portaudio`)",
        ) from error
    return sounddevice


def no_microphone(detail: str) -> DeviceError:
    return DeviceError(f"no usable microphone ({detail})", MICROPHONE_FIX)


def no_speaker(detail: str) -> DeviceError:
    return DeviceError(f"no usable audio output device ({detail})", SPEAKER_FIX)


def list_devices() -> list[Device]:
    """Every device PortAudio can see (an empty list on a machine without sound)."""
    sd = load_sounddevice()
    try:
        raw = sd.query_devices()
        hostapis = sd.query_hostapis()
    except sd.PortAudioError:
        return []
    default_in, default_out = _defaults(sd)
    return [
        Device(
            index=int(info["index"]),
            name=str(info["name"]),
            hostapi=str(hostapis[info["hostapi"]]["name"]),
            inputs=int(info["max_input_channels"]),
            outputs=int(info["max_output_channels"]),
            default_rate=float(info["default_samplerate"]),
            is_default_input=int(info["index"]) == default_in,
            is_default_output=int(info["index"]) == default_out,
        )
        for info in raw
    ]


def _defaults(sd: ModuleType) -> tuple[int, int]:
    """The default input and output device indexes (-1 when there is none)."""
    found = []
    for kind in ("input", "output"):
        try:
            found.append(int(sd.query_devices(kind=kind)["index"]))
        except (sd.PortAudioError, ValueError, TypeError, KeyError):
            found.append(-1)
    return found[0], found[1]


def choose(devices: list[Device], spec: str | None, kind: Kind) -> Device:
    """The device named by ``spec`` (an index or part of a name), or the default one."""
    usable = [d for d in devices if d.channels(kind) > 0]
    make_error = no_microphone if kind == "input" else no_speaker
    if spec is None or spec == "":
        default = [d for d in usable if (d.is_default_input if kind == "input" else
                                         d.is_default_output)]
        if default:
            return default[0]
        if not usable:
            raise make_error(f"no {kind} device found")
        return usable[0]
    spec = spec.strip()
    if spec.isdigit():
        for device in usable:
            if device.index == int(spec):
                return device
        raise make_error(f"there is no {kind} device with index {spec}")
    matches = [d for d in usable if spec.lower() in d.name.lower()]
    exact = [d for d in matches if d.name.lower() == spec.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise make_error(f"no {kind} device's name contains {spec!r}")
    names = ", ".join(f"{d.index}: {d.name}" for d in matches)
    raise DeviceError(
        f"{spec!r} matches several {kind} devices ({names})",
        "give the device's index instead (see `coach devices`)",
    )


def input_device(spec: str | None = None) -> Device:
    """The microphone to record from; DeviceError (naming the fixes) when there is none."""
    return choose(list_devices(), spec, "input")


def output_device(spec: str | None = None) -> Device:
    """The device to play through; DeviceError when there is none."""
    return choose(list_devices(), spec, "output")


def describe(device: Device, kind: Kind) -> str:
    default = device.is_default_input if kind == "input" else device.is_default_output
    mark = "*" if default else " "
    return (f"{mark} {device.index:>3}  {device.name}  ({device.hostapi}, "
            f"{device.channels(kind)} ch, {device.default_rate:.0f} Hz)")
