"""Held-out transcription benchmark: word error, lost clips, fillers and speed on the spoken set.

Runs on one part of the set built by ``benchmarks/speech_set.py`` (choose settings on
``dev``; ``test`` is for measuring a finished change, once). Systems:

- ``raw``: faster-whisper untouched: ``WhisperModel(bundled tiny.en, device="cpu",
  compute_type="int8")`` and ``model.transcribe(audio)`` with its defaults.
- ``coach``: ``WhisperTranscriber`` with the default ``WhisperOptions``.
- ``stream``: ``StreamingTranscriber`` fed the clip in 0.1 s blocks, each as soon as the
  worker has dealt with the one before, then its final transcript.
- ``denoised``: ``raw`` on the clip after FFmpeg's spectral denoiser (``afftdn`` with
  ``DENOISE``, through PyAV): would cleaning the audio first help the model in noise?

Each clip's result is cached in ``~/.cache/coach-bench/results/<system>@<tag>/`` (raw
in ``results/raw/`` for every tag, since it does not depend on coach's settings), so a
rerun computes only what is missing. ``raw`` is always part of a run: ratios and lost
clips compare against it.

    python benchmarks/heldout.py --split dev --tag v1 --systems raw,coach --json dev.json
    python benchmarks/heldout.py --split dev --tag v1 --systems stream --conditions clean
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = ("raw", "coach", "stream", "denoised")
BLOCK_S = 0.1
DENOISE = "nr=12:nf=-30:tn=1"
"""afftdn's options: 12 dB of reduction, a noise floor of -30 dB, noise tracked as it goes."""
LOST_DELETIONS = 0.10
"""A clip is lost by a system when its deletions exceed this share of the reference words."""
FILLER_WORD = re.compile(r"^(?:u+m+|u+h+|uhm)$")


class BenchError(Exception):
    """Bad input: the message says what to do."""


def bench_dir() -> Path:
    return Path.home() / ".cache" / "coach-bench"


# the set


def load_manifest(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise BenchError(f"no manifest at {path}: run `python benchmarks/speech_set.py` first")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def choose(clips: list[dict[str, Any]], split: str, voices: list[str] | None,
           conditions: list[str] | None, limit: int | None) -> list[dict[str, Any]]:
    for field, wanted in (("voice", voices), ("condition", conditions)):
        known = {c[field] for c in clips}
        unknown = sorted(set(wanted or ()) - known)
        if unknown:
            raise BenchError(f"unknown {field} {', '.join(unknown)}: use one of "
                             f"{', '.join(sorted(known))}")
    clips = sorted(clips, key=lambda c: c["voice"] != "librivox")  # short ones first
    chosen = [c for c in clips if c["split"] == split
              and (not voices or c["voice"] in voices)
              and (not conditions or c["condition"] in conditions)]
    return chosen[:limit] if limit else chosen


# systems: each maps a clip's audio to (text, raw_text)

Decode = Callable[[np.ndarray], tuple[str, str]]


def raw_system() -> Decode:
    from faster_whisper import WhisperModel

    from coach.audio.transcribe import bundled_model_dir

    model = WhisperModel(str(bundled_model_dir()), device="cpu", compute_type="int8")

    def decode(audio: np.ndarray) -> tuple[str, str]:
        segments, _ = model.transcribe(audio)
        text = "".join(s.text for s in segments).strip()
        return text, text

    return decode


def coach_system() -> Decode:
    from coach.audio.transcribe import WhisperTranscriber, resolve_model

    transcriber = WhisperTranscriber(resolve_model(None))
    transcriber.model()

    def decode(audio: np.ndarray) -> tuple[str, str]:
        heard = transcriber.transcribe(audio)
        return heard.text, heard.raw_text

    return decode


def stream_system() -> Decode:
    from coach.audio.stream import StreamingTranscriber
    from coach.audio.transcribe import WhisperTranscriber, resolve_model
    from coach.audio.wav import SAMPLE_RATE

    transcriber = WhisperTranscriber(resolve_model(None))
    transcriber.model()
    block = int(BLOCK_S * SAMPLE_RATE)

    def decode(audio: np.ndarray) -> tuple[str, str]:
        stream = StreamingTranscriber(transcriber)
        for start in range(0, audio.size, block):
            stream.feed(audio[start : start + block])
            if not stream.wait_caught_up(600):
                stream.stop()  # a worker left decoding crashes the interpreter at exit
                raise RuntimeError("the streaming worker did not catch up within 600 s")
        heard = stream.finish()
        return heard.text, heard.raw_text

    return decode


def denoise(audio: np.ndarray, options: str = DENOISE) -> np.ndarray:
    """16 kHz mono float32 through FFmpeg's ``afftdn`` filter, the same length out."""
    from fractions import Fraction

    import av

    graph = av.filter.Graph()
    source = graph.add_abuffer(sample_rate=16_000, format="flt", layout="mono",
                               time_base=Fraction(1, 16_000))
    cleaner = graph.add("afftdn", options)
    source.link_to(cleaner)
    cleaner.link_to(graph.add("abuffersink"))
    graph.configure()
    frame = av.AudioFrame.from_ndarray(audio.astype(np.float32).reshape(1, -1), format="flt",
                                       layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = 16_000, 0, Fraction(1, 16_000)
    graph.push(frame)
    graph.push(None)
    out: list[np.ndarray] = []
    while True:
        try:
            out.append(graph.pull().to_ndarray().reshape(-1))
        except (av.error.BlockingIOError, av.error.EOFError):
            return np.concatenate(out)[: audio.size]


def denoised_system() -> Decode:
    decode_raw = raw_system()
    return lambda audio: decode_raw(denoise(audio))


MAKERS: dict[str, Callable[[], Decode]] = {
    "raw": raw_system, "coach": coach_system, "stream": stream_system,
    "denoised": denoised_system,
}


# running, with a cache per clip


@dataclass(frozen=True)
class Cache:
    folder: Path

    def path(self, clip: dict[str, Any]) -> Path:
        return self.folder / f"{clip['clip_id']}.json"

    def get(self, clip: dict[str, Any]) -> dict[str, Any] | None:
        path = self.path(clip)
        if not path.is_file():
            return None
        result: dict[str, Any] = json.loads(path.read_text())
        return result if result.get("duration_s") == clip["duration_s"] else None

    def put(self, clip: dict[str, Any], result: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.path(clip).with_suffix(".part")
        partial.write_text(json.dumps(result))
        partial.replace(self.path(clip))


def cache_for(system: str, tag: str) -> Cache:
    name = "raw" if system == "raw" else f"{system}@{tag}"
    return Cache(bench_dir() / "results" / name)


def run_systems(systems: list[str], tag: str, clips: list[dict[str, Any]]
                ) -> dict[str, dict[str, dict[str, Any]]]:
    """System -> clip id -> {text, raw_text, decode_s, duration_s}, computing only what is
    not cached, clip by clip (every system on one clip before the next clip), so that a
    run stopped part way leaves whole clips behind."""
    from coach.audio.decode import read_audio

    caches = {s: cache_for(s, tag) for s in systems}
    results: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in systems}
    missing: list[tuple[str, dict[str, Any]]] = []
    for clip in clips:
        for system in systems:
            cached = caches[system].get(clip)
            if cached is None:
                missing.append((system, clip))
            else:
                results[system][clip["clip_id"]] = cached
    print(f"{len(clips) * len(systems) - len(missing)} results cached, {len(missing)} to decode",
          file=sys.stderr)
    decoders: dict[str, Decode] = {}
    began = time.monotonic()
    for index, (system, clip) in enumerate(missing, 1):
        if system not in decoders:
            decoders[system] = MAKERS[system]()
        audio = read_audio(clip["path"])
        start = time.perf_counter()
        text, raw_text = decoders[system](audio)
        result = {"text": text, "raw_text": raw_text, "duration_s": clip["duration_s"],
                  "decode_s": round(time.perf_counter() - start, 3)}
        caches[system].put(clip, result)
        results[system][clip["clip_id"]] = result
        print(f"  {index}/{len(missing)} {system} {clip['clip_id']} {result['decode_s']:.1f} s "
              f"({time.monotonic() - began:.0f} s)", file=sys.stderr, flush=True)
    return results


# measures


def normalizer() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def errors(reference: str, hypothesis: str, norm: Callable[[str], str]) -> dict[str, int]:
    import jiwer

    ref, hyp = norm(reference).strip(), norm(hypothesis).strip()
    if not hyp:
        words = len(ref.split())
        return {"words": words, "sub": 0, "del": words, "ins": 0}
    out = jiwer.process_words(ref, hyp)
    return {"words": out.hits + out.substitutions + out.deletions, "sub": out.substitutions,
            "del": out.deletions, "ins": out.insertions}


def filler_count(text: str) -> int:
    return sum(1 for w in re.findall(r"[a-z]+", text.lower()) if FILLER_WORD.match(w))


def clip_rows(clips: list[dict[str, Any]], systems: list[str],
              results: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    norm = normalizer()
    rows = []
    for clip in clips:
        row = {k: clip[k] for k in ("clip_id", "answer_id", "voice", "condition",
                                    "duration_s", "fillers_spoken")}
        for system in systems:
            heard = results[system][clip["clip_id"]]
            row[system] = {**errors(clip["reference"], heard["text"], norm),
                           "fillers_heard": filler_count(heard["raw_text"]),
                           "decode_s": heard["decode_s"], "text": heard["text"],
                           "raw_text": heard["raw_text"]}
        rows.append(row)
    return rows


def wer(rows: Iterable[dict[str, Any]], system: str) -> float:
    counts = [r[system] for r in rows]
    words = sum(c["words"] for c in counts)
    return sum(c["sub"] + c["del"] + c["ins"] for c in counts) / words if words else float("nan")


def deleted_much(row: dict[str, Any], system: str) -> bool:
    counts = row[system]
    return bool(counts["del"] > LOST_DELETIONS * counts["words"])


def lost_clips(rows: list[dict[str, Any]], systems: list[str]) -> list[dict[str, Any]]:
    lost = []
    for row in rows:
        for system in systems:
            if system != "raw" and deleted_much(row, system) and not deleted_much(row, "raw"):
                lost.append({"clip_id": row["clip_id"], "system": system,
                             "deleted": row[system]["del"] / row[system]["words"],
                             "raw_deleted": row["raw"]["del"] / row["raw"]["words"]})
    return lost


def filler_figures(rows: list[dict[str, Any]], system: str) -> dict[str, Any]:
    spoken = [r for r in rows if r["fillers_spoken"]]
    silent = [r for r in rows if not r["fillers_spoken"]]
    said = sum(r["fillers_spoken"] for r in spoken)
    kept = sum(min(r[system]["fillers_heard"], r["fillers_spoken"]) for r in spoken)
    false = [r[system]["fillers_heard"] for r in silent]
    return {"filler_clips": len(spoken), "fillers_spoken": said,
            "recall": kept / said if said else float("nan"),
            "false_fillers": sum(false), "clips_with_false_fillers": sum(1 for f in false if f),
            "clips_without_fillers": len(silent)}


def grouped(rows: list[dict[str, Any]], systems: list[str], field: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for value in sorted({r[field] for r in rows}):
        group = [r for r in rows if r[field] == value]
        table[value] = {"clips": len(group), **{s: wer(group, s) for s in systems},
                        "speed": {s: speed(group, s) for s in systems}}
    return table


def speed(rows: list[dict[str, Any]], system: str) -> float:
    """Decode seconds per audio second."""
    return sum(r[system]["decode_s"] for r in rows) / sum(r["duration_s"] for r in rows)


def summarise(rows: list[dict[str, Any]], systems: list[str]) -> dict[str, Any]:
    audio_s = sum(r["duration_s"] for r in rows)
    overall = {s: {"wer": wer(rows, s), "decode_s_per_audio_s": speed(rows, s)}
               for s in systems}
    return {"clips": len(rows), "audio_s": audio_s, "overall": overall,
            "by_condition": grouped(rows, systems, "condition"),
            "by_voice": grouped(rows, systems, "voice"),
            "lost": lost_clips(rows, systems),
            "fillers": {s: filler_figures(rows, s) for s in systems}}


# report


def wer_table(title: str, table: dict[str, Any], systems: list[str]) -> list[str]:
    others = [s for s in systems if s != "raw"]
    head = ["| " + title + " | clips | " + " | ".join(f"WER {s}" for s in systems)
            + "".join(f" | {s}/raw" for s in others)
            + "".join(f" | s/s {s}" for s in systems) + " |"]
    head.append("|" + " --- |" * (2 + 2 * len(systems) + len(others)))
    for name, cells in table.items():
        ratios = "".join(f" | {_ratio(cells[s], cells['raw'])}" for s in others)
        speeds = "".join(f" | {cells['speed'][s]:.3f}" for s in systems)
        head.append(f"| {name} | {cells['clips']} | "
                    + " | ".join(f"{cells[s]:.1%}" for s in systems) + ratios + speeds + " |")
    return head


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


def _share(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"  # nan: no clip to count on


def report(summary: dict[str, Any], systems: list[str]) -> str:
    overall = {"all": {"clips": summary["clips"],
                       **{s: summary["overall"][s]["wer"] for s in systems},
                       "speed": {s: summary["overall"][s]["decode_s_per_audio_s"]
                                 for s in systems}}}
    lines = [f"{summary['clips']} clips, {summary['audio_s'] / 60:.1f} min of audio", ""]
    lines += wer_table("set", overall, systems) + [""]
    lines += wer_table("condition", summary["by_condition"], systems) + [""]
    lines += wer_table("voice", summary["by_voice"], systems) + [""]
    lines += ["| system | decode s per audio s | filler recall | fillers spoken "
              "| false fillers (clips) | lost clips |", "|" + " --- |" * 6]
    for s in systems:
        fill, speed = summary["fillers"][s], summary["overall"][s]["decode_s_per_audio_s"]
        lost = sum(1 for item in summary["lost"] if item["system"] == s)
        lines.append(f"| {s} | {speed:.3f} | {_share(fill['recall'])} | {fill['fillers_spoken']} "
                     f"| {fill['false_fillers']} ({fill['clips_with_false_fillers']} of "
                     f"{fill['clips_without_fillers']}) | {lost if s != 'raw' else '-'} |")
    lines += ["", f"lost clips (deletions > {LOST_DELETIONS:.0%} of the words, raw's not):"]
    lines += [f"  {item['system']}: {item['clip_id']} deleted {item['deleted']:.0%} "
              f"(raw {item['raw_deleted']:.0%})" for item in summary["lost"]] or ["  none"]
    return "\n".join(lines)


def commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def parse_list(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def run(args: argparse.Namespace) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", args.tag):
        raise BenchError(f"bad tag {args.tag!r}: use letters, digits, '.', '_' or '-'")
    asked = parse_list(args.systems) or ["raw", "coach"]
    unknown = sorted(set(asked) - set(SYSTEMS))
    if unknown:
        raise BenchError(f"unknown system {', '.join(unknown)}: use {', '.join(SYSTEMS)}")
    systems = [s for s in SYSTEMS if s == "raw" or s in asked]
    manifest = args.manifest or bench_dir() / "speech_set" / "manifest.jsonl"
    clips = choose(load_manifest(manifest), args.split, parse_list(args.voices),
                   parse_list(args.conditions), args.limit)
    if not clips:
        raise BenchError("no clip matches: widen --voices / --conditions")
    began = time.monotonic()
    results = run_systems(systems, args.tag, clips)
    rows = clip_rows(clips, systems, results)
    summary = summarise(rows, systems)
    print(report(summary, systems))
    if args.json:
        meta = {"split": args.split, "tag": args.tag, "commit": commit(), "systems": systems,
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "wall_s": round(time.monotonic() - began, 1)}
        args.json.write_text(json.dumps({**meta, **summary, "rows": rows}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), required=True)
    parser.add_argument("--tag", required=True, help="names the cached results of this code")
    parser.add_argument("--systems", help="comma-separated: raw, coach, stream (default raw,coach)")
    parser.add_argument("--voices", help="comma-separated voices (default all)")
    parser.add_argument("--conditions", help="comma-separated conditions (default all)")
    parser.add_argument("--limit", type=int, help="only the first N clips")
    parser.add_argument("--json", type=Path, help="write the figures and per-clip rows here")
    parser.add_argument("--manifest", type=Path, help="default: the set's manifest.jsonl")
    args = parser.parse_args()
    try:
        run(args)
    except BenchError as error:
        print(f"heldout: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
