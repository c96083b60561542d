"""Held-out spoken set: the answers of ``data/speech_answers.jsonl`` in eight voices and
nine conditions, plus the LibriVox recordings of Debian's ``pocketsphinx-testdata``.

Clips are 16 kHz mono WAV files in ``~/.cache/coach-bench/speech_set/`` (outside git),
listed in ``manifest.jsonl`` there. A rebuild makes only the clips that are missing,
so running it again is cheap; every step is deterministic except Piper, whose voice is
sampled (its clips are made once and then kept).

**Split, once, by answer.** Within each round the answers are ordered by (has fillers,
SHA-256 of ``SPLIT_SALT`` + id) and dealt alternately to dev and test, so each round
gives 4 answers to each part and each part gets one of the round's two answers with
fillers. Every clip of an answer is in its answer's part. The LibriVox recordings,
sorted by name, are dealt alternately to dev and test (dev first).

**Rotation.** Each answer is spoken in ``CLIPS_PER_ANSWER`` of the voices, each in one
condition: the answer at position ``i`` of its part (sorted by id) gets voices
``i .. i+5`` and conditions ``6i .. 6i+5`` (both cyclic), so each part holds every voice
and every condition about equally often. Each LibriVox recording is in every condition.

**Conditions** (made with sox, mixed in numpy at the stated SNR over the whole clip):
clean; white and pink noise at 15 and 5 dB; babble at 15 and 5 dB (four other voices
saying other answers of the same part, at equal loudness); tempo 0.85 and 1.15.

    python benchmarks/speech_set.py              # build what is missing, write the manifest
    python benchmarks/speech_set.py --dry-run    # print the plan's counts only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test-speech helpers

from speech import espeak_wav, piper_wav  # noqa: E402

from coach.audio.decode import read_audio  # noqa: E402
from coach.audio.wav import SAMPLE_RATE, write_wav  # noqa: E402

ANSWERS = ROOT / "benchmarks" / "data" / "speech_answers.jsonl"
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SPLIT_SALT = "coach-heldout-1"
SPLITS = ("dev", "test")
CLIPS_PER_ANSWER = 6
BABBLE_TALKERS = 4
CONDITIONS = (
    "clean",
    "white_15db",
    "white_5db",
    "pink_15db",
    "pink_5db",
    "babble_15db",
    "babble_5db",
    "tempo_0.85",
    "tempo_1.15",
)
SPOKEN_FILLER = re.compile(r"\b(?:um|uh)\b", re.IGNORECASE)


def default_dir() -> Path:
    return Path.home() / ".cache" / "coach-bench" / "speech_set"


# voices: each writes a WAV of the text in its own format (converted to 16 kHz after)


def _flite(voice: str) -> Callable[[str, Path], None]:
    def make(text: str, out: Path) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as script:
            script.write(text)
            script.flush()
            _run(["flite", "-voice", voice, "-f", script.name, "-o", str(out)])

    return make


def _festival(voice: str) -> Callable[[str, Path], None]:
    def make(text: str, out: Path) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as script:
            script.write(text)
            script.flush()
            _run(["text2wave", "-eval", f"({voice})", script.name, "-o", str(out)])

    return make


def _piper(text: str, out: Path) -> None:
    piper_wav(text, out)


def _espeak(text: str, out: Path) -> None:
    espeak_wav(text, out)


VOICES: dict[str, Callable[[str, Path], None]] = {
    "piper-joe": _piper,
    "flite-slt": _flite("slt"),
    "flite-awb": _flite("awb"),
    "flite-rms": _flite("rms"),
    "flite-kal": _flite("kal"),
    "festival-slt-hts": _festival("voice_cmu_us_slt_arctic_hts"),
    "festival-kal": _festival("voice_kal_diphone"),
    "espeak-ng": _espeak,
}
LIBRIVOX_VOICE = "librivox"


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)


# the plan


@dataclass(frozen=True)
class Source:
    """One answer (or LibriVox recording) and the part it belongs to."""

    answer_id: str
    round: str
    split: str
    text: str


@dataclass(frozen=True)
class Clip:
    clip_id: str
    answer_id: str
    split: str
    round: str
    voice: str
    condition: str
    reference: str
    fillers_spoken: int


def load_answers(path: Path = ANSWERS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def split_answers(answers: list[dict[str, object]]) -> dict[str, str]:
    """Answer id -> "dev" or "test": per round, ordered by (fillers, salted hash), alternating."""
    by_round: dict[str, list[dict[str, object]]] = {}
    for answer in answers:
        by_round.setdefault(str(answer["round"]), []).append(answer)
    parts: dict[str, str] = {}
    for round_answers in by_round.values():
        ordered = sorted(round_answers, key=lambda a: (bool(a["fillers"]), _salted(str(a["id"]))))
        for position, answer in enumerate(ordered):
            parts[str(answer["id"])] = SPLITS[position % 2]
    return parts


def _salted(text: str) -> str:
    return hashlib.sha256(f"{SPLIT_SALT}:{text}".encode()).hexdigest()


def librivox_sources() -> list[Source]:
    """The LibriVox recordings with their reference text, dealt alternately to dev and test."""
    references: dict[str, str] = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s>(.*)</s>\s*\((.+)\)", line.strip())
        if match:
            references[match.group(2)] = match.group(1).strip()
    return [Source(name, "librivox", SPLITS[index % 2], text)
            for index, (name, text) in enumerate(sorted(references.items()))]


def answer_sources() -> list[Source]:
    answers = load_answers()
    parts = split_answers(answers)
    return [Source(str(a["id"]), str(a["round"]), parts[str(a["id"])], str(a["text"]))
            for a in sorted(answers, key=lambda a: str(a["id"]))]


def plan() -> list[Clip]:
    """Every clip of the set, answers rotated over voices and conditions within each part."""
    voices = list(VOICES)
    clips: list[Clip] = []
    for split in SPLITS:
        sources = [s for s in answer_sources() if s.split == split]
        for index, source in enumerate(sources):
            for turn in range(CLIPS_PER_ANSWER):
                voice = voices[(index + turn) % len(voices)]
                condition = CONDITIONS[(CLIPS_PER_ANSWER * index + turn) % len(CONDITIONS)]
                clips.append(_clip(source, voice, condition))
        for source in librivox_sources():
            if source.split == split:
                clips.extend(_clip(source, LIBRIVOX_VOICE, c) for c in CONDITIONS)
    return clips


def _clip(source: Source, voice: str, condition: str) -> Clip:
    return Clip(
        clip_id=f"{source.answer_id}.{voice}.{condition}",
        answer_id=source.answer_id,
        split=source.split,
        round=source.round,
        voice=voice,
        condition=condition,
        reference=source.text,
        fillers_spoken=len(SPOKEN_FILLER.findall(source.text)),
    )


# building


class Builder:
    """Makes the voiced answers (``voices/``) and the clips (``clips/``) that are missing."""

    def __init__(self, folder: Path, clips: list[Clip]) -> None:
        self.folder = folder
        self.clips = clips
        self.sources = {c.answer_id: c.reference for c in clips}

    def voiced_path(self, answer_id: str, voice: str) -> Path:
        return self.folder / "voices" / f"{answer_id}.{voice}.wav"

    def clip_path(self, clip: Clip) -> Path:
        return self.folder / "clips" / f"{clip.clip_id}.wav"

    def voiced(self, answer_id: str, voice: str) -> Path:
        """The answer in the voice, 16 kHz mono (made once)."""
        path = self.voiced_path(answer_id, voice)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            made = Path(scratch) / "voice.wav"
            if voice == LIBRIVOX_VOICE:
                made = LIBRIVOX / f"{answer_id}.wav"
            else:
                VOICES[voice](self.sources[answer_id], made)
            _to_16k(made, path)
        return path

    def build(self, clip: Clip) -> Path:
        path = self.clip_path(clip)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        speech = read_audio(self.voiced(clip.answer_id, clip.voice))
        audio = self.condition(clip, speech)
        partial = path.with_suffix(".part.wav")
        write_wav(partial, audio)
        partial.replace(path)
        return path

    def condition(self, clip: Clip, speech: np.ndarray) -> np.ndarray:
        kind, _, value = clip.condition.partition("_")
        if kind == "clean":
            return speech
        if kind == "tempo":
            return _sox_effect(speech, ["tempo", value])
        snr_db = float(value.removesuffix("db"))
        if kind == "babble":
            return mix_at_snr(speech, self.babble(clip, speech.size), snr_db)
        return mix_at_snr(speech, _sox_noise(f"{kind}noise", speech.size), snr_db)

    def babble(self, clip: Clip, samples: int) -> np.ndarray:
        """Four other voices saying other answers of the clip's part, equally loud."""
        talkers = sorted({(c.answer_id, c.voice) for c in self.clips
                          if c.split == clip.split and c.voice not in (clip.voice, LIBRIVOX_VOICE)
                          and c.answer_id != clip.answer_id})
        chosen = random.Random(clip.clip_id).sample(talkers, BABBLE_TALKERS)
        mixed = np.zeros(samples, np.float64)
        for answer_id, voice in chosen:
            talker = read_audio(self.voiced(answer_id, voice)).astype(np.float64)
            mixed += np.resize(talker, samples) / max(_rms(talker), 1e-9)
        return mixed.astype(np.float32)


def _to_16k(source: Path, out: Path) -> None:
    partial = out.with_suffix(".part.wav")
    _run(["sox", "-R", "-D", str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
          str(partial)])
    partial.replace(out)


def _sox_effect(audio: np.ndarray, effect: list[str]) -> np.ndarray:
    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch) / "in.wav", Path(scratch) / "out.wav"
        write_wav(source, audio)
        _run(["sox", "-R", "-D", str(source), str(out), *effect])
        return read_audio(out)


def _sox_noise(kind: str, samples: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "noise.wav"
        _run(["sox", "-R", "-D", "-r", str(SAMPLE_RATE), "-c", "1", "-n", "-b", "16", str(out),
              "synth", f"{samples}s", kind, "vol", "0.5"])
        return read_audio(out)[:samples]


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech plus noise scaled to ``snr_db`` below it (RMS over the whole clip); the sum is
    scaled down as a whole if it would clip."""
    gain = _rms(speech) / (max(_rms(noise), 1e-9) * 10 ** (snr_db / 20))
    mixed = speech.astype(np.float64) + gain * noise[: speech.size].astype(np.float64)
    peak = float(np.max(np.abs(mixed)))
    if peak > 0.99:
        mixed *= 0.99 / peak
    return mixed.astype(np.float32)


# manifest


def manifest_row(clip: Clip, path: Path) -> dict[str, object]:
    row: dict[str, object] = asdict(clip)
    seconds = read_audio(path).size / SAMPLE_RATE
    row.update(path=str(path), duration_s=round(seconds, 3))
    return row


def summary(clips: list[Clip]) -> str:
    lines = []
    for split in SPLITS:
        part = [c for c in clips if c.split == split]
        answers = len({c.answer_id for c in part if c.voice != LIBRIVOX_VOICE})
        lines.append(f"{split}: {len(part)} clips, {answers} answers")
        lines.append("  conditions: " + _counts(Counter(c.condition for c in part)))
        lines.append("  voices: " + _counts(Counter(c.voice for c in part)))
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counter.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of the set (default ~/.cache/coach-bench/speech_set)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan's counts only")
    args = parser.parse_args()
    clips = plan()
    print(summary(clips), file=sys.stderr)
    if args.dry_run:
        return
    folder = args.out or default_dir()
    builder = Builder(folder, clips)
    rows = []
    manifest = folder / "manifest.jsonl"
    for split in SPLITS:  # the manifest lists dev as soon as dev is built
        for clip in (c for c in clips if c.split == split):
            rows.append(manifest_row(clip, builder.build(clip)))
            if len(rows) % 20 == 0:
                print(f"{len(rows)}/{len(clips)} clips", file=sys.stderr, flush=True)
        partial = manifest.with_suffix(".part")
        partial.write_text("".join(json.dumps(row) + "\n" for row in rows))
        partial.replace(manifest)
    hours = sum(float(str(r["duration_s"])) for r in rows) / 3600
    print(f"{len(rows)} clips, {hours:.2f} h of audio; manifest: {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
