"""`coach score`: one answer, from text or audio, offline or through the LLM judge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_llm import MODEL, FakeLLM, Reply, Request, judge_json
from speech import piper_wav, save, silence

from coach.cli import main
from coach.questions import load_questions
from coach.rubrics import load_rubrics
from coach.rubrics.scoring import NO_LLM_NOTICE

KEY = "sk-test-NEVER-PRINT-ME-4f9a1c77e2b0"
ANSWER = (
    "At my last job I owned the fraud model. We served about 50,000 QPS with a p99 budget "
    "of 8 milliseconds, so I picked gradient boosted trees over a deep model because of "
    "that budget, and we gave up about one AUC point."
)
SCORECARD_KEYS = {
    "question_id", "round", "level", "scorer", "criteria", "overall", "summary",
    "next_step", "follow_up", "transcript", "delivery",
}


def score_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["score", *args, "--json"]) == 0
    out, err = capsys.readouterr()
    card: dict[str, Any] = json.loads(out)
    if card["scorer"] == "offline" and "--offline" not in args and not card["fallback_reason"]:
        assert err.count(NO_LLM_NOTICE) == 1 or card["overall"] == 0  # never silently offline
    return card


def applicable(round_: str) -> set[str]:
    return {cid for cid, c in load_rubrics().items() if round_ in c.rounds}


def test_offline_text_answer_prints_a_scorecard_json(capsys: pytest.CaptureFixture[str]) -> None:
    card = score_json(capsys, "--question-text", "Design a fraud detection system for payments.",
                      "--round", "system_design", "--text", ANSWER, "--offline")
    assert set(card) >= SCORECARD_KEYS
    assert card["scorer"] == "offline" and card["question_id"] == "adhoc"
    assert card["round"] == "system_design" and card["level"] == "L4"
    assert card["transcript"] == ANSWER
    criteria = card["criteria"]
    assert isinstance(criteria, list)
    ids = [c["id"] for c in criteria]
    assert set(ids) == applicable("system_design") and ids[:2] == ["numbers_sized",
                                                                    "tradeoffs_named"]
    assert "star_structure" not in ids
    for item in criteria:
        assert set(item) >= {"id", "score", "evidence", "feedback"}
        assert all(quote in ANSWER for quote in item["evidence"])


def test_story_rounds_are_scored_on_star_structure(capsys: pytest.CaptureFixture[str]) -> None:
    card = score_json(capsys, "--question-text", "Tell me about a time you disagreed with a PM.",
                      "--round", "cross_functional", "--text", ANSWER, "--level", "L5")
    ids = {c["id"] for c in card["criteria"]}
    assert "star_structure" in ids and ids == applicable("cross_functional")
    assert card["level"] == "L5" and card["scorer"] == "offline"


def test_no_llm_configured_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    question = next(q for q in load_questions() if q.round == "behavioral")
    assert main(["score", "--question", question.id, "--text", ANSWER]) == 0
    out, err = capsys.readouterr()
    assert f"coach: {NO_LLM_NOTICE}" in err
    assert "scored by offline" in out and question.id in out
    for cid in question.criteria:
        assert cid in out


def test_text_file_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER, encoding="utf-8")
    card = score_json(capsys, "--question-text", "How would you size a feature store?",
                      "--round", "system_design", "--text-file", str(answer), "--offline")
    assert card["transcript"] == ANSWER


def test_a_follow_up_answer_is_scored_on_what_its_probe_asks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    question = next(q for q in load_questions() if q.id == "sd-home-feed-recs-l4")
    sizing = "Roughly what load does this need to handle at peak, in requests per second?"
    answer = "About fifty million users at ten requests a day is roughly six thousand QPS."
    card = score_json(capsys, "--question", question.id, "--follow-up", sizing, "--text",
                      answer, "--offline")
    assert [c["id"] for c in card["criteria"]] == ["numbers_sized"]
    assert card["question_id"] == f"{question.id}-follow-up"
    score = card["criteria"][0]["score"]
    assert card["summary"].endswith(f"the L4 bar on sizing with numbers ({score}/4).")
    whole = score_json(capsys, "--question", question.id, "--text", answer, "--offline")
    assert len(whole["criteria"]) == len(question.criteria) > 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--question-text", "Design a feed.", "--text", "x"], "--question-text needs --round"),
        (["--question", "sd-home-feed-recs-l4", "--follow-up", "Why?", "--text", "x"],
         "--follow-up is too short"),
        (["--question-text", "Short", "--round", "technical", "--text", "x"],
         "--question-text cannot be used"),
        (["--question", "no-such-question", "--text", "x"], "no question with id"),
        (["--question-text", "Design a ranking system.", "--round", "technical",
          "--text-file", "/nonexistent/answer.txt"], "no such file"),
        (["--question-text", "Design a ranking system.", "--round", "technical",
          "--audio", "/nonexistent/answer.wav"], "answer.wav"),
        (["--question-text", "Design a ranking system.", "--round", "technical",
          "--text-file", "/"], "is a folder"),
    ],
)
def test_bad_input_is_one_line_without_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coach: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_llm_judge_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def reply(request: Request) -> Reply:
        ids = request.body["response_format"]["json_schema"]["schema"]["properties"][
            "criteria"]["required"]
        quote = "We served about 50,000 QPS with a p99 budget of 8 milliseconds"
        return Reply(judge_json({cid: (3, [quote]) for cid in ids}))

    with FakeLLM(default=reply) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("COACH_LLM_MODEL", MODEL)
        card = score_json(capsys, "--question-text", "Design a fraud detection system.",
                          "--round", "system_design", "--text", ANSWER)
        assert len(llm.chat_requests) == 1
        assert main(["score", "--question-text", "Design a fraud detection system.",
                     "--round", "system_design", "--text", ANSWER]) == 0
    assert card["scorer"] == f"llm:{MODEL}" and card["fallback_reason"] is None
    assert all(c["score"] == 3 for c in card["criteria"])
    text = capsys.readouterr().out
    assert f"scored by llm:{MODEL}" in text
    assert '"We served about 50,000 QPS with a p99 budget of 8 milliseconds"' in text
    assert "next step" in text and "follow-up" in text and "a stronger version" in text


def test_judge_failure_shows_the_fallback_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLLM(default=Reply(status=503, error="overloaded")) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        assert main(["score", "--question-text", "Design a fraud detection system.",
                     "--round", "system_design", "--text", ANSWER]) == 0
    out, err = capsys.readouterr()
    assert "scored by offline" in out and "fallback: LLM judge failed" in out and "HTTP 503" in out
    assert "scored offline instead" in err


@pytest.mark.model
def test_spoken_answer_is_transcribed_and_has_delivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = piper_wav("We served about fifty thousand queries per second, and I picked a smaller "
                    "model over a larger one because of the latency budget. We retrained it "
                    "every night on the last thirty days of labelled transactions.")
    card = score_json(capsys, "--question-text", "Design a fraud detection system.",
                      "--round", "system_design", "--audio", str(wav), "--offline")
    assert "latency budget" in str(card["transcript"]).lower()
    delivery = card["delivery"]
    assert isinstance(delivery, dict) and delivery["wpm"] > 60 and delivery["talk_time_s"] > 3


@pytest.mark.model
def test_a_silent_recording_scores_no_answer_without_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = save(silence(3.0), tmp_path / "silence.wav")
    with FakeLLM(Reply(status=500)) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        card = score_json(capsys, "--question-text", "Design a fraud detection system.",
                          "--round", "system_design", "--audio", str(wav))
    assert llm.requests == []
    assert card["overall"] == 0 and "no answer" in str(card["summary"]).lower()


def run_coach(home: Path, llm: FakeLLM, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COACH_HOME": str(home), "OPENAI_API_KEY": KEY,
           "OPENAI_BASE_URL": llm.url, "COACH_LLM_MODEL": MODEL, "COACH_LLM_TIMEOUT": "60",
           "COACH_DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "-m", "coach", "score", "--question-text",
         "Design a fraud detection system.", "--round", "system_design", "--text", ANSWER,
         *args],
        capture_output=True, text=True, env=env, timeout=180,
    )


def test_the_api_key_never_appears_in_output_or_files(coach_home: Path) -> None:
    def echo_key(request: Request) -> Reply:  # a server that repeats the key back
        return Reply(status=401, error=f"Incorrect API key provided: {KEY}")

    def refuse_schema_then_answer(request: Request) -> Reply:
        if request.response_format == "json_schema":
            return Reply(status=400, error=f"json_schema not supported for key {KEY}")
        ids = request.body["response_format"]["schema"]["properties"]["criteria"]["required"]
        return Reply(judge_json({cid: (2, []) for cid in ids}))

    runs = []
    with FakeLLM(default=refuse_schema_then_answer) as llm:
        runs += [run_coach(coach_home, llm, "--json"), run_coach(coach_home, llm)]
        assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in llm.chat_requests)
    with FakeLLM(default=echo_key) as llm:
        runs += [run_coach(coach_home, llm, "--json"), run_coach(coach_home, llm)]
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    assert json.loads(runs[0].stdout)["scorer"] == f"llm:{MODEL}"
    assert "HTTP 401" in json.loads(runs[2].stdout)["fallback_reason"]

    written = [run.stdout + run.stderr for run in runs]
    written += [p.read_text(errors="replace") for p in coach_home.rglob("*") if p.is_file()]
    assert (coach_home / "llm_modes.json").exists()
    assert not [text for text in written if KEY in text or KEY[8:] in text]
