"""Settings come from flags, then the environment, then COACH_HOME/config.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.config import load_settings
from coach.errors import ConfigError


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_flags_beat_environment_beat_config_file(
    coach_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(coach_home, 'llm_model = "from-file"\nllm_timeout = 12\nvoice = "file-voice"\n')
    monkeypatch.setenv("COACH_LLM_MODEL", "from-env")
    settings = load_settings(voice="flag-voice")
    assert settings.home == coach_home
    assert (settings.llm_model, settings.llm_timeout, settings.voice) == (
        "from-env",
        12.0,
        "flag-voice",
    )
    assert settings.db_path == coach_home / "coach.db"


def test_defaults_without_any_configuration(coach_home: Path) -> None:
    settings = load_settings()
    assert settings.whisper_model is None and not settings.llm_configured
    assert settings.silence_end_s == 6.0


def test_openai_variables_configure_the_judge_and_the_key_stays_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = load_settings()
    assert settings.llm_configured and settings.openai_base_url == "http://127.0.0.1:9/v1"
    assert "sk-test-secret-value" not in repr(settings)


def test_default_home_is_the_platform_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_HOME")
    assert load_settings().home.name == "coach"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("llm_timeout = 'soon'\n", "llm_timeout"),
        ("llm_timeout = -3\n", "positive"),
        ("colour = 'blue'\n", "unknown setting 'colour'"),
        ("llm_model = \n", "not valid TOML"),
    ],
)
def test_a_bad_config_file_names_the_problem(coach_home: Path, text: str, message: str) -> None:
    write_config(coach_home, text)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_bad_environment_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "ten")
    with pytest.raises(ConfigError, match="COACH_LLM_TIMEOUT|llm_timeout"):
        load_settings()
