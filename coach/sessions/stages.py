"""The stages a practice session takes each answer through, bundled for ``Practice``.

speak the question (:class:`~coach.audio.speak.Speaker`) → record the answer (a
:data:`~coach.audio.record.StreamFactory`, the microphone) → transcribe it
(:class:`~coach.audio.decoder.Decoder`) → score it (:class:`~coach.rubrics.scoring.Scorer`)
→ store it (:class:`~coach.sessions.store.Store`, always the SQLite one).

Each field builds its stage from the settings when the session needs it, so a typed
session never opens a microphone or loads Whisper. :func:`production_stages` gives
the real ones; a test can swap one, e.g. a speaker that keeps what it was asked to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.config import Settings

if TYPE_CHECKING:
    from coach.audio.decoder import Decoder
    from coach.audio.record import StreamFactory
    from coach.audio.speak import Speaker
    from coach.rubrics.scoring import Scorer


@dataclass(frozen=True)
class Stages:
    speaker: Callable[[Settings, bool], Speaker]
    """Given the settings and whether to speak at all."""
    microphone: Callable[[Settings], StreamFactory]
    """Raises DeviceError when there is none."""
    decoder: Callable[[Settings], Decoder]
    """May go on loading in the background; the first decode waits for it."""
    scorer: Callable[[Settings, bool], Scorer]
    """Given the settings and whether to score offline."""


def production_stages() -> Stages:
    from coach.audio.record import microphone
    from coach.audio.speak import make_speaker
    from coach.audio.transcribe import load_transcriber
    from coach.rubrics.scoring import ConfiguredScorer

    return Stages(
        speaker=lambda settings, enabled: make_speaker(settings, enabled=enabled),
        microphone=microphone,
        decoder=lambda settings: load_transcriber(settings, background=True),
        scorer=ConfiguredScorer,
    )
