"""Shared fixtures: every test runs against a temporary COACH_HOME and no real LLM.

Tests that need a slow real component are marked (see ``markers`` in pyproject.toml):
those asking for a fixture below by fixture, the others where they are defined.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_session import copy_home, spoken_template

from coach.audio.transcribe import WhisperTranscriber, load_transcriber
from coach.config import Settings

DATA = Path(__file__).parent / "data"
MARKER_OF_FIXTURE = {
    "transcriber": "model",
    "spoken_session": "model",
    "whisper": "model",
    "llama_server": "llm_server",
}
"""A test that asks for one of these fixtures (directly or through another) gets the marker."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for marker in sorted({m for f, m in MARKER_OF_FIXTURE.items() if f in fixtures}):
            item.add_marker(marker)


@pytest.fixture(autouse=True, scope="session")
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A user cache directory of the test run's own (the relevance model's converted copy
    goes there), so that tests neither read nor write the real one."""
    cache = tmp_path_factory.mktemp("user-cache")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    yield cache
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh COACH_HOME for each test, with the LLM settings cleared."""
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "COACH_LLM_MODEL",
        "COACH_LLM_TIMEOUT",
        "COACH_WHISPER_MODEL",
        "COACH_VOICE",
        "COACH_INPUT_DEVICE",
        "COACH_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def views_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The transcripts the scorer split into sentences (a ``View``), in order."""
    from coach.rubrics.signals import View

    built: list[str] = []
    split = View.__init__

    def counted(view: View, transcript: str) -> None:
        built.append(transcript)
        split(view, transcript)

    monkeypatch.setattr(View, "__init__", counted)
    return built


@pytest.fixture(scope="session")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> WhisperTranscriber:
    """The bundled tiny.en model, loaded once for the whole test run."""
    return load_transcriber(Settings(home=tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="module")
def spoken_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One spoken practice session, made once for each test module that asks for it."""
    return spoken_template(tmp_path_factory.mktemp("spoken"))


@pytest.fixture
def spoken(spoken_session: Path, coach_home: Path) -> Path:
    """This test's COACH_HOME, holding a copy of the module's spoken session."""
    copy_home(spoken_session, coach_home)
    return coach_home
