"""Settings: flags first, then the environment, then ``COACH_HOME/config.toml``.

Nothing is read at import time; call :func:`load_settings` when a command needs
its settings. The config file uses the field names of :class:`Settings`::

    # ~/.local/share/coach/config.toml
    llm_model = "gpt-4o-mini"
    llm_timeout = 30
    voice = "piper"
    silence_end_s = 4

The API key may come from the environment or the config file but is never
written anywhere by coach, and ``repr(settings)`` hides it.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.privacy import note_secrets, secrets_in

CONFIG_FILE = "config.toml"

# fields holding numbers, and their type (all must be positive)
NUMBERS: dict[str, type] = {
    "llm_timeout": float,
    "speech_rate": int,
    "silence_end_s": float,
    "weak_below": float,
}

# environment variable -> Settings field
ENVIRONMENT = {
    "COACH_HOME": "home",
    "COACH_LLM_MODEL": "llm_model",
    "COACH_LLM_TIMEOUT": "llm_timeout",
    "COACH_WHISPER_MODEL": "whisper_model",
    "COACH_VOICE": "voice",
    "COACH_INPUT_DEVICE": "input_device",
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_BASE_URL": "openai_base_url",
}


def default_home() -> Path:
    """The platform's user data directory for coach."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("coach", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything a command may need to know about the user's setup."""

    home: Path = field(default_factory=default_home)
    """Folder holding ``coach.db``, ``audio/``, ``config.toml`` and user questions."""
    whisper_model: str | None = None
    """A faster-whisper size name or a model folder; None means the bundled tiny.en."""
    llm_model: str = "gpt-4o-mini"
    """Model name sent to the OpenAI-compatible endpoint."""
    llm_timeout: float = 60.0
    """Time allowed to judge one answer, all retries counted, before scoring it offline."""
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    voice: str | None = None
    """TTS voice: None for the system default, ``piper``, or a pyttsx3 voice id."""
    speech_rate: int = 175
    """Words per minute for the spoken question."""
    silence_end_s: float = 6.0
    """Trailing silence (seconds) that ends a spoken answer."""
    input_device: str | None = None
    """Microphone: a device index or part of its name; None for the default."""
    weak_below: float | None = None
    """A core criterion scoring below this makes a round weak (queued for replay);
    None uses each criterion's bar at the answer's level (from the rubric files)."""

    @property
    def db_path(self) -> Path:
        return self.home / "coach.db"

    @property
    def audio_dir(self) -> Path:
        return self.home / "audio"

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE

    @property
    def llm_configured(self) -> bool:
        """True when an API key or a base URL points at an LLM judge."""
        return bool(self.openai_api_key or self.openai_base_url)


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None means unset), then environment, then config file."""
    from_flags = {name: value for name, value in flags.items() if value is not None}
    _check_names(from_flags, "flag")
    from_env = {name: os.environ[var] for var, name in ENVIRONMENT.items() if os.environ.get(var)}
    home = Path(from_flags.get("home") or from_env.get("home") or default_home())
    from_file = read_config_file(home / CONFIG_FILE)
    merged: dict[str, Any] = {**from_file, **from_env, **from_flags, "home": home}
    env_names = {name: var for var, name in ENVIRONMENT.items()}
    sources = {name: str(home / CONFIG_FILE) for name in from_file}
    sources.update({name: f"environment variable {env_names[name]}" for name in from_env})
    sources.update({name: f"flag --{name.replace('_', '-')}" for name in from_flags})
    settings = _coerce(Settings(), merged, sources)
    note_secrets(secrets_in(settings.openai_api_key, settings.openai_base_url))
    return settings


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a TOML config file, or {} when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a file", "move it aside") from None
    except OSError as error:
        raise ConfigError(
            f"cannot read {path}: {error.strerror}", "check its permissions"
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {error.start})", "save it as UTF-8, or delete it"
        ) from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{path} is not valid TOML ({error})", "fix or delete that file"
        ) from error
    _check_names(values, f"key in {path}")
    values.pop("home", None)  # the file lives in home; it cannot move it
    return values


def _check_names(values: dict[str, Any], what: str) -> None:
    known = {f.name for f in fields(Settings)}
    for name in values:
        if name not in known:
            raise ConfigError(
                f"unknown setting {name!r} ({what})",
                f"use one of: {', '.join(sorted(known))}",
            )


def _coerce(defaults: Settings, values: dict[str, Any], sources: dict[str, str]) -> Settings:
    """Convert raw strings and numbers to each field's type, naming the source of a bad one."""
    converted: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in values:
            continue
        raw = values[f.name]
        try:
            if f.name == "home":
                converted[f.name] = Path(raw).expanduser()
            elif f.name in NUMBERS:
                converted[f.name] = positive_number(raw, NUMBERS[f.name])
            elif isinstance(raw, str):
                converted[f.name] = raw
            else:
                raise ValueError("must be text (in quotes)")
        except (TypeError, ValueError) as error:
            source = sources.get(f.name, "settings")
            kind = "a whole number" if NUMBERS.get(f.name) is int else "a positive number"
            fix = f"give {kind}" if f.name in NUMBERS else "give a quoted string"
            raise ConfigError(
                f"setting {f.name} = {raw!r} in {source} is invalid ({error})",
                f"{fix} for {f.name} in {source}",
            ) from None
    return replace(defaults, **converted)


def positive_number(raw: Any, kind: type) -> float | int:
    """``raw`` (a number, or text holding one) as a finite positive ``kind``."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise TypeError("must be a number")
    number = float(raw)
    if not math.isfinite(number):
        raise ValueError("must be finite")
    if number <= 0:
        raise ValueError("must be positive")
    if kind is int:
        if not number.is_integer():
            raise ValueError("must be a whole number")
        return int(number)
    return number
