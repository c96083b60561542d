"""The transcribe stage's interface: audio in, guarded and timed segments out.

:class:`coach.audio.transcribe.WhisperTranscriber` is the real decoder; streaming
transcription (:mod:`coach.audio.stream`) calls nothing else of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from coach.audio.guards import Heard


class Decoder(Protocol):
    def decode(
        self,
        audio: np.ndarray,
        offset_s: float = 0.0,
        context: str = "",
        windows: int | None = None,
        vad_filter: bool | None = None,
    ) -> list[Heard]:
        """Segments of ``audio`` with times shifted by ``offset_s``; ``context`` is the text
        said just before, ``windows`` caps the 30 s windows decoded."""
        ...

    def add_fillers(
        self, segments: list[Heard], audio: np.ndarray, offset_s: float = 0.0
    ) -> list[Heard]:
        """``segments`` decoded from ``audio`` with the fillers between their words put in."""
        ...
