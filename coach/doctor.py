"""`coach doctor`: check each part of the set-up and name the fix for what fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coach.config import Settings
from coach.errors import CoachError, ConfigError, ModelError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    """Microphone, speaker, text-to-speech, Whisper model, relevance model and LLM judge,
    in that order."""
    from coach.audio.devices import describe, input_device, output_device
    from coach.audio.speak import check_voice

    probes: list[tuple[str, Callable[[], str]]] = [
        ("microphone", lambda: describe(input_device(settings.input_device), "input").strip()),
        ("speaker", lambda: describe(output_device(), "output").strip()),
        ("text-to-speech", lambda: check_voice(settings)),
        ("Whisper model", lambda: whisper_model(settings)),
        ("relevance model", relevance_model),
        ("LLM judge", lambda: llm_endpoint(settings)),
    ]
    checks = []
    for name, probe in probes:
        try:
            checks.append(Check(name, True, probe()))
        except CoachError as error:
            checks.append(Check(name, False, error.problem, error.fix))
    return checks


def whisper_model(settings: Settings) -> str:
    """The configured model is on disk (bundled, a folder, or already downloaded)."""
    from coach.audio.transcribe import resolve_model

    ref = resolve_model(settings.whisper_model)
    if ref.local_files_only:
        return f"{ref.name} ({ref.path_or_size})"
    from faster_whisper.utils import download_model

    try:
        folder = download_model(ref.path_or_size, local_files_only=True)
    except Exception as error:
        raise ModelError(
            f"Whisper model {ref.name} is not downloaded yet",
            "run once with internet access (it downloads on first use), "
            "or unset COACH_WHISPER_MODEL / --model to use the bundled tiny.en",
        ) from error
    return f"{ref.name} (cached in {folder})"


def relevance_model() -> str:
    """The sentence-embedding model the relevance check compares answers with and the fitted
    scorer reads what an answer is about with: optional, but a copy that cannot be read is a
    fault."""
    from coach.rubrics.embedding import INSTALL, EmbeddingUnavailable, load, model_zip

    try:
        path = model_zip()
    except EmbeddingUnavailable:
        return (
            "not installed: relevance is checked by words alone and the scores are read without "
            f"what the answer is about ({INSTALL})"
        )
    try:
        load()
    except EmbeddingUnavailable as error:
        raise ModelError(error.problem, error.fix) from None
    return f"all-MiniLM-L6-v2 ({path})"


def llm_endpoint(settings: Settings) -> str:
    """The endpoint answers its model list (the key is never shown)."""
    if not settings.llm_configured:
        return (
            "not configured: answers are scored offline "
            "(set OPENAI_API_KEY and/or OPENAI_BASE_URL for the LLM judge)"
        )
    from openai import APIStatusError

    from coach.rubrics.llm import make_client

    where = settings.openai_base_url or "api.openai.com"
    try:
        with make_client(settings, timeout=5.0) as client:
            served = [model.id for model in client.models.list()]
    except APIStatusError as error:
        raise ConfigError(
            f"the LLM endpoint {where} answered HTTP {error.status_code}",
            "check OPENAI_API_KEY and OPENAI_BASE_URL, or unset them to score offline",
        ) from None
    except Exception as error:
        raise ConfigError(
            f"the LLM endpoint {where} did not answer ({type(error).__name__})",
            "start the server or fix OPENAI_BASE_URL, or unset it to score offline",
        ) from None
    if settings.llm_model in served:
        return f"{where} answered; model {settings.llm_model} is served"
    return (
        f"{where} answered; model {settings.llm_model} is not in its model list "
        "(set COACH_LLM_MODEL unless the server takes any name)"
    )
