"""The practice loop: ask, capture the answer, transcribe, score, store, give feedback.

Each answer is stored step by step as it comes into being (the row and its audio
path before recording starts, then the transcript, then the scorecard), each step
committed on its own, so an interrupt at any point keeps everything finished.
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from coach.config import Settings
from coach.errors import InputError, home_error
from coach.questions import Question, find_question, load_questions, select_questions
from coach.rubrics.probes import follow_up_question, is_follow_up
from coach.sessions.review import scorecard_block
from coach.sessions.schedule import update_queue
from coach.sessions.stages import Stages, production_stages
from coach.sessions.steps import score_and_store, store_transcript
from coach.sessions.store import Store, open_store

if TYPE_CHECKING:
    import numpy as np

    from coach.audio.decoder import Decoder
    from coach.audio.record import Recording, StreamFactory
    from coach.audio.speak import Speaker
    from coach.audio.stream import StreamingTranscriber
    from coach.audio.transcribe import Transcript
    from coach.audio.words import Delivery
    from coach.sessions.recordings import SpaceReserve


@dataclass(frozen=True)
class PracticeOptions:
    """What one `coach practice` (or `coach replay`) session asks and how it listens."""

    round: str | None = None
    level: str | None = None
    count: int | None = None
    """Questions in the session; default 3, or one per ``answer_audio`` file."""
    question_ids: tuple[str, ...] = ()
    typed: bool = False
    """Read typed answers from stdin instead of recording."""
    answer_audio: tuple[Path, ...] = ()
    """Feed the recorder from these files (one per answer, in order)."""
    realtime: bool = False
    speak: bool = True
    offline: bool = False
    follow_ups: bool | None = None
    """Answer follow-up probes: True always, False never, None ask when interactive."""
    listen: bool = False
    """Replay: play the previous recording of the question before asking it again."""
    mode: str = ""
    """Stored with the session; derived from the options when empty."""

    @property
    def session_mode(self) -> str:
        if self.mode:
            return self.mode
        return "text" if self.typed else "file" if self.answer_audio else "voice"


class Answered(NamedTuple):
    """An answer as stored: its id and its scorecard."""

    answer_id: int
    card: dict[str, Any]


SKIPPED = Answered(0, {})
"""What `ask` returns for a question the user skipped (nothing is stored)."""
SKIP_WORD, QUIT_WORD = "skip", "quit"
"""Typed on their own instead of an answer: skip the question, end the session."""


@dataclass
class Captured:
    transcript: Transcript
    timings: dict[str, float] = field(default_factory=dict)


class LineReader:
    """Lines from stdin through one background reader, shared by answers, Enter and prompts."""

    def __init__(self, stream: TextIO) -> None:
        self.interactive = stream.isatty()
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def get(self, timeout: float | None = None) -> str | None:
        """The next line, None at end of input; raises queue.Empty on timeout."""
        line = self._lines.get(timeout=timeout)
        if line is None:
            self._lines.put(None)  # stay at end of input
        return line

    def paragraph(self, on_blank: Callable[[], None] | None = None) -> str | None:
        """Lines up to an empty line or end of input; None when input has ended.

        An empty line before any text is passed over, after calling ``on_blank``.
        """
        lines: list[str] = []
        while (line := self.get()) is not None:
            if not line.strip():
                if lines:
                    break
                if on_blank:
                    on_blank()
                continue
            lines.append(line.strip())
        return " ".join(lines) if lines else None


def pick_questions(bank: list[Question], store: Store, options: PracticeOptions) -> list[Question]:
    """Chosen ids, else unasked or least recently asked first, mixing rounds when none is given."""
    if options.question_ids:
        return [find_question(bank, question_id) for question_id in options.question_ids]
    pool = select_questions(bank, options.round, options.level)
    if not pool:
        raise InputError("no questions match that round and level", "see `coach questions`")
    count = options.count or len(options.answer_audio) or 3
    last_asked = store.last_asked()
    shuffled = random.sample(pool, len(pool))
    stalest = sorted(shuffled, key=lambda q: last_asked.get(q.id, ""))
    by_round: dict[str, list[Question]] = defaultdict(list)
    for question in stalest:
        by_round[question.round].append(question)
    rounds = sorted(by_round, key=lambda r: last_asked.get(by_round[r][0].id, ""))
    picked: list[Question] = []
    while len(picked) < min(count, len(pool)):
        for round_id in rounds:
            if by_round[round_id] and len(picked) < count:
                picked.append(by_round[round_id].pop(0))
    return picked


class Practice:
    """One practice session against the store, the speaker, the recorder and the scorer."""

    def __init__(
        self,
        settings: Settings,
        options: PracticeOptions,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
        stages: Stages | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.stages = stages or production_stages()
        self.scorer = self.stages.scorer(settings, options.offline)
        self.out = out or sys.stdout
        self.reader = LineReader(stdin or sys.stdin)
        self.notices_shown: set[str] = set()
        self.quitting = False
        self._answer_samples: Iterator[tuple[Path, np.ndarray]] = iter(())  # --answer-audio, read
        self._decoder: Decoder | None = None
        self._microphone: StreamFactory | None = None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def progress(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def notice(self, text: str) -> None:
        if text and text not in self.notices_shown:
            self.notices_shown.add(text)
            self.progress(f"note: {text}")

    # the session

    def run(self, questions: list[Question] | None = None) -> dict[str, Any]:
        self._check_inputs()
        with open_store(self.settings.home) as store:
            questions = questions or pick_questions(
                load_questions(self.settings.home), store, self.options
            )
            self._check_audio_count(len(questions))
            self._prepare_listening()
            speaker = self._speaker()
            reserve = self._hold_space()
            session_id = store.start_session(self.options.session_mode)
            try:
                for number, question in enumerate(questions, start=1):
                    self.say(
                        f"\nQuestion {number} of {len(questions)} "
                        f"[{question.round}, {question.level}, "
                        f"{question.time_budget_s // 60}m{question.time_budget_s % 60:02d}s]"
                    )
                    if self.ask(store, session_id, question, speaker) is None or self.quitting:
                        break  # typed answers ran out, or the user typed `quit`
            finally:
                reserve.release()
                store.end_session(session_id)
            summary = self.summary(store, session_id)
        return summary

    def ask(
        self,
        store: Store,
        session_id: int,
        question: Question,
        speaker: Speaker,
        follow_up_of: int | None = None,
    ) -> Answered | None:
        """Ask one question and its follow-up; returns the answer (None at end of input)."""
        self.say(question.text)
        speaker.say(question.text)
        answered = self.answer(store, session_id, question, follow_up_of)
        if answered is None or answered is SKIPPED:
            return answered
        probe = answered.card.get("follow_up") or next(iter(question.follow_ups), None)
        if follow_up_of is None and probe and self._wants_follow_up():
            follow_up = follow_up_question(question, probe)
            self.say("\nFollow-up:")
            self.ask(store, session_id, follow_up, speaker, follow_up_of=answered.answer_id)
        return answered

    def answer(
        self, store: Store, session_id: int, question: Question, follow_up_of: int | None
    ) -> Answered | None:
        """Capture, transcribe, score and store one answer, committing after each step."""
        from coach.audio.delivery import compute_delivery

        if self.options.typed:
            text = self._typed_answer()
            if text is None:
                self.notice("no more typed answers on stdin; ending the session")
                return None
            if text.lower() == QUIT_WORD:
                self.quitting = True
                self.say("Ending the session; your answers so far are saved.")
                return None
            if text.lower() == SKIP_WORD:
                self.say("Skipped; nothing stored for this question.")
                return SKIPPED
            answer_id = store.add_answer(
                session_id, question.id, question.text, question.round, question.level, follow_up_of
            )
            captured = Captured(typed_transcript(text))
            delivery = None
        else:
            audio_path = self._audio_path(session_id, question)
            answer_id = store.add_answer(
                session_id,
                question.id,
                question.text,
                question.round,
                question.level,
                follow_up_of,
                audio_path,
            )
            captured = self._spoken_answer(question, audio_path)
            delivery = compute_delivery(captured.transcript.words, question.time_budget_s)
        transcript = captured.transcript
        store_transcript(store, answer_id, transcript, delivery, captured.timings)
        card = self.score(store, answer_id, question, transcript.text, delivery)
        self.feedback(card, transcript.text)
        self.schedule(store, answer_id, card)
        return Answered(answer_id, card)

    def score(
        self,
        store: Store,
        answer_id: int,
        question: Question,
        transcript: str,
        delivery: Delivery | None,
    ) -> dict[str, Any]:
        """Score and store the scorecard; returns it as stored."""
        self.progress("Scoring…")
        scored = score_and_store(
            store, self.scorer, answer_id, question, transcript, question.level, delivery
        )
        self.notice(scored.notice or "")
        return scored.card

    def feedback(self, card: dict[str, Any], transcript: str) -> None:
        self.say()
        self.say(f"You said: {transcript}" if transcript else "(nothing was heard)")
        for line in scorecard_block(card, markdown=False):
            self.say(line)

    def schedule(self, store: Store, answer_id: int, card: dict[str, Any]) -> None:
        """Queue a weak round for replay, or move it between boxes (not for follow-ups)."""
        record = store.answer(answer_id)
        if record is not None and record.follow_up_of is None:
            move = update_queue(store, record, card, self.settings.weak_below)
            if move:
                self.say(f"Replay: {move}")

    def summary(self, store: Store, session_id: int) -> dict[str, Any]:
        """Per-criterion scores of the session, the weakest criterion, the replay queue."""
        scores: dict[str, list[int]] = defaultdict(list)
        answers = [a for a in store.answers(session_id) if a.scorecard]
        for answer in answers:
            for item in (answer.scorecard or {}).get("criteria", []):
                scores[item["id"]].append(item["score"])
        means = {c: round(sum(v) / len(v), 2) for c, v in sorted(scores.items())}
        weakest = min(means, key=lambda c: (means[c], c)) if means else None
        queue_items = store.replay_queue()
        if not store.sessions(session_id):
            self.say("\nNo answer was given, so no session was kept.")
        else:
            self.say(f"\nSession {session_id}: {len(answers)} answer(s) scored")
        for criterion, mean in means.items():
            self.say(f"  {criterion:<26} {mean:.1f}/4")
        if weakest:
            self.say(f"Weakest criterion: {weakest}")
        if queue_items:
            self.say(
                f"Queued for replay: {', '.join(i.question_id for i in queue_items)} "
                "(`coach replay`)"
            )
        if answers:
            self.say(f"Read it back with `coach review {session_id}`.")
        return {
            "session": session_id,
            "criteria": means,
            "weakest": weakest,
            "replay": [i.question_id for i in queue_items],
        }

    # capturing answers

    def _typed_answer(self) -> str | None:
        if not self.reader.interactive:
            return self.reader.paragraph()
        self.say(
            f"Type your answer; an empty line ends it (`{SKIP_WORD}` skips, `{QUIT_WORD}` ends)."
        )
        return self.reader.paragraph(on_blank=self._blank_line_hint)

    def _blank_line_hint(self) -> None:
        self.say(
            "(Nothing typed yet: write your answer first, then an empty line sends it; "
            f"`{SKIP_WORD}` skips this question, `{QUIT_WORD}` ends the session.)"
        )

    def _spoken_answer(self, question: Question, audio_path: Path) -> Captured:
        from coach.audio.record import Recorder, RecorderOptions, samples_stream
        from coach.audio.stream import StreamingTranscriber

        assert self._decoder is not None
        answer_file = next(self._answer_samples, None)
        if answer_file is None:
            options, factory = RecorderOptions.from_settings(self.settings), self._microphone
        else:  # a file is checked whole here, not by its opening
            path, samples = answer_file
            self._warn_if_silent(path, samples)
            options = RecorderOptions.from_settings(self.settings, quiet_fix=None)
            factory = samples_stream(samples, self.options.realtime)
        recorder = Recorder(options, factory)
        streaming = StreamingTranscriber(self._decoder)
        warm_up_embedding(question)
        done = threading.Event()
        if answer_file is None:
            self.say("Answer out loud; press Enter when you are done.")
            threading.Thread(
                target=self._stop_on_enter, args=(recorder.stop_event, done), daemon=True
            ).start()
        try:
            recording = recorder.record(audio_path, question.time_budget_s, on_block=streaming.feed)
        except OSError as error:  # the disk filled up while recording
            raise home_error(error, self.settings.home) from error
        finally:
            done.set()
        stopped = time.monotonic()
        self.progress("Transcribing…")
        transcript = streaming.finish()
        return Captured(transcript, stream_timings(recording, stopped, streaming))

    def _stop_on_enter(self, stop: threading.Event, done: threading.Event) -> None:
        while not done.is_set():
            try:
                self.reader.get(timeout=0.1)
            except queue.Empty:
                continue
            stop.set()
            return

    def _wants_follow_up(self) -> bool:
        if self.options.follow_ups is not None:
            return self.options.follow_ups
        if not self.reader.interactive or self.options.answer_audio:
            return False
        self.say("Answer the follow-up question too? [y/N]")
        reply = self.reader.get() or ""
        return reply.strip().lower().startswith("y")

    # set-up

    def _check_inputs(self) -> None:
        if self.options.count is not None and self.options.count < 1:
            raise InputError(
                f"--count {self.options.count} asks for no questions", "give 1 or more"
            )
        if self.options.typed and self.options.answer_audio:
            raise InputError("--text and --answer-audio exclude each other", "choose one")
        from coach.audio.decode import read_audio

        for path in self.options.answer_audio:
            if not Path(path).exists():
                raise InputError(f"no such audio file: {path}", "check the --answer-audio path")
        # read once, now: a file that is not audio is named before anything is stored
        paths = self.options.answer_audio
        self._answer_samples = iter([(Path(path), read_audio(path)) for path in paths])

    def _warn_if_silent(self, path: Path, samples: np.ndarray) -> None:
        """Name an answer file with nothing audible in it: the transcriber's own silence test
        (:func:`~coach.audio.guards.is_silent`) will score it as no answer. Its whole length
        is checked, since a recording may open with silence."""
        from coach.audio.guards import is_silent
        from coach.audio.record import SILENT_FILE_FIX

        if is_silent(samples):
            self.notice(f"{path} holds no audible sound: {SILENT_FILE_FIX}")

    def _check_audio_count(self, questions: int) -> None:
        files = len(self.options.answer_audio)
        if files and files < questions:
            raise InputError(
                f"{questions} question(s) but {files} --answer-audio file(s)",
                "give one file per question or lower --count",
            )

    def _prepare_listening(self) -> None:
        """Open the microphone (or fail early) and start loading Whisper in the background."""
        if self.options.typed:
            return
        if not self.options.answer_audio:
            self._microphone = self._open_microphone()
            if self._microphone is None:
                return
        self.progress("Loading the Whisper model in the background…")
        self._decoder = self.stages.decoder(self.settings)

    def _open_microphone(self) -> StreamFactory | None:
        """The microphone; without one, at a terminal, offer typed answers (None if taken)."""
        from coach.errors import DeviceError

        try:
            return self.stages.microphone(self.settings)
        except DeviceError as error:
            if not self.reader.interactive:
                raise
            self.progress(f"note: {error.problem}")
            self.say("No microphone found. Type your answers instead? [Y/n]")
            reply = self.reader.get()
            if reply is None or reply.strip().lower() not in ("", "y", "yes"):
                raise
        self.options = replace(self.options, typed=True)
        self.notice("typing answers instead of speaking them (no delivery figures)")
        return None

    def _hold_space(self) -> SpaceReserve:
        """Set room aside to close the session on a full disk; fails early on one."""
        from coach.sessions.recordings import SpaceReserve

        reserve = SpaceReserve(self.settings.home)
        try:
            reserve.hold()
        except OSError as error:
            raise home_error(error, self.settings.home) from error
        return reserve

    def _speaker(self) -> Speaker:
        return self.stages.speaker(self.settings, self.options.speak)

    def _audio_path(self, session_id: int, question: Question) -> Path:
        from coach.sessions.recordings import claim_recording

        try:
            return claim_recording(self.settings.home, session_id, question.id)
        except OSError as error:
            raise home_error(error, self.settings.home) from error


def typed_transcript(text: str) -> Transcript:
    from coach.audio.transcribe import Transcript

    text = " ".join(text.split())
    return Transcript(text=text, raw_text=text, words=[], duration_s=0.0, no_speech=not text)


def stream_timings(
    recording: Recording, stopped_at: float, streaming: StreamingTranscriber
) -> dict[str, float]:
    """How long the answer waited for its transcript.

    ``transcript_ready_s`` counts from the end of speech (the recorder's last speech,
    mapped to the clock at which it stopped) to the moment the last words were
    decoded, which may fall before the recorder stopped; ``transcript_wait_s`` is the
    time from the stop to the transcript. ``stopped_at`` and ``streaming.ready_at``
    are ``time.monotonic()`` readings.
    """
    speech_end_s = recording.speech_end_s
    silence_s = recording.duration_s - speech_end_s if speech_end_s is not None else 0.0
    ready_at = streaming.ready_at if streaming.ready_at is not None else stopped_at
    timings = {
        "transcript_ready_s": round(max(0.0, ready_at - (stopped_at - silence_s)), 3),
        "transcript_wait_s": round(max(0.0, time.monotonic() - stopped_at), 3),
        "recording_s": round(recording.duration_s, 3),
    }
    if speech_end_s is not None and recording.ended_by == "silence":
        timings["endpoint_wait_s"] = round(silence_s, 3)
    return timings


def warm_up_embedding(question: Question) -> threading.Thread | None:
    """Start loading the sentence-embedding model while the user answers, when scoring the
    answer needs it: for the criteria the fitted model scores (it reads what the answer is
    about, :mod:`coach.rubrics.meaning`) or to compare the answer with the question by
    meaning. The card is then not kept waiting for it (the scorer waits for a load in
    progress rather than start another)."""
    from coach.rubrics.fitted import load_model
    from coach.rubrics.relevance import meaning_texts

    fitted = load_model().switched & set(question.criteria)
    follow_up = is_follow_up(question)
    if not fitted and not meaning_texts(question.text, question.round, follow_up=follow_up):
        return None
    from coach.rubrics.embedding import warm_up

    thread = threading.Thread(target=warm_up, daemon=True)
    thread.start()
    return thread
