"""Practice sessions end to end: typed and file-fed answers, review, replay, history."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_run import STRONG_STORY, run_cli
from speech import espeak_audio, join, save, silence
from stages import FixedScorer, KeptSpeaker, TimelineDecoder, timeline

from coach.config import Settings
from coach.questions import find_question, load_questions
from coach.sessions.practice import Practice, PracticeOptions
from coach.sessions.stages import production_stages
from coach.sessions.store import open_store

WEAK = "I would use a neural network and it would be good."



def typed_practice(question_id: str) -> list[str]:
    """`coach practice` arguments for one typed answer, scored offline, no follow-up."""
    return [
        "practice",
        "--text",
        "--question",
        question_id,
        "--no-speak",
        "--offline",
        "--no-follow-ups",
    ]


def story_question_id() -> str:
    ids = [
        q.id
        for q in load_questions()
        if q.round == "behavioral"
        and q.level == "L5"
        and "post_launch_failures" in q.criteria
        and "star_structure" in q.criteria
    ]
    return ids[0]


def test_a_typed_session_is_stored_scored_and_reviewed(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    question = story_question_id()
    code, out, err = run_cli(
        ["practice", "--text", "--question", question, "--no-speak", "--no-follow-ups"],
        f"{STRONG_STORY}\n\n",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert "no LLM configured" in err and "offline" in out
    code, out, _ = run_cli(["review", "last", "--json"], "", capsys, monkeypatch)
    report = json.loads(out)
    (answer,) = report["answers"]
    assert answer["question"]["id"] == question
    assert answer["transcript"] == STRONG_STORY
    card = answer["scorecard"]
    assert card["scorer"] == "offline" and card["transcript"] == STRONG_STORY
    assert {c["id"] for c in card["criteria"]} >= {"star_structure", "post_launch_failures"}
    assert "score_s" in answer["timings"]
    for item in card["criteria"]:
        assert all(quote.lower() in STRONG_STORY.lower() for quote in item["evidence"])


def test_a_session_runs_through_the_stages_it_is_given(coach_home: Path) -> None:
    """The speaker comes from the bundle (here one that keeps what it is asked to say, in
    place of the sound card); a typed session builds no microphone and no decoder."""
    speaker = KeptSpeaker()

    def not_for_typed_answers(settings: Settings) -> Any:
        raise AssertionError("a typed session opened a microphone or loaded Whisper")

    stages = replace(
        production_stages(),
        speaker=lambda settings, enabled: speaker,
        microphone=not_for_typed_answers,
        decoder=not_for_typed_answers,
    )
    question = find_question(load_questions(), story_question_id())
    options = PracticeOptions(
        question_ids=(question.id,), typed=True, offline=True, follow_ups=False
    )
    practice = Practice(
        Settings(home=coach_home), options, io.StringIO(STRONG_STORY + "\n\n"), io.StringIO(),
        stages,
    )
    summary = practice.run()
    assert speaker.said == [question.text]
    assert summary["criteria"]["star_structure"] >= 3
    with open_store(coach_home) as store:
        (answer,) = store.answers(summary["session"])
    assert answer.scorer == "offline" and answer.transcript == STRONG_STORY


def test_a_spoken_answer_runs_through_a_substitute_decoder_and_scorer(
    coach_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real recorder, endpointing, streaming transcriber and store, with Whisper and the
    scorer swapped for the substitutes in tests/stages.py: what the decoder heard is what
    is stored and scored, and the scorecard names the scorer that made it."""
    said = (
        "We sized the feature store at two thousand reads per second, so we chose Redis "
        "over Postgres and gave up strong consistency for latency."
    )
    voice = espeak_audio(said)
    answer = save(join(silence(0.5), voice, silence(4.0)), tmp_path / "answer.wav")
    decoder = TimelineDecoder(timeline(said, 0.5, 0.5 + voice.size / 16_000))
    scorer = FixedScorer(2)

    def no_microphone_for_files(settings: Settings) -> Any:
        raise AssertionError("an answer from a file opened the microphone")

    stages = replace(
        production_stages(),
        microphone=no_microphone_for_files,
        decoder=lambda settings: decoder,
        scorer=lambda settings, offline: scorer,
    )
    question = find_question(load_questions(), story_question_id())
    options = PracticeOptions(
        question_ids=(question.id,), answer_audio=(answer,), speak=False, follow_ups=False
    )
    summary = Practice(
        Settings(home=coach_home), options, io.StringIO(), io.StringIO(), stages
    ).run()
    assert decoder.decodes >= 1
    ((question_id, transcript, delivery),) = scorer.given
    assert (question_id, transcript) == (question.id, said)
    assert delivery is not None and delivery.word_count == len(said.split())
    assert "note: scored by the fixed scorer" in capsys.readouterr().err
    with open_store(coach_home) as store:
        (stored,) = store.answers(summary["session"])
    assert stored.transcript == said and stored.scorer == "fixed"
    assert stored.scorecard is not None
    assert {c["id"]: c["score"] for c in stored.scorecard["criteria"]}["star_structure"] == 2
    assert stored.audio_path is not None and (coach_home / stored.audio_path).is_file()


def test_typed_answers_end_when_stdin_ends(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        ["practice", "--text", "--count", "3", "--no-speak", "--offline", "--round", "technical"],
        f"{WEAK}\n",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert "no more typed answers" in err
    with open_store(coach_home) as store:
        answers = store.answers()
    assert len(answers) == 1 and answers[0].scorecard is not None


def test_weak_rounds_move_between_replay_boxes(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    question = story_question_id()
    args = typed_practice(question)
    assert run_cli(args, WEAK + "\n", capsys, monkeypatch)[0] == 0
    code, out, _ = run_cli(["replay", "--list", "--json"], "", capsys, monkeypatch)
    (queued,) = json.loads(out)
    assert (queued["question_id"], queued["box"], queued["due"]) == (question, 1, "due now")
    assert "star_structure" in queued["reason"]

    code, out, err = run_cli(
        ["replay", "--text", "--no-speak", "--offline", "--no-follow-ups"],
        STRONG_STORY + "\n",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert "Last time" in out and "Change since last time" in out
    (moved,) = json.loads(run_cli(["replay", "--list", "--json"], "", capsys, monkeypatch)[1])
    assert moved["box"] == 2 and moved["due"] != "due now"

    # Nothing is due now; a weak answer later sends the round back to a nearer box.
    assert "Nothing is due" in run_cli(["replay", "--text"], "", capsys, monkeypatch)[1]
    assert run_cli(args, WEAK + "\n", capsys, monkeypatch)[0] == 0
    (back,) = json.loads(run_cli(["replay", "--list", "--json"], "", capsys, monkeypatch)[1])
    assert back["box"] == 1 and back["due"] == "due now"


def test_history_reports_series_per_criterion(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    question = story_question_id()
    args = typed_practice(question)
    run_cli(args, WEAK + "\n", capsys, monkeypatch)
    run_cli(args, STRONG_STORY + "\n", capsys, monkeypatch)
    code, out, _ = run_cli(["history", "--json"], "", capsys, monkeypatch)
    report = json.loads(out)
    series = report["criteria"]["star_structure"]["series"]
    assert len(series) == 2 and series[0]["score"] < series[1]["score"]
    assert report["rounds_practised"] == {"behavioral": 2}
    text = run_cli(["history"], "", capsys, monkeypatch)[1]
    assert "star_structure" in text and "Weakest criterion" in text


def test_interrupt_after_the_first_answer_keeps_it(coach_home: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coach",
            "practice",
            "--text",
            "--count",
            "2",
            "--round",
            "behavioral",
            "--level",
            "L5",
            "--no-speak",
            "--offline",
            "--no-follow-ups",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a shell running this suite in the background may have left SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdin and process.stdout
    process.stdin.write(STRONG_STORY + "\n\n")
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("Question 2 of 2"):
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "saved" in err
    with open_store(coach_home) as store:
        (session,) = store.sessions()
        (answer,) = store.answers()
        (integrity,) = store.connection.execute("PRAGMA integrity_check").fetchone()
    assert session.ended_at is not None and integrity == "ok"
    assert answer.transcript == STRONG_STORY and answer.scorecard is not None


def test_no_microphone_is_one_clear_line(coach_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coach", "practice", "--no-speak", "--count", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if "Question 1" in result.stdout:
        pytest.skip("this machine has a microphone")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert "microphone" in result.stderr and "--text" in result.stderr
    assert "--answer-audio" in result.stderr


def test_sessions_lists_past_sessions(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli(
        ["practice", "--text", "--count", "1", "--offline", "--no-speak"],
        WEAK + "\n",
        capsys,
        monkeypatch,
    )
    out = run_cli(["sessions", "--json"], "", capsys, monkeypatch)[1]
    (session,) = json.loads(out)
    assert session["mode"] == "text" and session["answer_count"] == 1


def test_review_writes_markdown(
    coach_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = story_question_id()
    run_cli(
        [
            "practice",
            "--text",
            "--question",
            question,
            "--offline",
            "--no-speak",
            "--no-follow-ups",
        ],
        STRONG_STORY + "\n",
        capsys,
        monkeypatch,
    )
    report = tmp_path / "review.md"
    assert run_cli(["review", "--markdown", str(report)], "", capsys, monkeypatch)[0] == 0
    markdown = report.read_text()
    assert markdown.startswith("# Session 1") and "**" in markdown and "star_structure" in markdown
    assert "**a quote** is shown as evidence on the scorecard and [um] is a filler" in markdown
    code, text, _ = run_cli(["review"], "", capsys, monkeypatch)
    assert code == 0 and "«a quote» is shown as evidence" in text and "«" in text.split("\n", 3)[3]


def test_replay_schedule_uses_spaced_intervals(coach_home: Path) -> None:
    from coach.sessions.schedule import INTERVAL_DAYS, update_queue

    card = {"level": "L5", "criteria": [{"id": "numbers_sized", "score": 1}]}
    strong = {"level": "L5", "criteria": [{"id": "numbers_sized", "score": 4}]}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with open_store(coach_home) as store:
        session = store.start_session("text")
        boxes = []
        for scorecard in (card, strong, strong, strong, strong, strong):
            answer_id = store.add_answer(session, "q", "Q?", "technical", "L5")
            store.set_scorecard(answer_id, {**scorecard, "scorer": "offline"})
            record = store.answer(answer_id)
            assert record is not None
            update_queue(store, record, scorecard, now=now)
            queue = store.replay_queue()
            boxes.append(queue[0].box if queue else None)
            if queue:
                due = datetime.fromisoformat(queue[0].due_at)
                assert due == now + timedelta(days=INTERVAL_DAYS[queue[0].box])
    assert boxes == [1, 2, 3, 4, 5, None]


@pytest.mark.model
def test_a_file_fed_session_runs_the_real_recorder_and_transcriber(
    coach_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from speech import encode, join, piper_audio, silence

    spoken = (
        "We served about fifty thousand requests per second with a p99 budget of eighty "
        "milliseconds, so I picked a two tower model over a cross encoder. We retrained the "
        "ranker every week on thirty days of clicks."
    )
    samples = join(silence(0.5), piper_audio(spoken), silence(1.0))
    recording = encode(samples, 16_000, tmp_path / "answer.m4a", "aac")  # as a phone records
    question = next(q for q in load_questions() if q.round == "system_design" and q.level == "L5")
    code, out, err = run_cli(
        [
            "practice",
            "--answer-audio",
            str(recording),
            "--question",
            question.id,
            "--no-speak",
            "--offline",
            "--no-follow-ups",
        ],
        "",
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    report = json.loads(run_cli(["review", "--json"], "", capsys, monkeypatch)[1])
    (answer,) = report["answers"]
    audio = Path(answer["audio_path"])
    assert audio.is_file() and audio.parent.parent == coach_home / "audio"
    assert "50,000 requests per second" in answer["transcript"]
    assert answer["scorecard"]["scorer"] == "offline"
    assert answer["delivery"]["talk_time_s"] > 5
    assert {"transcript_ready_s", "transcript_wait_s", "score_s"} <= set(answer["timings"])
    trends = json.loads(run_cli(["history", "--json"], "", capsys, monkeypatch)[1])["delivery"]
    assert trends["wpm"] == [answer["delivery"]["wpm"]]


@pytest.mark.parametrize(
    ("ended_by", "ready_before_stop_s", "ready_s"),
    [("silence", 5.5, 0.5), ("silence", -0.25, 6.25), ("enter", 0.0, 6.0)],
)
def test_transcript_ready_counts_from_the_end_of_speech(
    tmp_path: Path, ended_by: str, ready_before_stop_s: float, ready_s: float
) -> None:
    from types import SimpleNamespace

    import numpy as np

    from coach.audio.record import Recording
    from coach.sessions.practice import stream_timings

    recording = Recording(np.zeros(16_000), tmp_path / "a.wav", ended_by, 14.0, 20.0)
    stopped_at = time.monotonic()
    streaming = SimpleNamespace(ready_at=stopped_at - ready_before_stop_s)
    timings = stream_timings(recording, stopped_at, streaming)  # type: ignore[arg-type]
    assert timings["transcript_ready_s"] == pytest.approx(ready_s, abs=0.01)
    assert 0 <= timings["transcript_wait_s"] < 1
    assert ("endpoint_wait_s" in timings) == (ended_by == "silence")


def test_an_llm_judged_session_keeps_the_key_out_of_the_store(
    coach_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_llm import MODEL, FakeLLM, Reply, judge_json

    question = next(q for q in load_questions() if q.id == story_question_id())
    quote = "our fraud model's precision fell from 92% to 71% two weeks after launch"
    reply = judge_json({criterion: (3, [quote]) for criterion in question.criteria})
    key = "sk-test-NEVER-STORED-0123456789abcdef"
    with FakeLLM(Reply(reply)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("OPENAI_API_KEY", key)
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        code, out, err = run_cli(
            ["practice", "--text", "--question", question.id, "--no-speak", "--no-follow-ups"],
            STRONG_STORY + "\n",
            capsys,
            monkeypatch,
        )
    assert code == 0, err
    assert len(llm.chat_requests) == 1
    assert f"llm:{MODEL}" in out and "no LLM configured" not in err
    with open_store(coach_home) as store:
        (answer,) = store.answers()
    assert answer.scorer == f"llm:{MODEL}"
    assert all(c["score"] == 3 for c in (answer.scorecard or {})["criteria"])
    assert key not in out + err
    for path in coach_home.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
