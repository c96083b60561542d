"""How soon the streamed transcript is ready after the end of speech, and at what word error.

Feeds a ~90 s synthetic answer (see ``transcription.long_answer``) and the LibriVox
clips back to back (real read speech, ~27 s) at real-time pace, in 50 ms blocks,
through ``StreamingTranscriber`` with several ``ChunkOptions`` and thread counts, in
two endings: the recording stops on the last word, or 0.5 s of silence later (a
speaker pressing Enter). For each it prints the seconds from the end of speech to the
transcript being ready, the seconds from the recording's stop to ``finish()``
returning, the decodes made (and decodes ahead of time, kept / made) and the word
error. The whole answer transcribed after the fact, on 1 and on 2 threads, ends each
table. Each row takes about 4 minutes, since it feeds both answers twice in real time.

    python benchmarks/streaming_chunks.py
    python benchmarks/streaming_chunks.py --only "coach default"   # rows whose name has this
    python benchmarks/streaming_chunks.py --accuracy 3   # WER on all clips, fed at 3x pace
    python benchmarks/streaming_chunks.py --burners 0 1 2  # coach default beside busy processes

``--burners`` runs the coach default on the Piper answer beside 0, 1, 2... processes that
keep a core busy (a browser, a call), and prints for each the time to ready, the decoding
work shed, and the CPU seconds per audio second of streaming against one pass after the fact.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent / "tests")]

import numpy as np  # noqa: E402
import transcription as bench  # noqa: E402
from speech import silence  # noqa: E402

from coach.audio.stream import ChunkOptions, StreamingTranscriber  # noqa: E402
from coach.audio.transcribe import WhisperOptions, WhisperTranscriber, resolve_model  # noqa: E402
from coach.audio.wav import SAMPLE_RATE  # noqa: E402

LAST = ChunkOptions(revise_left_s=None, vad_filter=True)
BEFORE = replace(LAST, speculate_after_s=None, one_window=False)
ONE_THREAD = WhisperOptions(cpu_threads=1)
RUNS: dict[str, tuple[ChunkOptions, WhisperOptions]] = {
    "before: whole windows, no decode ahead, 1 thread": (BEFORE, ONE_THREAD),
    "one window, decode ahead after 0.2 s, 2 threads": (LAST, WhisperOptions()),
    "+ no VAD filter on chunks": (replace(LAST, vad_filter=False), WhisperOptions()),
    "coach default: + each chunk revised with 8 s before it and the next chunk after": (
        ChunkOptions(), WhisperOptions()),
}
ENDINGS = {"on the last word": 0.0, "0.5 s after": 0.5}


def accuracy(speed: float, only: str | None) -> None:
    """Word error over every benchmark clip, each streamed as one answer, against batch."""
    clips = bench.build_clips()
    corpora = ("piper", "espeak", "librivox")
    chosen = [c for c in clips if c.corpus in corpora]
    seconds = sum(c.audio.size for c in chosen) / SAMPLE_RATE
    print(f"\nAll {len(chosen)} clips ({seconds:.0f} s), each streamed at {speed:g}x real time")
    print("| run | WER piper | WER espeak | WER librivox | decodes |")
    print("| --- | --- | --- | --- | --- |")
    transcribers: dict[WhisperOptions, WhisperTranscriber] = {}
    for name, (options, whisper) in [*RUNS.items(), ("after the fact", (None, WhisperOptions()))]:
        if only and only not in name and options is not None:
            continue
        if whisper not in transcribers:
            transcribers[whisper] = WhisperTranscriber(resolve_model(None), whisper)
        transcriber = transcribers[whisper]
        texts, decodes = [], 0
        for clip in chosen:
            if options is None:
                texts.append(transcriber.transcribe(clip.audio).text)
                continue
            stream = StreamingTranscriber(transcriber, options)
            bench.feed(stream, clip.audio, speed)
            texts.append(stream.finish().text)
            decodes += stream.chunks_decoded
        errors = [bench.wer([c.reference for c in chosen if c.corpus == corpus],
                            [t for c, t in zip(chosen, texts, strict=True) if c.corpus == corpus])
                  for corpus in corpora]
        cells = " | ".join(f"{100 * e:.1f}%" for e in errors)
        print(f"| {name} | {cells} | {decodes or '-'} |", flush=True)


def librivox_answer() -> tuple[np.ndarray, str]:
    """Real read speech: the LibriVox clips back to back with 0.5 s between them."""
    clips = bench.librivox_clips()
    audio = np.concatenate([part for clip in clips for part in (clip.audio, silence(0.5))][:-1])
    return bench.up_to_last_word(audio), " ".join(clip.reference for clip in clips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the rows whose name contains this")
    parser.add_argument("--accuracy", type=float, metavar="SPEED",
                        help="instead, word error over all clips streamed at SPEED x real time")
    parser.add_argument("--burners", type=int, nargs="+", metavar="N",
                        help="instead, the coach default beside N busy processes, for each N")
    args = parser.parse_args()
    if args.burners:
        under_load(args.burners)
        return
    if args.accuracy:
        accuracy(args.accuracy, args.only)
        return
    answers = {"Piper": bench.long_answer(), "LibriVox": librivox_answer()}
    for answer, (speech, reference) in answers.items():
        print(f"\n{answer} answer: {speech.size / SAMPLE_RATE:.1f} s")
        table(speech, reference, args.only)


def table(speech: np.ndarray, reference: str, only: str | None) -> None:
    transcribers = {whisper: WhisperTranscriber(resolve_model(None), whisper)
                    for whisper in {ONE_THREAD, WhisperOptions(), *(w for _, w in RUNS.values())}}
    for transcriber in transcribers.values():
        transcriber.model()
    print("| run | recording stops | ready after end of speech (s) | wait after stop (s) "
          "| decodes | ahead kept/made | WER |\n| --- | --- | --- | --- | --- | --- | --- |")
    for name, (options, whisper) in RUNS.items():
        if only and only not in name:
            continue
        for ending, pause_s in ENDINGS.items():
            stream = StreamingTranscriber(transcribers[whisper], options)
            stopped = bench.feed(stream, np.concatenate([speech, silence(pause_s)]))
            text = stream.finish().text
            waited = time.monotonic() - stopped
            assert stream.ready_at is not None
            ready = stream.ready_at - (stopped - pause_s)
            error = bench.wer([reference], [text])
            print(f"| {name} | {ending} | {ready:.2f} | {waited:.2f} | {stream.chunks_decoded} "
                  f"| {stream.guesses_kept}/{stream.guesses_decoded} | {100 * error:.1f}% |",
                  flush=True)
    for threads, whisper in ((1, ONE_THREAD), (2, WhisperOptions())):
        transcriber = transcribers[whisper]
        began = time.monotonic()
        text = transcriber.transcribe(speech).text
        took = time.monotonic() - began
        error = bench.wer([reference], [text])
        print(f"| after the fact, {threads} thread{'s' * (threads > 1)} | on the last word "
              f"| {took:.2f} | {took:.2f} | - | - | {100 * error:.1f}% |")


def under_load(counts: list[int]) -> None:
    """Streaming against one pass after the fact, with busy processes beside them."""
    speech, reference = bench.long_answer()
    audio_s = speech.size / SAMPLE_RATE
    transcriber = WhisperTranscriber(resolve_model(None), WhisperOptions())
    transcriber.model()
    print(f"Piper answer: {audio_s:.1f} s, fed in 50 ms blocks at real-time pace")
    print("| busy processes | streamed: ready after end of speech (s) | steps shed "
          "| streamed CPU s per audio s | streamed WER | after the fact: ready (s) "
          "| CPU s per audio s | WER |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for count in counts:
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                   for _ in range(count)]
        try:
            stream = StreamingTranscriber(transcriber, ChunkOptions())
            cpu = time.process_time()
            stopped = bench.feed(stream, speech)
            streamed = stream.finish().text
            stream_cpu = time.process_time() - cpu
            assert stream.ready_at is not None
            ready = stream.ready_at - stopped
            cpu, began = time.process_time(), time.monotonic()
            batch = transcriber.transcribe(speech).text
            batch_s, batch_cpu = time.monotonic() - began, time.process_time() - cpu
        finally:
            for burner in burners:
                burner.kill()
                burner.wait()
        print(f"| {count} | {ready:.2f} | {stream.steps_shed} | {stream_cpu / audio_s:.3f} "
              f"| {100 * bench.wer([reference], [streamed]):.1f}% | {batch_s:.2f} "
              f"| {batch_cpu / audio_s:.3f} | {100 * bench.wer([reference], [batch]):.1f}% |",
              flush=True)


if __name__ == "__main__":
    main()
