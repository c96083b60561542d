"""Fault injection: each fault ends in one clear line, the key never leaks, recordings stay
private. Every case runs the real command in a child process against a temporary
COACH_HOME and checks the exit code, the message, that no traceback is printed, and
what the store and the files hold afterwards."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_llm import MODEL, FakeLLM, Reply, Request, judge_json
from speech import noise, piper_wav, save, silence

KEY = "sk-test-canary-7d3f0a9c51e24b68"
QUESTION = "sd-fraud-scoring-l4"
ANSWER = (
    "We served about 50,000 QPS with a p99 budget of 8 milliseconds, so I picked gradient "
    "boosted trees over a deep model because of that budget, and we gave up one AUC point."
)
QUOTE = "We served about 50,000 QPS with a p99 budget of 8 milliseconds"
SPOKEN = (
    "We served about fifty thousand requests per second, so I picked a smaller model over "
    "a larger one because of the latency budget, and we gave up one point of recall."
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def error_line(self) -> str:
        """The one `coach: error:` line, after checking there is exactly one and no traceback."""
        assert "Traceback" not in self.out + self.err, self.err
        lines = [line for line in self.err.splitlines() if line.startswith("coach: error:")]
        assert len(lines) == 1, self.err
        return lines[0]


def coach(
    home: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "",
    timeout: float = 180,
) -> Run:
    """Run `python -m coach ARGS` with COACH_HOME=home and umask 022."""
    result = subprocess.run(
        [sys.executable, "-m", "coach", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "COACH_HOME": str(home), **(env or {})},
        preexec_fn=lambda: os.umask(0o022),
    )
    return Run(result.returncode, result.stdout, result.stderr)


def typed(*extra: str) -> list[str]:
    return ["practice", "--text", "--question", QUESTION, "--no-speak", "--no-follow-ups", *extra]


def judge_env(llm: FakeLLM, timeout: float = 20, base_url: str | None = None) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": base_url or llm.url,
            "COACH_LLM_MODEL": MODEL, "COACH_LLM_TIMEOUT": str(timeout)}


def criteria_of(request: Request) -> list[str]:
    format_ = request.body.get("response_format") or {}
    schema = format_.get("json_schema", {}).get("schema") or format_.get("schema")
    return list(schema["properties"]["criteria"]["required"])


def judged(summary: str = "A clear answer.", **fields: Any) -> Any:
    def reply(request: Request) -> Reply:
        criteria = {cid: (3, [QUOTE]) for cid in criteria_of(request)}
        return Reply(judge_json(criteria, summary=summary, **fields))

    return reply


def rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "coach.db") as db:
        found = db.execute(sql).fetchall()
    db.close()
    return found


def every_file_text(home: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in home.rglob("*") if p.is_file())


def spoken_wav(folder: Path, name: str = "answer.wav") -> Path:
    return piper_wav(SPOKEN, folder / name)


def audio_practice(wav: Path, *extra: str) -> list[str]:
    return ["practice", "--answer-audio", str(wav), "--question", QUESTION, "--no-speak",
            "--offline", "--no-follow-ups", *extra]


# 1-4: the LLM judge


def test_1_a_key_in_the_judges_reply_is_redacted_from_output_and_store(coach_home: Path) -> None:
    leak = f"Your key is {KEY}; header Authorization: Bearer {KEY}."
    with FakeLLM(default=judged(summary=leak, next_step=f"Rotate {KEY} now.")) as llm:
        practice = coach(coach_home, *typed(), env=judge_env(llm), stdin=ANSWER + "\n\n")
        review = coach(coach_home, "review", env=judge_env(llm))
        review_json = coach(coach_home, "review", "--json", env=judge_env(llm))
        assert llm.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert (practice.code, review.code, review_json.code) == (0, 0, 0), practice.err
    assert f"llm:{MODEL}" in practice.out and "[redacted]" in practice.out
    (card,) = [a["scorecard"] for a in json.loads(review_json.out)["answers"]]
    assert card["summary"].startswith("Your key is [redacted]")
    ((stored,),) = rows(coach_home, "SELECT scorecard_json FROM answers")
    assert "[redacted]" in stored
    written = [practice.out, practice.err, review.out, review_json.out]
    for text in (*written, every_file_text(coach_home)):
        assert KEY not in text and KEY[8:] not in text


@pytest.mark.parametrize("where", ["query", "user-info"])
def test_2_an_endpoint_is_remembered_without_its_credentials(
    coach_home: Path, where: str
) -> None:
    with FakeLLM(default=judged()) as llm:
        if where == "query":
            base = f"{llm.url}?api-key={KEY}"
        else:
            base = llm.url.replace("http://", f"http://coach:{KEY}@")
        env = {**judge_env(llm, base_url=base), "OPENAI_API_KEY": ""}
        run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                    env=env)
    assert run.code == 0, run.err
    assert json.loads(run.out)["scorer"] == f"llm:{MODEL}", run.err
    remembered = json.loads((coach_home / "llm_modes.json").read_text())
    assert list(remembered) == [f"{llm.url} {MODEL}"]
    assert KEY not in run.out + run.err + every_file_text(coach_home)


@pytest.mark.parametrize("command", ["score", "practice"])
def test_3_a_trickling_reply_is_abandoned_at_the_time_limit(coach_home: Path, command: str) -> None:
    # the reply arrives one byte a second: whole, it would take over an hour
    with FakeLLM(default=lambda request: Reply(judged()(request).content, trickle_s=1.0)) as llm:
        env = judge_env(llm, timeout=3)
        if command == "score":
            run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                        env=env, timeout=90)
        else:
            run = coach(coach_home, *typed(), env=env, stdin=ANSWER + "\n\n", timeout=90)
        hung_up = llm.wait_for_disconnects(1, within_s=10)
        streamed = [r.body.get("stream") for r in llm.chat_requests]
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert "did not finish within 3 s" in run.err and "scored offline instead" in run.err
    assert hung_up >= 1  # the server saw the client close: its work on the reply stops
    assert streamed and all(streamed)
    if command == "practice":
        ((scorer, card, ended),) = rows(
            coach_home, "SELECT a.scorer, a.scorecard_json, s.ended_at FROM answers a "
            "JOIN sessions s ON s.id = a.session_id")
        assert scorer == "offline" and "did not finish" in json.loads(card)["fallback_reason"]
        assert ended is not None


def test_4_a_200_reply_that_is_not_json_falls_back_with_its_reason(coach_home: Path) -> None:
    page = Reply(raw_body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    with FakeLLM(default=page) as llm:
        run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                    env=judge_env(llm))
    assert run.code == 0 and "Traceback" not in run.err, run.err
    card = json.loads(run.out)
    assert card["scorer"] == "offline"
    assert "not a JSON chat completion (text/html" in card["fallback_reason"]
    assert "scored offline instead" in run.err


def test_3_a_server_that_does_not_stream_is_still_read(coach_home: Path) -> None:
    def plain(request: Request) -> Reply:
        return Reply(judged()(request).content, streams=False)

    with FakeLLM(default=plain) as llm:
        run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                    env=judge_env(llm))
    assert run.code == 0, run.err
    card = json.loads(run.out)
    assert card["scorer"] == f"llm:{MODEL}" and card["criteria"][0]["evidence"] == [QUOTE]


def test_4_a_429_is_retried_after_the_wait_it_asks_for(coach_home: Path) -> None:
    busy = Reply(status=429, error="rate limited", headers={"Retry-After": "1"})
    with FakeLLM(busy, default=judged()) as llm:
        run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                    env=judge_env(llm))
        requests = len(llm.chat_requests)
    assert run.code == 0, run.err
    assert json.loads(run.out)["scorer"] == f"llm:{MODEL}" and requests == 2


def test_4_a_429_asking_for_longer_than_the_time_limit_falls_back_at_once(
    coach_home: Path,
) -> None:
    busy = Reply(status=429, error="rate limited", headers={"Retry-After": "3600"})
    with FakeLLM(default=busy) as llm:
        run = coach(coach_home, "score", "--question", QUESTION, "--text", ANSWER, "--json",
                    env=judge_env(llm, timeout=30), timeout=60)
        requests = len(llm.chat_requests)
    assert run.code == 0, run.err
    reason = json.loads(run.out)["fallback_reason"]
    assert "HTTP 429" in reason and "asks to wait 3600 s" in reason and requests == 1


# 8-10: bad input


def truncated_wav(folder: Path) -> Path:
    wav = spoken_wav(folder)
    data = wav.read_bytes()
    cut = folder / "cut.wav"
    cut.write_bytes(data[: len(data) - len(data) // 3 - 1])  # mid-sample, inside the data
    with wave.open(str(cut)) as reader:  # the header still claims the full length
        assert reader.getnframes() * 2 > len(data) - len(data) // 3 - 44
    return cut


@pytest.mark.model
def test_8_a_wav_cut_off_inside_its_data_is_read_up_to_the_cut(
    coach_home: Path, tmp_path: Path
) -> None:
    cut = truncated_wav(tmp_path)
    transcribed = coach(coach_home, "transcribe", str(cut))
    scored = coach(coach_home, "score", "--question", QUESTION, "--audio", str(cut), "--offline",
                   "--json")
    practised = coach(coach_home, *audio_practice(cut))
    for run in (transcribed, scored, practised):
        assert run.code == 0 and "Traceback" not in run.err, run.err
    assert "fifty thousand" in transcribed.out.lower() or "50,000" in transcribed.out
    assert json.loads(scored.out)["delivery"]["talk_time_s"] > 2
    ((transcript, audio),) = rows(coach_home, "SELECT transcript, audio_path FROM answers")
    assert transcript and (coach_home / audio).is_file()


CONFIG_CASES = {
    "config-not-utf8": ("config.toml", b'voice = "\xff\xfe"\n', "config.toml is not UTF-8"),
    "timeout-nan": ("config.toml", b"llm_timeout = nan\n", "llm_timeout = nan in"),
    "timeout-inf": ("config.toml", b"llm_timeout = inf\n", "llm_timeout = inf in"),
    "timeout-bool": ("config.toml", b"llm_timeout = true\n", "llm_timeout = True in"),
    "rate-fraction": ("config.toml", b"speech_rate = 1.5\n", "speech_rate = 1.5 in"),
    "voice-number": ("config.toml", b"voice = 3\n", "voice = 3 in"),
    "questions-not-utf8": ("questions.toml", b"# \xff\n", "questions.toml is not UTF-8"),
    "questions-folder": ("questions.toml", None, "questions.toml is a folder"),
}


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_9_a_bad_settings_or_question_file_is_named_in_one_line(
    coach_home: Path, case: str
) -> None:
    name, content, message = CONFIG_CASES[case]
    coach_home.mkdir(parents=True)
    if content is None:
        (coach_home / name).mkdir()
    else:
        (coach_home / name).write_bytes(content)
    run = coach(coach_home, "questions")
    line = run.error_line()
    assert run.code in (1, 2) and message in line
    assert str(coach_home / name) in line  # the file is named
    assert not (coach_home / "coach.db").exists()


def test_9_a_bad_environment_value_names_the_variable(coach_home: Path) -> None:
    run = coach(coach_home, "questions", env={"COACH_LLM_TIMEOUT": "nan"})
    assert run.code == 2 and "environment variable COACH_LLM_TIMEOUT" in run.error_line()


def test_10_an_answer_file_that_is_not_audio_stores_nothing(
    coach_home: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "notaudio.wav"
    fake.write_text("this is not audio\n")
    run = coach(coach_home, *audio_practice(fake))
    assert run.code == 2 and "notaudio.wav is not audio coach can read" in run.error_line()
    assert not (coach_home / "coach.db").exists()
    review = coach(coach_home, "review")
    assert review.code == 2 and "there are no sessions yet" in review.error_line()


def test_10_a_session_without_answers_is_not_kept(coach_home: Path) -> None:
    run = coach(coach_home, *typed("--offline"), stdin="")
    assert run.code == 0 and "Traceback" not in run.err, run.err
    assert "no session was kept" in run.out
    assert rows(coach_home, "SELECT * FROM sessions") == []


# 11-13: recordings stay private and findable


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.model
def test_11_the_home_its_folders_and_files_are_private(coach_home: Path, tmp_path: Path) -> None:
    run = coach(coach_home, *audio_practice(spoken_wav(tmp_path)))
    assert run.code == 0, run.err
    folders = [coach_home, *[p for p in coach_home.rglob("*") if p.is_dir()]]
    files = [p for p in coach_home.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"coach.db"} and any(p.suffix == ".wav" for p in files)
    assert {str(p): mode(p) for p in folders} == {str(p): 0o700 for p in folders}
    assert {str(p): mode(p) for p in files} == {str(p): 0o600 for p in files}


@pytest.mark.model
def test_12_a_symlink_planted_at_the_next_recording_is_not_followed(
    coach_home: Path, tmp_path: Path
) -> None:
    wav = spoken_wav(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    folder = coach_home / "audio" / "session-1"
    folder.mkdir(parents=True)
    now = time.time()
    for second in range(0, 120):  # every name the next two minutes could give
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + second))
        (folder / f"{stamp}-{QUESTION}.wav").symlink_to(victim)
    run = coach(coach_home, *audio_practice(wav))
    assert run.code == 0, run.err
    assert victim.read_text() == "precious\n"
    ((audio,),) = rows(coach_home, "SELECT audio_path FROM answers")
    recording = coach_home / audio
    assert not recording.is_symlink() and recording.stat().st_size > 44
    assert recording.stem.endswith(f"{QUESTION}-1")


@pytest.mark.model
def test_12_a_symlinked_session_folder_is_refused(coach_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (coach_home / "audio").mkdir(parents=True)
    (coach_home / "audio" / "session-1").symlink_to(elsewhere)
    run = coach(coach_home, *audio_practice(spoken_wav(tmp_path)))
    assert run.code == 1 and "is a symbolic link" in run.error_line()
    assert list(elsewhere.iterdir()) == []
    assert rows(coach_home, "SELECT * FROM sessions") == []


@pytest.mark.model
def test_13_a_moved_home_keeps_its_recordings(coach_home: Path, tmp_path: Path) -> None:
    assert coach(coach_home, *audio_practice(spoken_wav(tmp_path))).code == 0
    ((stored,),) = rows(coach_home, "SELECT audio_path FROM answers")
    assert not Path(stored).is_absolute() and stored.startswith("audio/session-1/")
    moved = tmp_path / "moved-home"
    coach_home.rename(moved)
    with sqlite3.connect(moved / "coach.db") as db:  # as if interrupted before transcribing
        db.execute("UPDATE answers SET transcript = NULL")
    db.close()
    rescored = coach(moved, "rescore", "--offline")
    assert rescored.code == 0, rescored.err
    assert "no recording" not in rescored.out and "by offline" in rescored.out
    (answer,) = json.loads(coach(moved, "review", "--json").out)["answers"]
    assert Path(answer["audio_path"]) == moved / stored
    assert "fifty thousand" in answer["transcript"].lower() or "50,000" in answer["transcript"]


@pytest.mark.model
def test_13_the_migration_makes_stored_absolute_paths_relative(
    coach_home: Path, tmp_path: Path
) -> None:
    assert coach(coach_home, *audio_practice(spoken_wav(tmp_path))).code == 0
    ((stored,),) = rows(coach_home, "SELECT audio_path FROM answers")
    with sqlite3.connect(coach_home / "coach.db") as db:  # a store written by an older coach
        db.execute("UPDATE answers SET audio_path = ?", (f"/old/place/{stored}",))
        db.execute("DELETE FROM migrations WHERE name = '0002_audio_paths_relative_to_home'")
    db.close()
    run = coach(coach_home, "review", "--json")
    assert run.code == 0, run.err
    assert rows(coach_home, "SELECT audio_path FROM answers") == [(stored,)]
    assert json.loads(run.out)["answers"][0]["audio_path"] == str(coach_home / stored)


# 5 and 14: signals


def practice_until(
    home: Path, args: list[str], trigger: str, sig: signal.Signals | None, delay_s: float = 0.0
) -> Run:
    """Start `coach ARGS`; once `trigger` shows on stderr, wait ``delay_s`` and send ``sig``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COACH_HOME": str(home)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    err = ""
    for line in process.stderr:
        err += line
        if sig is not None and trigger in line:
            time.sleep(delay_s)
            process.send_signal(sig)
            break
    out, rest = process.communicate(timeout=180)
    return Run(process.returncode, out, err + rest)


@pytest.mark.model
@pytest.mark.parametrize("delay_s", [0.0, 0.3, 0.8])
def test_5_ctrl_c_while_transcribing_exits_130_without_a_native_crash(
    tmp_path: Path, delay_s: float
) -> None:
    wav = spoken_wav(tmp_path)
    home = tmp_path / f"home-{delay_s}"
    run = practice_until(home, audio_practice(wav), "Transcribing", signal.SIGINT, delay_s)
    assert run.code == 130, run.err
    assert "interrupted; everything finished so far is saved" in run.err
    assert "terminate called" not in run.err and "Traceback" not in run.err
    ((audio, ended),) = rows(home, "SELECT a.audio_path, s.ended_at FROM answers a "
                                   "JOIN sessions s ON s.id = a.session_id")
    assert ended is not None and (home / audio).stat().st_size > 44


@pytest.mark.model
def test_5_whole_sessions_on_silence_exit_0(tmp_path: Path) -> None:
    silent = save(silence(6.0), tmp_path / "silent.wav")
    hiss = save(noise(6.0, level=0.001), tmp_path / "hiss.wav")  # below the transcriber's floor
    for attempt, quiet in enumerate([silent, silent, hiss]):
        home = tmp_path / f"home-{attempt}"
        run = practice_until(home, audio_practice(quiet), "", None)
        assert run.code == 0, run.err
        assert "terminate called" not in run.err and "Traceback" not in run.err
        assert f"{quiet} holds no audible sound: check that the file plays" in run.err
        assert "microphone" not in run.err and "all zeros" not in run.err
        ((transcript, ended),) = rows(home, "SELECT a.transcript, s.ended_at FROM answers a "
                                            "JOIN sessions s ON s.id = a.session_id")
        assert transcript == "" and ended is not None


@pytest.mark.model
def test_14_sigterm_ends_the_session_like_ctrl_c(coach_home: Path, tmp_path: Path) -> None:
    wav = spoken_wav(tmp_path)
    home = tmp_path / "terminated"
    # fed at speaking pace, the answer is still being recorded a few seconds in
    run = practice_until(home, [*audio_practice(wav), "--realtime"], "Loading the Whisper",
                         signal.SIGTERM, 4.0)
    assert run.code == 143, run.err
    assert "stopped (SIGTERM); everything finished so far is saved" in run.err
    assert "Traceback" not in run.err and "terminate called" not in run.err
    ((audio, ended),) = rows(home, "SELECT a.audio_path, s.ended_at FROM answers a "
                                   "JOIN sessions s ON s.id = a.session_id")
    assert ended is not None
    with wave.open(str(home / audio)) as reader:  # the part recorded is a valid WAV
        assert reader.getnframes() > 0


# 15: minor ones, and `coach forget`


def test_15_say_into_a_folder_is_one_line(coach_home: Path, tmp_path: Path) -> None:
    run = coach(coach_home, "say", "Hello there", "--out", str(tmp_path))
    assert run.code == 2 and "is a folder" in run.error_line()


def test_15_a_negative_replay_limit_is_refused(coach_home: Path) -> None:
    run = coach(coach_home, "replay", "--list", "--limit", "-1")
    assert run.code == 2 and "--limit -1" in run.error_line()


def test_15_control_sequences_in_an_answer_are_not_sent_to_the_terminal(
    coach_home: Path,
) -> None:
    answer = f"\x1b[2J\x1b[31m{ANSWER}\x1b[0m\x07 and a bell"
    practice = coach(coach_home, *typed("--offline"), stdin=answer + "\n\n")
    review = coach(coach_home, "review")
    for run in (practice, review):
        assert run.code == 0, run.err
        assert "\x1b" not in run.out + run.err and "\x07" not in run.out
        assert "We served about 50,000 QPS" in run.out


@pytest.mark.model
def test_forget_removes_a_sessions_recordings_and_rows(coach_home: Path, tmp_path: Path) -> None:
    assert coach(coach_home, *audio_practice(spoken_wav(tmp_path))).code == 0
    assert coach(coach_home, *typed("--offline"), stdin=ANSWER + "\n\n").code == 0
    said = b"".join(p.read_bytes() for p in coach_home.glob("coach.db*")).lower()
    assert b"latency budget" in said
    first = list((coach_home / "audio" / "session-1").iterdir())
    assert len(first) == 1
    run = coach(coach_home, "forget", "1")
    assert run.code == 0, run.err
    assert run.out.strip() == (
        "forgot session 1: 1 session(s), 1 answer(s) with their transcripts and scorecards, "
        "1 recording(s)"
    )
    assert not (coach_home / "audio" / "session-1").exists()
    assert rows(coach_home, "SELECT session_id FROM answers") == [(2,)]
    stored = b"".join(p.read_bytes() for p in coach_home.glob("coach.db*"))
    assert b"latency budget" not in stored.lower()  # the words said are gone from the file
    outline = "Cut ranking latency\nThe p99 budget was blown; I moved features to a cache.\n"
    assert coach(coach_home, "stories", "add", stdin=outline).code == 0
    run = coach(coach_home, "forget", "all")
    assert run.code == 0 and "1 session(s), 1 answer(s)" in run.out and "0 recording" in run.out
    assert "story outlines and plans" in run.out
    assert rows(coach_home, "SELECT * FROM stories") == []
    assert rows(coach_home, "SELECT * FROM answers") == rows(coach_home, "SELECT * FROM sessions")
    assert rows(coach_home, "SELECT * FROM sessions") == []
    assert list((coach_home / "audio").iterdir()) == []
    missing = coach(coach_home, "forget", "7")
    assert missing.code == 2 and "no session '7'" in missing.error_line()


# 6-7: full and read-only file systems (root only: a small tmpfs is mounted)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the full-disk and read-only cases needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def remount_read_only(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


@pytest.mark.model
def test_6_a_full_disk_is_one_line_and_keeps_what_was_saved(
    small_disk: Path, tmp_path: Path
) -> None:
    home = small_disk / "home"
    long_answer = save(silence(1.0), tmp_path / "pad.wav")
    wav = spoken_wav(tmp_path)
    assert coach(home, *typed("--offline"), stdin=ANSWER + "\n\n").code == 0
    with wave.open(str(wav)) as reader:
        speech = reader.readframes(reader.getnframes())
    with wave.open(str(long_answer), "wb") as writer:  # about 60 s: more than the disk holds
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16_000)
        writer.writeframes(speech * (60 * 32_000 // len(speech) + 1))
    run = coach(home, *audio_practice(long_answer))
    assert run.code == 1
    line = run.error_line()
    assert "no space left in COACH_HOME" in line and "free some space" in line
    sessions = rows(home, "SELECT id, ended_at FROM sessions ORDER BY id")
    assert len(sessions) == 2 and all(ended is not None for _, ended in sessions)  # closed
    recordings = list((home / "audio").rglob("*.wav"))
    assert len(recordings) == 1
    with wave.open(str(recordings[0])) as reader:  # what was written is a valid WAV
        assert reader.getnframes() > 16_000
        reader.readframes(reader.getnframes())
    with sqlite3.connect(home / "coach.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


def test_7_a_read_only_home_can_be_read_but_not_written(small_disk: Path) -> None:
    home, empty = small_disk / "home", small_disk / "empty"
    empty.mkdir()
    assert coach(home, *typed("--offline"), stdin=ANSWER + "\n\n").code == 0
    remount_read_only(small_disk)
    for folder, has_data in ((home, True), (empty, False)):
        for command in (["history"], ["review"], ["sessions"], ["replay", "--list"]):
            run = coach(folder, *command)
            if has_data or command[0] != "review":
                assert run.code == 0 and "Traceback" not in run.err, (command, run.err)
            else:
                assert run.code == 2 and "no sessions yet" in run.error_line()
            assert "damaged" not in run.err
        if has_data:
            assert "We served about 50,000 QPS" in coach(folder, "review").out
        written = coach(folder, *typed("--offline"), stdin=ANSWER + "\n\n")
        assert written.code == 1 and "is read-only" in written.error_line()
