"""How an answer's sentences fit together, read from broad word classes, for the fitted model.

The signals in :mod:`coach.rubrics.signals` look for the usual ways of saying a thing ("we went
with X instead of Y"). Answers told loosely ("so we did LightGBM, it was maybe thirty seconds
worse, but way easier to debug") say the same with ordinary words. Here each sentence is tagged
with broad classes of words (a decision, an alternative or comparison, a contrast, a cost, a
reason, a problem, a detection, a fix, a lasting change, a number, the past or the
hypothetical), and the features count sentences where the classes a criterion needs meet
within a window of sentences. Every class is a list of common words, each of which occurs in
many answers (``benchmarks/fit_scorer.py --words`` lists how many train answers use each), so
no feature depends on the wording of any one answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from coach.rubrics.signals.text import View

_DECIDER = r"(?:i|we|i'd|we'd|i'll|we'll|you'd)"
WORD_CLASSES: dict[str, tuple[str, ...]] = {
    "decision": tuple(
        rf"{_DECIDER} (?:\w+ )?{verb}"
        for verb in (
            "chose",
            "choose",
            "pick",
            "picked",
            "went",
            "go",
            "use",
            "used",
            "did",
            "do",
            "lean",
            "prefer",
            "start",
            "started",
            "keep",
            "kept",
            "move",
            "moved",
            "switch",
            "switched",
            "decided",
            "ended up",
            "trained",
            "train",
            "set",
            "made",
            "held",
        )
    ),
    "alternative": (
        r"instead",
        r"rather than",
        r"versus",
        r"vs",
        r"compared (?:to|with)",
        r"alternative",
        r"either",
        r"over (?:the|a|an)",
        r"than",
    ),
    "comparison": (
        r"\w+er than",
        r"(?:more|less|fewer) \w+",
        r"better",
        r"worse",
        r"faster",
        r"slower",
        r"cheaper",
        r"simpler",
        r"easier",
        r"within",
    ),
    "contrast": (
        r"but",
        r"although",
        r"though",
        r"at the (?:cost|expense) of",
        r"even if",
        r"at least",
    ),
    "cost": (
        r"cost\w*",
        r"lose",
        r"losing",
        r"lost",
        r"give up",
        r"gave up",
        r"price",
        r"expensive",
        r"slower",
        r"worse",
        r"hurt\w*",
        r"pay",
        r"complexity",
        r"trade\w*",
    ),
    "reason": (
        r"because",
        r"since",
        r"so that",
        r"given",
        r"which is why",
        r"budget",
    ),
    "condition": (r"if", r"when", r"once", r"unless", r"until"),
    "problem": (
        r"broke\w*",
        r"bug\w*",
        r"fail\w*",
        r"wrong",
        r"worse",
        r"issues?",
        r"incidents?",
        r"regress\w*",
        r"dropped",
        r"spiked?",
        r"stale",
        r"drift\w*",
        r"degrad\w*",
        r"crash\w*",
        r"leak\w*",
        r"forgot",
        r"missed",
        r"skew\w*",
        r"late",
        r"delay\w*",
        r"jumped",
        r"problems?",
        r"errors?",
        r"down",
    ),
    "production": (
        r"production",
        r"live",
        r"launch\w*",
        r"shipped",
        r"rollout",
        r"deployed",
        r"users",
        r"customers",
        r"traffic",
        r"online",
        r"dashboards?",
    ),
    "detection": (
        r"noticed",
        r"saw",
        r"caught",
        r"flagged",
        r"alerts?",
        r"dashboards?",
        r"monitor\w*",
        r"complain\w*",
        r"paged",
        r"found",
        r"turned out",
        r"showed",
    ),
    "fix": (
        r"revert\w*",
        r"fixed",
        r"patched",
        r"retrained",
        r"added",
        r"changed",
        r"switched",
        r"rebuilt",
        r"built",
        r"removed",
        r"capped",
        r"moved",
    ),
    "lasting": (
        r"since then",
        r"now",
        r"every",
        r"always",
        r"checklist",
        r"policy",
        r"requires?",
        r"required",
        r"standard",
    ),
    "cause": (
        r"because",
        r"turned out",
        r"root cause",
        r"caused",
    ),
    "number": (
        r"\d[\d,.]*",
        r"(?:two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred"
        r"|thousand|million)",
        r"percent",
        r"half",
        r"twice",
        r"double",
    ),
    "past": (
        r"was",
        r"were",
        r"had",
        r"did",
        r"went",
        r"got",
        r"\w+ed",
    ),
    "hypothetical": (
        r"i'd",
        r"we'd",
        r"would",
        r"could",
        r"might",
        r"should",
        r"will",
        r"i'll",
        r"you'd",
        r"if",
    ),
    "first_person": (r"i", r"we", r"my", r"our", r"me", r"us"),
}
"""Each class: alternatives matched as whole words in a lower-cased sentence."""

_PATTERNS = {
    name: re.compile(r"\b(?:" + "|".join(words) + r")\b") for name, words in WORD_CLASSES.items()
}


@dataclass(frozen=True)
class StructureFeatures:
    """Counts (``log1p`` of distinct sentences) of sentences where classes meet."""

    weighed_decisions: float
    """A decision with an alternative, a comparison or a condition within one sentence."""
    costed_choices: float
    """A decision nearby, and a contrast with a cost or a comparison in the sentence."""
    quantified_choice_costs: float
    reasoned_decisions: float
    """A decision with a reason within one sentence."""
    narrated_problems: float
    """A problem told in the past, not as a hypothetical."""
    anchored_problems: float
    """A narrated problem with a production word within two sentences."""
    problem_followups: float
    """Of detection, cause, fix, lasting change and a number, how many follow a narrated
    problem within three sentences."""
    anticipated_problems: float
    """A problem told as a hypothetical with a detection or a fix within one sentence."""
    first_person_past: float
    """Sentences in the first person and the past."""


def _tags(view: View) -> list[set[str]]:
    """The classes in each sentence that is not a keyword list; a sentence said again is
    left out, so that repeating an answer adds nothing."""
    seen: set[str] = set()
    tags = []
    for sentence in view.sentences:
        lower = " ".join(sentence.text.lower().split())
        if sentence.listy or lower in seen:
            continue
        seen.add(lower)
        tags.append({name for name, pattern in _PATTERNS.items() if pattern.search(lower)})
    return tags


def _near(tags: list[set[str]], position: int, reach: int, *names: str) -> bool:
    window = tags[max(0, position - reach) : position + reach + 1]
    return any(t.intersection(names) for t in window)


def _after(tags: list[set[str]], position: int, reach: int, name: str) -> bool:
    return any(name in t for t in tags[position : position + reach + 1])


def _count(flags: list[bool]) -> float:
    return math.log1p(sum(flags))


def structure_features(view: View) -> StructureFeatures:
    """The sentence-structure features of one answer (sentences to the grader left out)."""
    tags = _tags(view)
    positions = range(len(tags))
    decided = [("decision" in t) for t in tags]
    costed = [
        "contrast" in t and bool(t & {"cost", "comparison"}) and _near(tags, i, 1, "decision")
        for i, t in enumerate(tags)
    ]
    narrated = ["problem" in t and "past" in t and "hypothetical" not in t for t in tags]
    first_problem = next((i for i in positions if narrated[i]), None)
    followups = 0
    if first_problem is not None:
        followups = sum(
            _after(tags, first_problem, 3, name)
            for name in ("detection", "cause", "fix", "lasting", "number")
        )
    return StructureFeatures(
        weighed_decisions=_count(
            [
                decided[i] and _near(tags, i, 1, "alternative", "comparison", "condition")
                for i in positions
            ]
        ),
        costed_choices=_count(costed),
        quantified_choice_costs=_count(
            [c and "number" in t for c, t in zip(costed, tags, strict=True)]
        ),
        reasoned_decisions=_count([decided[i] and _near(tags, i, 1, "reason") for i in positions]),
        narrated_problems=_count(narrated),
        anchored_problems=_count(
            [narrated[i] and _near(tags, i, 2, "production") for i in positions]
        ),
        problem_followups=math.log1p(followups),
        anticipated_problems=_count(
            [
                "problem" in t and "hypothetical" in t and _near(tags, i, 1, "detection", "fix")
                for i, t in enumerate(tags)
            ]
        ),
        first_person_past=_count([{"first_person", "past"} <= t for t in tags]),
    )
