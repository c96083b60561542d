"""coach: a voice interview coach for Machine Learning Engineer interviews.

Importing the package may set one default for the native libraries it loads later: CTranslate2
(Whisper and the sentence model) runs its threads with GNU OpenMP, which reads
``GOMP_SPINCOUNT`` once, when it is loaded, so it is decided here, before anything can load it.
Idle OpenMP threads spin for a while before they sleep. When other processes already keep every
core busy, those spins take the cores the decode needs: beside two busy processes on two cores,
`coach transcribe` of a 45 s answer took 8.4-12.2 s with 1,000 spins against 19-59 s with the
default, and a streamed 89 s answer was ready 2.9 s after its end against 8.2 s. On a quiet
machine the short spins cost more than they save (the streamed answer was ready after 1.9-3.8 s
against 1.1-1.4 s), so they are chosen only when the load average is already at the number of
cores (see docs/benchmarks.md). A value already in the environment is kept.
"""

import os

__version__ = "0.1.0"

BUSY_SPIN_COUNT = "1000"


def spin_count_for(load: float, cores: int) -> str | None:
    """The OpenMP spin count for a machine this busy; None keeps the runtime's default."""
    return BUSY_SPIN_COUNT if load >= cores else None


def _choose_spin_count() -> None:
    if "GOMP_SPINCOUNT" in os.environ:
        return
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this system
        return
    chosen = spin_count_for(load, os.cpu_count() or 1)
    if chosen is not None:
        os.environ["GOMP_SPINCOUNT"] = chosen


_choose_spin_count()
