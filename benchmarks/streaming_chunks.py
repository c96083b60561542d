"""How the chunking of the streaming transcriber trades latency for accuracy.

Feeds the same ~90 s synthetic answer (see ``transcription.long_answer``) at
real-time pace through ``StreamingTranscriber`` with several ``ChunkOptions`` and
prints, for each, the seconds from the last block to the transcript, the chunks
decoded and the word error. About 7 minutes on 2 cores.

    python benchmarks/streaming_chunks.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent / "tests")]

import transcription as bench  # noqa: E402

from coach.audio.stream import ChunkOptions, StreamingTranscriber  # noqa: E402
from coach.audio.transcribe import WhisperOptions, WhisperTranscriber, resolve_model  # noqa: E402
from coach.audio.wav import SAMPLE_RATE  # noqa: E402

CHUNKINGS = {
    "default (pause 0.3 s, at most 25 s)": ChunkOptions(),
    "at most 8 s": ChunkOptions(max_chunk_s=8.0),
    "pause 0.2 s": ChunkOptions(pause_s=0.2),
    "pause 0.2 s, at most 8 s": ChunkOptions(pause_s=0.2, max_chunk_s=8.0),
}


def main() -> None:
    audio, reference = bench.long_answer()
    transcriber = WhisperTranscriber(resolve_model(None), WhisperOptions())
    transcriber.model()
    block = int(0.05 * SAMPLE_RATE)
    print(f"answer: {audio.size / SAMPLE_RATE:.1f} s, fed in 50 ms blocks at real-time pace")
    print("| chunking | ready after the end (s) | chunks | WER |\n| --- | --- | --- | --- |")
    for name, options in CHUNKINGS.items():
        stream = StreamingTranscriber(transcriber, options)
        began = time.perf_counter()
        for start in range(0, audio.size, block):
            stream.feed(audio[start : start + block])
            time.sleep(max(0.0, began + (start + block) / SAMPLE_RATE - time.perf_counter()))
        ended = time.perf_counter()
        text = stream.finish().text
        ready = time.perf_counter() - ended
        error = bench.wer([reference], [text])
        print(f"| {name} | {ready:.2f} | {stream.chunks_decoded} | {100 * error:.1f}% |")


if __name__ == "__main__":
    main()
