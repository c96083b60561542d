"""Transcription benchmark: accuracy, vocabulary, fillers, speed, streaming latency.

Every setting runs on the same clips in the same run as raw faster-whisper
defaults (``WhisperModel(path)`` and ``model.transcribe(audio)`` untouched).

Clips: ML-interview answers written for this benchmark, spoken by the Piper
``en_US-joe-medium`` voice and by espeak-ng; answers with fillers (Piper);
real human speech from Debian's ``pocketsphinx-testdata`` (LibriVox).

    python benchmarks/transcription.py            # full run, about 10 minutes on 2 cores
    python benchmarks/transcription.py --quick    # fewer settings, no real-time streaming run
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test-speech helpers

from speech import espeak_audio, piper_audio, silence  # noqa: E402

from coach.audio.decode import read_audio  # noqa: E402
from coach.audio.fillers import FILLER_PROMPT  # noqa: E402
from coach.audio.stream import StreamingTranscriber  # noqa: E402
from coach.audio.transcribe import (  # noqa: E402
    ML_HOTWORDS,
    WhisperOptions,
    WhisperTranscriber,
    bundled_model_dir,
    resolve_model,
)
from coach.audio.wav import SAMPLE_RATE  # noqa: E402

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")

# (answer, ML terms it contains); written for this benchmark
ANSWERS: list[tuple[str, list[str]]] = [
    (
        "For the feed ranking system I would start with the data. We log about fifty thousand "
        "QPS at peak, so the ranker has a p99 latency budget of around eighty milliseconds. "
        "I would use a two tower model for candidate generation and a gradient boosted tree "
        "for the final ranking, and measure offline with NDCG before any online test.",
        ["qps", "p99", "ndcg", "two tower", "latency", "candidate generation"],
    ),
    (
        "The biggest problem after launch was training serving skew. The feature store computed "
        "the user embedding daily, but the online path read a stale copy, so the AUC we saw "
        "offline never showed up in the A/B test. We caught it with a dashboard that compared "
        "feature distributions, and we moved both paths onto the same feature store.",
        ["skew", "feature store", "embedding", "auc", "a/b test"],
    ),
    (
        "To train the seven billion parameter model we used FSDP across thirty two GPUs. "
        "Each GPU held a shard of the weights and the optimizer state, which cut memory per "
        "device by about eight times. The trade off was more communication, so we tuned the "
        "batch size and used mixed precision to keep throughput up.",
        ["fsdp", "gpus", "shard", "optimizer", "batch size", "mixed precision", "throughput"],
    ),
    (
        "We monitor data drift with a population stability index on the top features, and we "
        "alert when precision at ten drops by more than two points for three days in a row. "
        "When that happens we retrain on the last four weeks of data and roll out behind a "
        "canary that takes five percent of traffic.",
        ["drift", "precision", "retrain", "canary", "features"],
    ),
    (
        "I chose logistic regression over a deep model for the fraud classifier because we "
        "needed explanations for every decision and a latency under ten milliseconds. We gave "
        "up about one point of recall, but the model was cheap to serve and easy to debug "
        "when the false positive rate went up.",
        ["logistic regression", "classifier", "latency", "recall", "false positive"],
    ),
    (
        "For retrieval we embed every document with a small transformer, store the vectors in "
        "an approximate nearest neighbor index, and re-rank the top hundred with a cross "
        "encoder. Quantizing the index to eight bits halved the memory with almost no loss in "
        "recall at one hundred.",
        ["retrieval", "transformer", "vectors", "nearest neighbor", "cross encoder", "recall"],
    ),
]

FILLER_ANSWERS: list[str] = [
    "So, um, the first thing I would do is, uh, look at how the labels were collected.",
    "Um, we had a latency problem, and, uh, the fix was to cache the embeddings.",
    "I think, um, the model was overfitting, so, uh, we added more regularization.",
    "Uh, the team wanted a bigger model, but, um, the budget was eight milliseconds.",
]
FILLER_WORDS = {"um", "uh", "er", "ah", "hmm", "erm", "umm", "uhm"}

# a natural sentence that uses the vocabulary, and the same terms as hotwords
VOCAB_PROMPT = (
    "An ML engineer explains the design: QPS, p99 latency, AUC, NDCG, FSDP, training serving "
    "skew, data drift and the feature store."
)


@dataclass
class Clip:
    name: str
    corpus: str
    audio: np.ndarray
    reference: str
    terms: list[str]


@dataclass
class Setting:
    name: str
    options: WhisperOptions | None
    """None means raw faster-whisper defaults."""


def build_clips() -> list[Clip]:
    clips: list[Clip] = []
    for index, (text, terms) in enumerate(ANSWERS):
        clips.append(Clip(f"piper-{index}", "piper", piper_audio(text), text, terms))
        clips.append(Clip(f"espeak-{index}", "espeak", espeak_audio(text), text, terms))
    for index, text in enumerate(FILLER_ANSWERS):
        clips.append(Clip(f"fillers-{index}", "fillers", piper_audio(text), text, []))
    clips.extend(librivox_clips())
    return clips


def librivox_clips() -> list[Clip]:
    """The LibriVox clips of Debian's pocketsphinx-testdata with their reference text."""
    references = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s>(.*)</s>\s*\((.+)\)", line.strip())
        if match:
            references[match.group(2)] = match.group(1).strip()
    return [Clip(name, "librivox", read_audio(LIBRIVOX / f"{name}.wav"), reference, [])
            for name, reference in sorted(references.items())]


# metrics


def normalizer() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    norm = normalizer()
    refs = [norm(r) for r in references]
    hyps = [norm(h) for h in hypotheses]
    pairs = [(r, h) for r, h in zip(refs, hyps, strict=True) if r.strip()]
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs]))


def term_recall(clips: list[Clip], hypotheses: list[str]) -> float:
    norm = normalizer()
    found = total = 0
    for clip, hyp in zip(clips, hypotheses, strict=True):
        said = f" {norm(hyp)} "
        for term in clip.terms:
            total += 1
            found += f" {norm(term)} " in said
    return found / total if total else float("nan")


def filler_count(text: str) -> int:
    return sum(1 for w in re.findall(r"[a-z]+", text.lower()) if w in FILLER_WORDS)


# running


def raw_defaults_transcribe(model: Any, audio: np.ndarray) -> str:
    segments, _ = model.transcribe(audio)
    return "".join(s.text for s in segments).strip()


def run_setting(setting: Setting, clips: list[Clip], raw_model: Any) -> dict[str, Any]:
    transcriber = None
    if setting.options is not None:
        transcriber = WhisperTranscriber(resolve_model(None), setting.options)
        transcriber.model()
    texts, raws, seconds = [], [], 0.0
    for clip in clips:
        began = time.perf_counter()
        if transcriber is None:
            text = raw = raw_defaults_transcribe(raw_model, clip.audio)
        else:
            result = transcriber.transcribe(clip.audio)
            text, raw = result.text, result.raw_text
        seconds += time.perf_counter() - began
        texts.append(text)
        raws.append(raw)
    audio_s = sum(c.audio.size for c in clips) / SAMPLE_RATE
    row: dict[str, Any] = {"setting": setting.name, "rtf": seconds / audio_s}
    for corpus in ("piper", "espeak", "librivox"):
        chosen = [i for i, c in enumerate(clips) if c.corpus == corpus]
        heard = [texts[i] for i in chosen]
        row[f"wer_{corpus}"] = wer([clips[i].reference for i in chosen], heard)
        if corpus != "librivox":
            row[f"terms_{corpus}"] = term_recall([clips[i] for i in chosen], heard)
    fill = [i for i, c in enumerate(clips) if c.corpus == "fillers"]
    said = sum(filler_count(clips[i].reference) for i in fill)
    kept = sum(min(filler_count(raws[i]), filler_count(clips[i].reference)) for i in fill)
    row["filler_recall"] = kept / said
    row["wer_fillers_clean"] = wer([clips[i].reference for i in fill], [texts[i] for i in fill])
    return row


def long_answer() -> tuple[np.ndarray, str]:
    """About 90 s of answer: the Piper answers with short pauses, ending on the last word."""
    parts: list[np.ndarray] = []
    texts: list[str] = []
    for text, _ in ANSWERS * 2:
        if sum(p.size for p in parts) >= 88 * SAMPLE_RATE:
            break
        parts += [piper_audio(text), silence(0.8)]
        texts.append(text)
    return up_to_last_word(np.concatenate(parts[:-1])), " ".join(texts)


def up_to_last_word(audio: np.ndarray) -> np.ndarray:
    """The audio cut 50 ms after its last loud sample, so that it ends on the last word."""
    last_word = np.flatnonzero(np.abs(audio) > 0.01)[-1] + int(0.05 * SAMPLE_RATE)
    return audio[:last_word]


def feed(stream: StreamingTranscriber, audio: np.ndarray, speed: float | None = 1.0) -> float:
    """Feed 50 ms blocks at ``speed`` times real-time pace (None: as fast as taken);
    returns the ``time.monotonic()`` at which the last block went in."""
    block = int(0.05 * SAMPLE_RATE)
    began = time.monotonic()
    for start in range(0, audio.size, block):
        stream.feed(audio[start : start + block])
        if speed:
            due = began + (start + block) / SAMPLE_RATE / speed
            time.sleep(max(0.0, due - time.monotonic()))
    return time.monotonic()


def streaming_run(options: WhisperOptions, audio: np.ndarray, realtime: bool) -> dict[str, Any]:
    """Feed 50 ms blocks (at real-time pace if asked) and time finish() after the last block."""
    transcriber = WhisperTranscriber(resolve_model(None), options)
    transcriber.model()
    stream = StreamingTranscriber(transcriber)
    ended = feed(stream, audio, 1.0 if realtime else None)
    streamed = stream.finish()
    return {"text": streamed.text, "ready_s": time.monotonic() - ended,
            "chunks": stream.chunks_decoded}


def after_the_fact(options: WhisperOptions, audio: np.ndarray) -> dict[str, Any]:
    transcriber = WhisperTranscriber(resolve_model(None), options)
    transcriber.model()
    began = time.perf_counter()
    text = transcriber.transcribe(audio).text
    return {"text": text, "ready_s": time.perf_counter() - began, "chunks": 1}


def streaming_table(realtime: bool) -> tuple[str, list[dict[str, Any]]]:
    audio, reference = long_answer()
    no_filler_pass = replace(WhisperOptions(), fillers=None)
    runs = [
        ("coach default, stopped on the last word", lambda: streaming_run(
            WhisperOptions(), audio, realtime)),
        ("coach default, stopped after 1 s of silence", lambda: streaming_run(
            WhisperOptions(), np.concatenate([audio, silence(1.0)]), realtime)),
        ("no filler pass, stopped on the last word", lambda: streaming_run(
            no_filler_pass, audio, realtime)),
        ("coach default, after the fact", lambda: after_the_fact(WhisperOptions(), audio)),
    ]
    pace = "real time" if realtime else "as fast as possible"
    lines = [f"{audio.size / SAMPLE_RATE:.0f} s answer, blocks of 50 ms fed at {pace}", "",
             "| run | transcript ready after the end (s) | chunks | WER |",
             "| --- | --- | --- | --- |"]
    rows = []
    for name, run in runs:
        print(f"streaming: {name}", file=sys.stderr)
        result = run()
        result.update(run=name, wer=wer([reference], [result.pop("text")]))
        rows.append(result)
        lines.append(
            f"| {name} | {result['ready_s']:.2f} | {result['chunks']} | {result['wer']:.1%} |"
        )
    return "\n".join(lines), rows


def load_probe(threads: int) -> dict[str, float]:
    """Model load time and peak memory, in a fresh process."""
    probe = (
        "import resource, time, numpy as np\n"
        "from faster_whisper import WhisperModel\n"
        "t = time.perf_counter()\n"
        f"m = WhisperModel({str(bundled_model_dir())!r}, device='cpu', compute_type='int8',"
        f" cpu_threads={threads}, local_files_only=True)\n"
        "load = time.perf_counter() - t\n"
        "audio = np.random.default_rng(0).standard_normal(16000 * 30).astype('float32') * 0.1\n"
        "list(m.transcribe(audio, language='en', word_timestamps=True)[0])\n"
        "print(load, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    load, peak = map(float, out.stdout.split())
    return {"load_s": load, "peak_mb": peak}


def settings(quick: bool) -> list[Setting]:
    chosen = WhisperOptions()
    plain = replace(chosen, coverage=None, fillers=None)
    rows = [
        Setting("faster-whisper defaults", None),
        Setting("int8, 2 threads, beam 5, VAD, no prompt, no guards", plain),
        Setting("coach default: + coverage guard + filler gap pass", chosen),
        Setting("filler prompt + ML hotwords (the earlier default)",
                replace(plain, initial_prompt=FILLER_PROMPT, hotwords=ML_HOTWORDS)),
    ]
    if quick:
        return rows
    return rows + [
        Setting("no prompt, beam 1", replace(plain, beam_size=1)),
        Setting("no prompt, 1 thread", replace(plain, cpu_threads=1)),
        Setting("no prompt, no VAD", replace(plain, vad_filter=False)),
        Setting("no prompt, ML hotwords", replace(plain, hotwords=ML_HOTWORDS)),
        Setting("vocabulary sentence prompt + ML hotwords",
                replace(plain, initial_prompt=VOCAB_PROMPT, hotwords=ML_HOTWORDS)),
    ]


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| setting | WER piper | WER espeak | WER librivox | terms piper | terms espeak "
            "| filler recall | WER filler clips | RTF |")
    lines = [head, "|" + " --- |" * 9]
    for r in rows:
        lines.append(
            f"| {r['setting']} | {r['wer_piper']:.1%} | {r['wer_espeak']:.1%} "
            f"| {r['wer_librivox']:.1%} | {r['terms_piper']:.0%} | {r['terms_espeak']:.0%} "
            f"| {r['filler_recall']:.0%} | {r['wer_fillers_clean']:.1%} | {r['rtf']:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from faster_whisper import WhisperModel

    print("synthesising clips...", file=sys.stderr)
    clips = build_clips()
    audio_s = sum(c.audio.size for c in clips) / SAMPLE_RATE
    print(f"{len(clips)} clips, {audio_s:.0f} s of audio", file=sys.stderr)
    raw_model = WhisperModel(str(bundled_model_dir()))
    rows = []
    for setting in settings(args.quick):
        print(f"running: {setting.name}", file=sys.stderr)
        rows.append(run_setting(setting, clips, raw_model))
    print(table(rows))

    text, stream_rows = streaming_table(realtime=not args.quick)
    print("\n" + text + "\n")
    probes = {threads: load_probe(threads) for threads in (1, 0)}
    for threads, probe in probes.items():
        label = "cpu_threads=1" if threads else "cpu_threads default"
        print(f"model load, int8 ({label}): {probe['load_s']:.2f} s, "
              f"peak memory (load + 30 s decode) {probe['peak_mb']:.0f} MB")
    if args.json:
        summary = {"settings": rows, "streaming": stream_rows,
                   "load": {str(k): v for k, v in probes.items()}}
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
