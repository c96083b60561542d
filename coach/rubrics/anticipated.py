"""post_launch_failures read for design and technical questions.

Those questions ask about a system that does not exist yet, so a concretely
anticipated failure counts as the event: a named failure mode scores 2; one with
how it would be detected and what would be done scores 3; several such, with
thresholds or numbers, scores 4. Generic lifecycle words stay at 1, and the
answer is never marked down for not telling a real incident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from coach.rubrics.judgement import Judgement
from coach.rubrics.signals import Signals
from coach.rubrics.signals.numbers import COUNT_WORDS
from coach.rubrics.signals.text import View

CRITERION = "post_launch_failures"
DESIGN_ROUNDS = frozenset({"system_design", "technical", "ml_fundamentals"})
"""Rounds whose questions ask about a system still to be built."""

_FAILURE = re.compile(
    r"\b(?:schema (?:change|changes|drift)|changes? (?:its|the|their) schema|"
    r"missing (?:features|data|events)|stale|staleness|"
    r"outage|(?<!loss )(?<!error )goes down|(?<!loss )(?<!error )go down|"
    r"distribution shift|base rates?(?: \w+){0,5} (?:shift|move|change|drift|jump|drop|rise"
    r"|fall)\w*|(?:shift|move|change|drift|jump|drop|rise|fall)\w* in (?:the )?(?:\w+ )?base rate|"
    r"holiday|feedback loop|cold[- ]start|"
    r"late (?:labels|data|events)|duplicate|backfill|upstream|spike|timeouts?|silently|"
    r"bot traffic|adversar\w+|attackers?|poison\w*|overload\w*|falls? over|"
    r"hot keys?|lag(?:s|ging)?(?! (?:and \w+ )?(?:features?|variables?|values?))|crash\w*"
    r"|inflat\w+|delayed|"
    r"broken|bugs?|corrupt\w*|bad (?:snapshot|model|deploy|push|batch|data|release)|"
    # a technical answer's edge cases: the numerics and degenerate states of the code itself
    r"empty clusters?|(?:divide|dividing|division) by zero|overflow\w*|underflow\w*"
    r"|diverg\w*|local minim\w*)\b"
)
_INTRO = re.compile(
    r"\b(?:anticipated (?:problems|failures|risks)|things (?:that )?(?:will|would|could|can|"
    r"i'd expect to) (?:break|go wrong|fail)|what (?:could|would|can|will) (?:go wrong|break|fail)"
    r"|failure modes?|failures:|risks:|(?:go|goes) wrong"
    r"|(?:a|one) (?:concrete|specific|likely|real|classic|common) (?:failure|risk)\b"
    r"|(?:failure|risk)s? (?:i'd|i would|we'd|we would|i'll|we'll|to) (?:\w+ )?(?:plan for|expect"
    r"|flag|watch|design for|worry about|guard against)\b"
    # "the one thing that would actually bite us is…", "what offline eval won't catch is…"
    r"|(?:would|could|will|might) (?:\w+ )?bite (?:us|you)\b"
    r"|\b(?:won't|wouldn't|will not|would not|can't|cannot) (?:\w+ )?catch\b)"
)
INTRO_REACH = 3
"""Sentences after "what could go wrong" that are read as the failure modes it announces."""
_DETECT = re.compile(
    r"\b(?:alert\w*|monitor\w*|dashboard|page[sd]?|paging|on-call|threshold|track\w*|"
    r"check\w*|compar\w+|baseline|canary|shadow|guardrail|"
    r"detect\w*|catch|caught|watch\w*|validat\w+|sla|slo)\b"
)
_ACT = re.compile(
    r"\b(?:roll(?:s|ed)? ?back|rollback|fall(?:s)? ?back|fallback|kill switch|revert\w*|"
    r"retrain\w*|pause\w*|freeze|block\w*|quarantin\w+|circuit breaker|serve (?:the )?"
    r"(?:last|previous|cached|default)|switch\w* (?:to|back)|disable\w*|cap\b|throttl\w+|"
    r"filter\w*|recheck\w*|re-?calibrat\w+|version\w*|immutable|reject\w*|hold\w* back|"
    r"stop\w* (?:publishing|serving|the)|shed\w*|retr(?:y|ies)|drop\w*|route\w*|gates?|"
    r"fix(?:es|ed)?|skip\w*|halve\w*|lower\w*|reduce\w*|abort\w*|fails? (?:the|loudly)"
    r"|overrid\w*)\b"
)
HEADING_WORDS = 3
"""A sentence this short that announces failure modes is a heading, not one of them."""
_NUMBER = re.compile(
    r"\d|\b(?:percent|twice|double|half|hundred|thousand|million|billion|"
    + "|".join(COUNT_WORDS)
    + r")\b"
)
"""A threshold or size said in figures or in words ("drops by half", "the last three models")."""


LEVELS = (
    "Says nothing about what could fail once the system is live",
    "Uses generic lifecycle words, such as watching for drift or adding alerts, and names no "
    "particular failure mode",
    "Names a particular failure mode the system could meet once it is live",
    "As 2, and says how it would be detected (the alert and its threshold) and what would be "
    "done (roll back, fall back to a simpler model)",
    "As 3, and does so for several failure modes, with thresholds or numbers and a safeguard "
    "that lasts",
)
"""The levels of post_launch_failures as RUBRIC.md reads design and technical answers: what a
score moved by the fitted model is worded from there (the criterion file words the incident)."""


@dataclass(frozen=True)
class FailureModes:
    """The failure modes an answer anticipates, as the sentences that tell them."""

    named: tuple[str, ...]
    handled: tuple[str, ...]
    """Those told with how they would be detected and what would be done."""
    sized: int
    """How many of the handled ones carry a threshold or a number."""


_HAPPENED = re.compile(
    r"\b(?:was|were|had|did|\w{3,}ed|found|saw|broke|went|came|got|took|caught|fell|rose)\b"
)
"""A verb that tells something as it happened (not "has to", "set", "split": those read as
present as often as past)."""
_CONDITIONAL = re.compile(r"\b(?:i'd|we'd|would|could|might|if|should|will|i'll|we'll)\b")


def incident_told(signals: Signals) -> bool:
    """Whether the answer tells a production problem as something that happened (in the past,
    with no "if" or "I'd"), not one it expects of a system still to be built."""
    return any(
        _HAPPENED.search(lower) and not _CONDITIONAL.search(lower)
        for lower in (event.span.lower() for event in signals.of("post_launch", "event"))
    )


def read_anticipated(view: View) -> Judgement:
    """Score the failure modes an answer anticipates, as RUBRIC.md reads design answers."""
    return _score(failure_modes(view))


def anticipated_evidence(view: View, level: int) -> tuple[str, ...]:
    """The sentences that earn ``level`` on the design reading: a failure mode named at 2,
    handled ones at 3 and 4; none at 0 or 1 (generic words are the incident reading's)."""
    modes = failure_modes(view)
    if level == 2:
        return modes.named[:2]
    return modes.handled[: level - 1] if level >= 3 else ()


def failure_modes(view: View) -> FailureModes:
    """The failure modes an answer names, and those it says how it would catch and handle."""
    named: list[str] = []
    handled: list[str] = []
    sized = 0
    sentences = [s for s in view.distinct_sentences if not s.listy]  # each said once
    announced_until = -1
    for position, sentence in enumerate(sentences):
        lower = sentence.text.lower()
        if _INTRO.search(lower):
            announced_until = position + INTRO_REACH
            if len(lower.split()) <= HEADING_WORDS:  # "Failure modes." announces, names none
                continue
            if _only_announces(lower) and position + 1 < len(sentences):
                continue  # "That's where I'd expect it to go wrong.": the next ones name them
        if position > announced_until and not _FAILURE.search(lower):
            continue
        said = view.sentence_signal(CRITERION, sentence).span  # as spoken, fillers in
        named.append(said)
        nearby = " ".join(s.text.lower() for s in sentences[position : position + 2])
        if _DETECT.search(nearby) and _ACT.search(nearby):
            handled.append(said)
            sized += bool(_NUMBER.search(nearby))
    return FailureModes(tuple(named), tuple(handled), sized)


def _only_announces(lower: str) -> bool:
    """Whether a sentence that announces failure modes stops there: no more than a few words
    after the announcement ("…go wrong is fairly predictable.", "The failures I'd plan for.")
    and no failure word in it."""
    *_, last = _INTRO.finditer(lower)
    after = re.findall(r"[a-z0-9']+", lower[last.end() :])
    return len(after) <= HEADING_WORDS and not _FAILURE.search(lower)


def _score(modes: FailureModes) -> Judgement:
    named, handled, sized = modes.named, modes.handled, modes.sized
    if len(handled) >= 2 and sized >= 1:
        return Judgement(
            4,
            handled[:3],
            "several anticipated failure modes, each with its detection and response, "
            "with thresholds",
            "",
        )
    if handled:
        return Judgement(
            3,
            handled[:2],
            "an anticipated failure mode with how it would be detected and what would be done",
            _to_reach_4(len(handled), sized),
        )
    if named:
        return Judgement(
            2,
            named[:2],
            "a specific failure mode named",
            "say how you would detect it (the alert and its threshold) and what you would do "
            "(roll back, fall back to a simpler model)",
        )
    return Judgement(0, (), "", "")


def _to_reach_4(handled: int, sized: int) -> str:
    """What a design answer at 3 still lacks: a second handled failure, a threshold, or both."""
    if handled >= 2:
        return (
            "put a number on when each would fire (its threshold) and name the safeguard "
            "that stays"
        )
    if sized:
        return "anticipate a second failure mode, with how you would catch it and what you would do"
    return (
        "anticipate a second failure mode, with the threshold that would fire and the "
        "safeguard that stays"
    )


ANTICIPATE = (
    "name a failure you would expect once it is live, how you would catch it (the alert and "
    "its threshold) and what you would do (roll back, fall back to a simpler model)"
)
"""What a design or technical answer with no failure in it is told to add: the question asks
for a system still to be built, so not a real incident."""


def with_anticipated(
    judgements: Mapping[str, Judgement], round_: str, view: View
) -> dict[str, Judgement]:
    """For design and technical rounds, post_launch_failures is the better of the incident
    reading and the anticipated-failure reading (on a tie, the one with quotes); other
    rounds are left as judged."""
    result = dict(judgements)
    current = result.get(CRITERION)
    if current is None or round_ not in DESIGN_ROUNDS:
        return result
    reading = read_anticipated(view)
    unquoted_tie = reading.score == current.score > 0 and not current.evidence
    if reading.score > current.score or unquoted_tie:
        result[CRITERION] = reading
    elif current.score <= 1:  # no incident told, none asked for: ask for a failure to expect
        result[CRITERION] = replace(current, missing=ANTICIPATE)
    return result
