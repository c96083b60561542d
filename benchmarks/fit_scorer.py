"""Fit the offline scorer's model for the core criteria: fit on train, choose on dev.

First fits the principal components of the train answers' sentence vectors
(:mod:`coach.rubrics.meaning`; the shipped ones when refitting some criteria ``--only``). Then,
for each core criterion, fits small logistic models on the features of the train answers (the
corpus's ``train`` part, ``scoring_train2.jsonl``, ``scoring_train3.jsonl`` and
``scoring_train4.jsonl``,
:func:`train_rows`; :mod:`coach.rubrics.features`, standardised), tries a few model shapes and
regularisation strengths, keeps the one with the highest quadratic-weighted kappa on the dev
answers (the corpus's ``dev`` part, ``scoring_dev2.jsonl``, ``scoring_dev3.jsonl`` and
``round_criteria.jsonl``, :func:`dev_rows`),
and prints its dev figures beside the rules' on the same answers. With ``--write`` it saves the
chosen models to ``coach/rubrics/scorer_model.json``, each with the date it was fitted and the
train sets it was fitted on (with ``--only``, those criteria's alone; the others keep theirs),
and the components to
``coach/rubrics/meaning_components.npz``. A criterion is switched to the model
only where it beats the rules on dev by more than resampling dev could explain (the 95%
bootstrap interval of the kappa gain is above zero). The ``test`` part is never read here.
``--words`` instead lists how many of the corpus's train answers (the ones the words were
chosen on, as ``tests/test_structure.py`` counts) use each word of the sentence-structure
classes (:mod:`coach.rubrics.structure`) and fails when one is used by fewer than two.

    python benchmarks/fit_scorer.py [--write] [--only CRITERION ...]
    python benchmarks/fit_scorer.py --words
    python benchmarks/fit_scorer.py --ceilings [--write]

``--ceilings`` chooses, on dev, only the highest score each shipped model may give where the
rules quote nothing (``unquoted``: 1 or 2), and with ``--write`` saves it; the models' weights
stay as they were fitted.

Needs scikit-learn (the ``test`` extra); the shipped scorer reads the JSON with numpy only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent)]

import numpy as np  # noqa: E402
from offline_agreement import CORPUS, load_rows, quadratic_kappa, question_of  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from coach.rubrics.anticipated import (  # noqa: E402
    CRITERION,
    DESIGN_ROUNDS,
    read_anticipated,
    with_anticipated,
)
from coach.rubrics.embedding import embed  # noqa: E402
from coach.rubrics.features import AnswerFeatures, answer_features  # noqa: E402
from coach.rubrics.fitted import MODEL_FILE, CriterionModel  # noqa: E402
from coach.rubrics.judges import judge, stuffed  # noqa: E402
from coach.rubrics.meaning import (  # noqa: E402
    COMPONENTS_FILE,
    COUNT,
    NAMES,
    Projection,
    read_meaning,
    said_once,
    shipped_projection,
)
from coach.rubrics.models import CORE_CRITERIA  # noqa: E402
from coach.rubrics.offline import fitted_judgement, is_no_answer  # noqa: E402
from coach.rubrics.signals import extract_signals  # noqa: E402
from coach.rubrics.signals.text import View  # noqa: E402
from coach.rubrics.structure import WORD_CLASSES, StructureFeatures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRAIN2 = CORPUS.parent / "scoring_train2.jsonl"
TRAIN3 = CORPUS.parent / "scoring_train3.jsonl"
TRAIN4 = CORPUS.parent / "scoring_train4.jsonl"
DEV2 = CORPUS.parent / "scoring_dev2.jsonl"
DEV3 = CORPUS.parent / "scoring_dev3.jsonl"
ROUND_DEV = CORPUS.parent / "round_criteria.jsonl"
OUTPUT = ROOT / "coach" / "rubrics" / MODEL_FILE
COMPONENTS_OUTPUT = ROOT / "coach" / "rubrics" / COMPONENTS_FILE
COMMAND = "python benchmarks/fit_scorer.py"
SHAPES = (("softmax", "mode"), ("softmax", "mean"), ("cumulative", "mode"))
"""Link and decoding tried. A cumulative model is read by its median only: summing its
threshold chances lets unlikely thresholds add up to a point the answer has no evidence for
(0.31 + 0.17 + 0.04 rounds to 1 for a design answer that says nothing about production)."""
FEATURE_SETS = tuple(
    structure + rules + meaning
    for structure in ("signals-structure", "signals")
    for rules in ("", "+rules")
    for meaning in ("", "+meaning")
)
"""The features without or with the sentence-structure ones (:mod:`coach.rubrics.structure`
and the design reading), each without or with the rules' own levels as four more features, and
without or with what the answer is about (:mod:`coach.rubrics.meaning`)."""
MARGIN = 0.01
"""How much higher a model using the sentence-structure features, or what the answer is about,
must score on dev (kappa, alone) than the best one without them to be chosen: a criterion they
do not help keeps its simpler model."""
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
"""Inverse L2 regularisation strengths tried (scikit-learn's ``C``)."""
REACHES = (1, 2)
"""How far the offline scorer may move a score from the rules' level, tried as scored on dev:
the wider one is kept only where it raises the dev kappa as scored."""
UNQUOTED = (1, 2)
"""The highest score the model may give where the rules quote nothing, tried as scored on dev
after the reach: 2 is kept only where it raises the dev kappa and leaves no more answers two
points or more off their label."""
BOOTSTRAP = 2000
"""Resamples of dev for the interval of the gain over the rules: a criterion is switched to
the model only when the whole 95% interval is above zero, not on a gain dev noise could give."""


@dataclass(frozen=True)
class Answer:
    """One labelled answer as the scorer sees it."""

    labels: dict[str, int]
    vector: np.ndarray
    rules: dict[str, object]
    """The rules' judgement per criterion (None when nothing was said), post-launch read for
    design rounds as the offline scorer reads it before the model moves it."""
    capped: bool
    floors: dict[str, int]
    """Scores the model's may not go below: the design reading of post-launch, which the
    offline scorer applies again after the model."""


TRAIN_PARTS: tuple[tuple[Path, str | None], ...] = (
    (CORPUS, "train"), (TRAIN2, None), (TRAIN3, None), (TRAIN4, None)
)
"""The files :func:`train_rows` reads, and the split of each it keeps (None: all of it)."""
TRAIN_SETS = tuple(path.name + (f" {split}" if split else "") for path, split in TRAIN_PARTS)
"""The same, as written beside each model fitted on them."""


def train_rows() -> list[dict]:
    """The answers the models are fitted on: the corpus's train part and the second, third and
    fourth train sets (answers to questions outside the corpus, labelled the same way;
    benchmarks/data/README.md)."""
    return [row for path, split in TRAIN_PARTS for row in load_rows(path, split)]


def dev_rows() -> list[dict]:
    """The answers the models are chosen on: the corpus's dev part, the second and third dev
    sets (answers to questions outside the corpus, labelled the same way) and the round set's
    dev part (answers labelled on the round criteria as well)."""
    return load_rows(CORPUS, "dev") + load_rows(DEV2) + load_rows(DEV3) + load_rows(ROUND_DEV)


def fit_projection(rows: list[dict]) -> Projection:
    """The principal components of the ``rows``' sentence vectors, as
    :mod:`coach.rubrics.meaning` reads them (stored in float32, as they ship)."""
    vectors = np.array([embed(said_once(View(row["answer"]))) for row in rows])
    fitted = PCA(COUNT, random_state=0).fit(vectors)
    return Projection(fitted.mean_.astype(np.float32), fitted.components_.astype(np.float32))


def prepare(rows: list[dict], projection: Projection) -> list[Answer]:
    answers = []
    for row in rows:
        question = question_of(row)
        signals = extract_signals(row["answer"], question.text)
        meaning = read_meaning(signals.view, projection)
        if meaning.missing is not None:
            raise SystemExit(f"the sentence-embedding model is needed: {meaning.missing}")
        capped = stuffed(signals)
        silent = is_no_answer(row["answer"])
        judged = {c: judge(c, signals, capped) for c in row["labels"]}
        judged = with_anticipated(judged, question.round, signals.view)
        design = question.round in DESIGN_ROUNDS and not (capped or silent)
        answers.append(
            Answer(
                labels=row["labels"],
                vector=answer_features(signals, question.round, meaning.values).as_vector(),
                rules={c: None if silent else j for c, j in judged.items()},
                capped=capped,
                floors={CRITERION: read_anticipated(signals.view).score} if design else {},
            )
        )
    return answers


def figures(human: list[int], machine: list[int]) -> dict[str, float]:
    pairs = list(zip(human, machine, strict=True))
    return {
        "kappa": round(quadratic_kappa(human, machine), 3),
        "exact": round(sum(h == m for h, m in pairs) / len(pairs), 3),
        "within_1": round(sum(abs(h - m) <= 1 for h, m in pairs) / len(pairs), 3),
        "n": len(pairs),
    }


def rule_scores(answers: list[Answer], criterion: str) -> list[int]:
    return [0 if a.rules[criterion] is None else a.rules[criterion].score for a in answers]  # type: ignore[union-attr]


def model_scores(model: CriterionModel, answers: list[Answer], criterion: str) -> list[int]:
    """Scores as the offline scorer gives them: the model's, capped by the rules' evidence."""
    scores = []
    for answer in answers:
        rule = answer.rules[criterion]
        predicted = min(4, max(0, model.score(answer.vector)))
        judged = None if rule is None else fitted_judgement(
            rule,  # type: ignore[arg-type]
            predicted,
            answer.capped,
            reach=model.reach,
            unquoted=model.unquoted,
        )
        floor = answer.floors.get(criterion, 0)
        scores.append(0 if judged is None else max(judged.score, floor))
    return scores


def fit_one(x: np.ndarray, y: np.ndarray, link: str, strength: float) -> tuple[list, list]:
    """(weights per output, intercept per output) of one logistic model on standardised x."""
    if link == "softmax":
        fitted = LogisticRegression(C=strength, max_iter=5000).fit(x, y)
        return fitted.coef_.tolist(), fitted.intercept_.tolist()
    weights, intercepts = [], []
    for threshold in range(4):
        fitted = LogisticRegression(C=strength, max_iter=5000).fit(x, (y > threshold).astype(int))
        weights.append(fitted.coef_[0].tolist())
        intercepts.append(float(fitted.intercept_[0]))
    return weights, intercepts


def used_columns(feature_set: str) -> np.ndarray:
    names = AnswerFeatures.names()
    structure = {f.name for f in fields(StructureFeatures)} | {"anticipated_reading"}
    return np.array(
        [
            ("+rules" in feature_set or not n.startswith("rule_"))
            and ("-structure" not in feature_set or n not in structure)
            and ("+meaning" in feature_set or n not in NAMES)
            for n in names
        ]
    )


def entry_for(
    train: list[Answer], criterion: str, shape: tuple[str, str, str], strength: float
) -> dict:
    """One candidate model; features left out of its set get weight 0."""
    link, decode, feature_set = shape
    rows = [a for a in train if criterion in a.labels]
    x = np.array([a.vector for a in rows])
    y = np.array([a.labels[criterion] for a in rows])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    used = used_columns(feature_set)
    fitted, intercepts = fit_one(((x - means) / scales)[:, used], y, link, strength)
    weights = np.zeros((len(fitted), len(used)))
    weights[:, used] = fitted
    names = AnswerFeatures.names()
    return {
        "link": link,
        "decode": decode,
        "feature_set": feature_set,
        "C": strength,
        "intercepts": [round(float(b), 4) for b in intercepts],
        "features": {
            name: {
                "mean": round(float(means[i]), 4),
                "scale": round(float(scales[i]), 4),
                "weights": [round(float(w[i]), 4) for w in weights],
            }
            for i, name in enumerate(names)
        },
    }


def as_text(model: dict) -> str:
    """JSON with one feature per line: lists and feature entries are not broken up."""
    text = json.dumps(model, indent=1)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: f"[{' '.join(m[1].split())}]", text)
    return re.sub(r"\{\s+(\"mean\"[^{}]*?)\s+\}", lambda m: f"{{{' '.join(m[1].split())}}}", text)


def evaluate(
    entry: dict, answers: list[Answer], criterion: str, alone: bool = False
) -> dict[str, float]:
    """Figures of the scores the offline scorer gives with this model, or of the model
    ``alone`` (not held near the rules' level)."""
    rows = [a for a in answers if criterion in a.labels]
    model = CriterionModel.from_dict(entry, AnswerFeatures.names())
    if alone:
        scores = [min(4, max(0, model.score(a.vector))) for a in rows]
    else:
        scores = model_scores(model, rows, criterion)
    return figures([a.labels[criterion] for a in rows], scores)


def choose(train: list[Answer], dev: list[Answer], criterion: str) -> dict:
    """The candidate whose own scores have the highest dev kappa (ties: the stronger
    regularisation; the sentence-structure features only past ``MARGIN``), and what the
    answer is about only where it does better as scored (:func:`_better_as_scored`). Each is
    chosen alone, not as held near the rules, so that the choice cannot fall on a
    near-constant model that only shifts the rules' levels."""
    best: dict[tuple[bool, bool], dict] = {}
    shapes = [(link, decode, kind) for link, decode in SHAPES for kind in FEATURE_SETS]
    for shape in shapes:
        for strength in STRENGTHS:
            entry = entry_for(train, criterion, shape, strength)
            entry["dev_alone"] = evaluate(entry, dev, criterion, alone=True)
            kind = ("-structure" not in shape[2], "+meaning" in shape[2])
            held = best.get(kind)
            if held is None or entry["dev_alone"]["kappa"] > held["dev_alone"]["kappa"]:
                best[kind] = entry
    plain, meaning = (
        settle(_past_margin(best[False, m], best[True, m]), train, dev, criterion)
        for m in (False, True)
    )
    return _better_as_scored(plain, meaning)


def _past_margin(simpler: dict, richer: dict) -> dict:
    """``richer`` when its dev kappa (alone) beats ``simpler``'s by more than ``MARGIN``."""
    margin = richer["dev_alone"]["kappa"] - simpler["dev_alone"]["kappa"]
    return richer if margin > MARGIN else simpler


def _better_as_scored(plain: dict, meaning: dict) -> dict:
    """The model with what the answer is about (``meaning``, settled) when, as scored on dev,
    its kappa beats ``plain``'s by more than ``MARGIN`` and it leaves no more answers two
    points or more from their label: a gain on average that trades some answers' misses for
    others' as bad is not taken."""
    better, worse = meaning["dev"], plain["dev"]
    margin = better["kappa"] - worse["kappa"]
    chosen = meaning if margin > MARGIN and better["within_1"] >= worse["within_1"] else plain
    return {**chosen, "dev_without_meaning": worse, "dev_with_meaning": better}


def settle(best: dict, train: list[Answer], dev: list[Answer], criterion: str) -> dict:
    """The chosen candidate with its reach, its figures and whether it replaces the rules."""
    for reach in REACHES:
        tried = evaluate({**best, "reach": reach}, dev, criterion)
        if reach == REACHES[0] or tried["kappa"] > best["dev"]["kappa"]:
            best["reach"], best["dev"] = reach, tried
    best = with_unquoted(best, dev, criterion)
    best["train"] = evaluate(best, train, criterion)
    rows = [a for a in dev if criterion in a.labels]
    best["dev_rules"] = figures([a.labels[criterion] for a in rows], rule_scores(rows, criterion))
    model = CriterionModel.from_dict(best, AnswerFeatures.names())
    low, high = gain_interval(
        [a.labels[criterion] for a in rows],
        rule_scores(rows, criterion),
        model_scores(model, rows, criterion),
    )
    best["dev_gain_95"] = [round(low, 3), round(high, 3)]
    best["switched"] = low > 0
    return best


def with_unquoted(entry: dict, dev: list[Answer], criterion: str) -> dict:
    """``entry`` with the ``UNQUOTED`` ceiling that scores best on dev, and its dev figures."""
    best = {**entry, "unquoted": UNQUOTED[0]}
    best["dev"] = evaluate(best, dev, criterion)
    for ceiling in UNQUOTED[1:]:
        tried = evaluate({**best, "unquoted": ceiling}, dev, criterion)
        if _no_worse_anywhere(tried, best["dev"]):
            best["unquoted"], best["dev"] = ceiling, tried
    return best


def _no_worse_anywhere(tried: dict, held: dict) -> bool:
    """``tried`` has the higher dev kappa and leaves no more answers two points or more from
    their label than ``held``."""
    return tried["kappa"] > held["kappa"] and tried["within_1"] >= held["within_1"]


def gain_interval(
    human: list[int], rules: list[int], fitted: list[int], draws: int = BOOTSTRAP
) -> tuple[float, float]:
    """95% interval of the kappa gain of the model over the rules, resampling dev answers."""
    rng = np.random.default_rng(0)
    triples = np.array([human, rules, fitted])
    gains = []
    for _ in range(draws):
        h, r, f = triples[:, rng.integers(0, len(human), len(human))].tolist()
        gains.append(quadratic_kappa(h, f) - quadratic_kappa(h, r))
    low, high = np.percentile(gains, [2.5, 97.5])
    return float(low), float(high)


def report(criterion: str, entry: dict) -> str:
    rules, model = entry["dev_rules"], entry["dev"]
    return (
        f"{criterion:<22} n={model['n']:<3} rules kappa={rules['kappa']:.3f} "
        f"exact={rules['exact']:.0%} within-1={rules['within_1']:.0%} | fitted "
        f"kappa={model['kappa']:.3f} exact={model['exact']:.0%} "
        f"within-1={model['within_1']:.0%} ({entry['link']}/{entry['decode']}/"
        f"{entry['feature_set']}, C={entry['C']}, reach {entry.get('reach', 1)}, "
        f"unquoted up to {entry.get('unquoted', 1)}, "
        f"alone {entry['dev_alone']['kappa']:.3f}, train kappa={entry['train']['kappa']:.3f}; "
        "gain 95% interval "
        f"{entry['dev_gain_95'][0]:+.3f}..{entry['dev_gain_95'][1]:+.3f}) -> "
        + ("model" if entry["switched"] else "rules")
        + "\n    as scored with / without what the answer is about: "
        + " / ".join(_off_by_two(entry[k]) for k in ("dev_with_meaning", "dev_without_meaning"))
    )


def _off_by_two(figures: dict) -> str:
    missed = round(figures["n"] * (1 - figures["within_1"]))
    return f"kappa {figures['kappa']:.3f}, {missed} off by 2+"


def word_report(rows: list[dict]) -> int:
    """Train answers using each word of the sentence-structure classes; a word used by fewer
    than two would key on one answer's wording, so the report fails on it."""
    texts = [row["answer"].lower() for row in rows]
    rare = []
    for name, words in WORD_CLASSES.items():
        for word in words:
            pattern = re.compile(rf"\b(?:{word})\b")
            used = sum(bool(pattern.search(text)) for text in texts)
            print(f"{name:<13} {used:>4}  {word}")
            if used < 2:
                rare.append(f"{name}: {word}")
    print(
        f"{len(rare)} words used by fewer than two train answers"
        + "".join(f"\n    {r}" for r in rare)
    )
    return 1 if rare else 0


def shipped_models() -> dict[str, dict]:
    """The shipped models, each with the date it was fitted (a file written before the dates
    were kept per model has one for all)."""
    shipped = json.loads(OUTPUT.read_text(encoding="utf-8"))
    return {
        criterion: {**entry, "fitted_on": entry.get("fitted_on", shipped.get("fitted_on"))}
        for criterion, entry in shipped["criteria"].items()
    }


def choose_ceilings(write: bool) -> int:
    """Choose each shipped model's ``unquoted`` ceiling on dev, leaving its weights, reach and
    train sets as they are; with ``write``, save the file with the ceilings changed."""
    dev = prepare(dev_rows(), shipped_projection())
    shipped = json.loads(OUTPUT.read_text(encoding="utf-8"))
    print(f"$ {COMMAND} --ceilings" + (" --write" if write else ""))
    for criterion, entry in shipped["criteria"].items():
        before = evaluate({**entry, "unquoted": UNQUOTED[0]}, dev, criterion)
        chosen = with_unquoted(entry, dev, criterion)
        print(
            f"{criterion:<22} unquoted 1: {_off_by_two(before)} | chosen {chosen['unquoted']}: "
            f"{_off_by_two(chosen['dev'])}"
        )
        entry["unquoted"], entry["dev"] = chosen["unquoted"], chosen["dev"]
    if write:
        OUTPUT.write_text(as_text(shipped) + "\n", encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"save the models to {OUTPUT.name}")
    parser.add_argument(
        "--words", action="store_true", help="how many train answers use each structure word"
    )
    parser.add_argument(
        "--only", nargs="+", choices=CORE_CRITERIA, metavar="CRITERION",
        help="refit these criteria alone (the others keep their shipped models)",
    )
    parser.add_argument(
        "--ceilings", action="store_true",
        help="choose only each shipped model's unquoted ceiling on dev (models unchanged)",
    )
    args = parser.parse_args(argv)
    if args.words:
        return word_report(load_rows(CORPUS, "train"))
    if args.ceilings:
        return choose_ceilings(args.write)
    started = time.perf_counter()
    rows = train_rows()
    # refitting some criteria alone keeps the components the others were fitted with
    projection = shipped_projection() if args.only else fit_projection(rows)
    train = prepare(rows, projection)
    dev = prepare(dev_rows(), projection)
    only = args.only or list(CORE_CRITERIA)
    refit = " --only " + " ".join(only) if args.only else ""
    print(f"$ {COMMAND}" + (" --write" if args.write else "") + refit)
    print(f"{len(train)} train answers, {len(dev)} dev answers; dev figures:")
    today = datetime.date.today().isoformat()
    fitted = {"fitted_on": today, "fitted_with": list(TRAIN_SETS)}
    chosen = {c: {**choose(train, dev, c), **fitted} for c in only}
    for criterion, entry in chosen.items():
        print(report(criterion, entry))
    print(f"fitted in {time.perf_counter() - started:.1f} s")
    if args.write:
        model = {
            "about": "Fitted scorer for the core criteria; written by " + COMMAND + " --write",
            "data": "benchmarks/data: each model is fitted on the sets its fitted_with lists "
            "(the corpus's train part, scoring_train2.jsonl, scoring_train3.jsonl, "
            "scoring_train4.jsonl) and chosen on the corpus's dev part, scoring_dev2.jsonl, "
            "scoring_dev3.jsonl and round_criteria.jsonl (docs/scoring.md)",
            "criteria": {**shipped_models(), **chosen},
        }
        OUTPUT.write_text(as_text(model) + "\n", encoding="utf-8")
        np.savez(COMPONENTS_OUTPUT, mean=projection.mean, components=projection.components)
        for written in (OUTPUT, COMPONENTS_OUTPUT):
            size = written.stat().st_size / 1024
            print(f"wrote {written.relative_to(ROOT)} ({size:.1f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
