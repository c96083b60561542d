"""The fitted scorer: scores for the core criteria from an answer's features, numpy only.

``scorer_model.json`` (next to this module, written by ``benchmarks/fit_scorer.py``) holds one
small logistic model per core criterion: for each feature, the mean and scale that standardise
it and its weight in each output; an intercept per output; and how outputs become a score:

- ``softmax``: one output per score 0-4; the score is the most probable one (``mode``) or the
  expected score rounded (``mean``);
- ``cumulative``: one output per threshold, the probability that the score is above 0, 1, 2
  and 3; the score is how many are above one half (``mode``) or their sum rounded (``mean``).

``switched`` says whether the model replaced the rules for that criterion (it scored higher
dev kappa than the rules when it was fitted); the offline scorer only uses those. ``reach`` is
how many points its score may move from the rules' level (1 when the file does not say).
``unquoted`` is the highest score it may give where the rules quote nothing (1 when the file
does not say).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from coach.errors import RubricError
from coach.rubrics.features import AnswerFeatures

MODEL_FILE = "scorer_model.json"


@dataclass(frozen=True)
class CriterionModel:
    """One criterion's fitted model, ready to apply to a feature vector."""

    link: str
    """``softmax`` (one output per score) or ``cumulative`` (one per threshold)."""
    decode: str
    """``mode`` (most probable score) or ``mean`` (expected score, rounded)."""
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    """Outputs × features."""
    intercepts: np.ndarray
    switched: bool
    reach: int = 1
    """How far its score may move from the rules' level, whose evidence it quotes (chosen on
    dev by ``benchmarks/fit_scorer.py``: 1 or 2)."""
    unquoted: int = 1
    """The highest score it may give where the rules found no sentence to quote (chosen on dev
    by ``benchmarks/fit_scorer.py``: 1 or 2). The rules miss many choices told in loose words,
    so the model may credit the answer as a whole with a choice, and says that no sentence was
    quoted for it."""

    @classmethod
    def from_dict(cls, entry: dict, names: tuple[str, ...]) -> CriterionModel:
        stored = entry["features"]
        if sorted(stored) != sorted(names):
            raise RubricError(
                f"coach/rubrics/{MODEL_FILE} was fitted on other features",
                "refit it: python benchmarks/fit_scorer.py --write",
            )
        column = [stored[name] for name in names]
        return cls(
            link=entry["link"],
            decode=entry["decode"],
            means=np.array([c["mean"] for c in column], dtype=float),
            scales=np.array([c["scale"] for c in column], dtype=float),
            weights=np.array([c["weights"] for c in column], dtype=float).T,
            intercepts=np.array(entry["intercepts"], dtype=float),
            switched=bool(entry.get("switched", False)),
            reach=int(entry.get("reach", 1)),
            unquoted=int(entry.get("unquoted", 1)),
        )

    def score(self, vector: np.ndarray) -> int:
        logits = self.weights @ ((vector - self.means) / self.scales) + self.intercepts
        if self.link == "cumulative":
            above = 1.0 / (1.0 + np.exp(-logits))
            return int(np.sum(above > 0.5)) if self.decode == "mode" else int(np.rint(above.sum()))
        chances = np.exp(logits - logits.max())
        chances /= chances.sum()
        if self.decode == "mode":
            return int(np.argmax(chances))
        return int(np.rint(chances @ np.arange(len(chances))))


@dataclass(frozen=True)
class ScorerModel:
    """The fitted models, by criterion id."""

    criteria: dict[str, CriterionModel]

    @classmethod
    def from_dict(cls, data: dict) -> ScorerModel:
        names = AnswerFeatures.names()
        return cls({c: CriterionModel.from_dict(e, names) for c, e in data["criteria"].items()})

    @property
    def switched(self) -> frozenset[str]:
        """The criteria whose score comes from the model rather than the rules."""
        return frozenset(c for c, m in self.criteria.items() if m.switched)

    def predict(self, features: AnswerFeatures) -> dict[str, int]:
        """A score 0-4 for every criterion the model holds."""
        vector = features.as_vector()
        return {c: min(4, max(0, m.score(vector))) for c, m in self.criteria.items()}


@cache
def load_model() -> ScorerModel:
    """The shipped model (read once per process)."""
    text = resources.files("coach.rubrics").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return ScorerModel.from_dict(json.loads(text))


def predict(features: AnswerFeatures) -> dict[str, int]:
    """Scores from the shipped model for every criterion it holds."""
    return load_model().predict(features)
