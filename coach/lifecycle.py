"""How one run of the command starts and ends.

- :func:`safe_output`: stdout and stderr redact known secrets and drop terminal
  control sequences for the whole run.
- :func:`terminate_like_interrupt`: SIGTERM raises :class:`~coach.errors.Terminated`,
  a KeyboardInterrupt, so the session is closed as after Ctrl-C (exit 143).
- :func:`debug_logging`: with ``COACH_DEBUG=1``, what coach logs for debugging (the
  transcription's coverage guard and dropped phrases, the relevance model's cache) goes
  to stderr.

The Whisper models are freed at exit by :func:`coach.audio.transcribe.release_all`
(registered with ``atexit`` when the first one loads), after any decode in progress
has ended, so no native worker outlives the interpreter (which aborted the process
with "terminate called without an active exception").
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from coach.errors import Terminated


@contextmanager
def safe_output() -> Iterator[None]:
    """stdout and stderr without secrets or terminal control sequences, for the run."""
    from coach.privacy import SafeOutput

    saved = sys.stdout, sys.stderr
    sys.stdout = SafeOutput(saved[0])
    sys.stderr = SafeOutput(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while the block runs (main thread only)."""

    def on_terminate(signum: int, frame: object) -> None:
        raise Terminated()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, on_terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def debug_logging() -> None:
    """Show coach's debug log on stderr when ``COACH_DEBUG=1`` (otherwise it is dropped)."""
    if os.environ.get("COACH_DEBUG") != "1":
        return
    handler = logging.StreamHandler()  # the current sys.stderr, so inside safe_output
    handler.setFormatter(logging.Formatter("coach: debug: %(name)s: %(message)s"))
    logger = logging.getLogger("coach")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
