"""What an answer is about, as a few numbers the fitted scorer can weigh.

The answer's sentence vector (:func:`coach.rubrics.embedding.embed`, 384 numbers) is reduced to
its first :data:`COUNT` principal components: the directions in which the train answers'
vectors vary most. They are fitted by ``benchmarks/fit_scorer.py`` on the train answers and
ship beside the fitted model as ``meaning_components.npz`` (the mean vector and the
components). On dev they raised the kappa of every core criterion (docs/scoring.md, "The
answer's sentence vector as a scoring feature"): the rules count the kinds of evidence an
answer gives, and the vector tells, for example, a story from a design or a told incident from
a list of monitoring words, however it is phrased.

The text embedded is the answer without fillers, each distinct sentence once, in order
(:func:`said_once`), so that repeating a sentence or saying "um" does not move a score. When
the model package is missing, every component is 0 (the train answers' mean), so the model
scores from the other features alone, and :attr:`Meaning.missing` says why, for the card to
say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from coach.errors import RubricError
from coach.rubrics.embedding import EmbeddingUnavailable, embed
from coach.rubrics.signals.text import View

COMPONENTS_FILE = "meaning_components.npz"
COUNT = 32
"""Components kept: on dev, 4, 8 or 16 gave no gain over none, 32 and 64 the same gain."""
NAMES = tuple(f"meaning_{number:02d}" for number in range(COUNT))
"""Their feature names, in order."""


@dataclass(frozen=True)
class Projection:
    """The principal components of the train answers' vectors."""

    mean: np.ndarray
    """The train answers' mean vector (384 numbers)."""
    components: np.ndarray
    """:data:`COUNT` unit directions × 384."""

    def project(self, vector: np.ndarray) -> np.ndarray:
        return np.asarray(self.components @ (vector - self.mean), dtype=float)


@dataclass(frozen=True)
class Meaning:
    """One answer's components, or zeros and the reason when the model is missing."""

    values: tuple[float, ...]
    missing: EmbeddingUnavailable | None = None


@cache
def shipped_projection() -> Projection:
    """The components that ship with the fitted model (read once per process)."""
    resource = resources.files("coach.rubrics").joinpath(COMPONENTS_FILE)
    try:
        with resource.open("rb") as stream, np.load(stream) as stored:
            projection = Projection(stored["mean"], stored["components"])
    except (OSError, KeyError, ValueError) as error:
        raise RubricError(
            f"coach/rubrics/{COMPONENTS_FILE} cannot be read ({error})",
            "refit it: python benchmarks/fit_scorer.py --write",
        ) from error
    if projection.components.shape[0] != COUNT:
        raise RubricError(
            f"coach/rubrics/{COMPONENTS_FILE} holds another number of components",
            "refit it: python benchmarks/fit_scorer.py --write",
        )
    return projection


def said_once(view: View) -> str:
    """The text embedded for the answer ``view`` holds: without fillers or lines to the
    grader, each distinct sentence once, in order (the relevance check embeds the same text,
    so one vector serves both)."""
    return " ".join(sentence.text.strip() for sentence in view.distinct_sentences)


def read_meaning(view: View, projection: Projection | None = None) -> Meaning:
    """The components of the answer ``view`` holds, by the shipped ``projection`` unless
    another is given (the fit script's own)."""
    projection = projection or shipped_projection()
    try:
        vector = embed(said_once(view))
    except EmbeddingUnavailable as missing:
        return Meaning((0.0,) * COUNT, missing)
    return Meaning(tuple(float(v) for v in projection.project(vector)))
