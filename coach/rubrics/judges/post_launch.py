"""post_launch_failures: a production problem after launch, with its detection, cause, fix,
lasting change and impact."""

from __future__ import annotations

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals

PARTS = ("detection", "cause", "fix", "lasting", "impact")
"""What an incident told after launch is made of, besides the event itself."""


def _told(signals: Signals) -> dict[str, list[Signal]]:
    """The events, the generic lifecycle words and each part of the first event (a detection
    told with the event or after it first: the sentence before may only set the scene)."""
    told = {name: signals.of("post_launch", name) for name in PARTS}
    told["event"] = signals.of("post_launch", "event")
    told["generic"] = signals.of("post_launch", "generic")
    if told["event"]:  # a detection in the event's sentence or after it is the one quoted
        event = told["event"][0].start
        told["detection"].sort(key=lambda s: (s.start < event, s.start))
    return told


def incident_evidence(signals: Signals, level: int) -> tuple[str, ...]:
    """The sentences that earn ``level`` on the incident reading, from what was told: the
    lifecycle words at 1, the problem at 2, then how it was caught, why and what was fixed,
    and at 4 the lasting change and the cost. Nothing at 0, and nothing when the answer holds
    nothing of the kind."""
    return _quotes_at(_told(signals), level)


_FOR_4 = (
    ("the root cause", "cause"),
    ("the impact in numbers", "impact"),
    ("the lasting change to the system or team", "lasting"),
)
"""What a 4 adds to a 3, each with the part of the told incident that holds it."""
_FOR_3 = (("how it was detected", "detection"), ("what you changed", "fix"))
"""What a 3 adds to a 2, each with the part of the told incident that holds it."""


def _untold(told: dict[str, list[Signal]], parts: tuple[tuple[str, str], ...]) -> list[str]:
    """The labels of ``parts`` the answer did not tell."""
    return [label for label, name in parts if not told[name]]


def incident_missing(signals: Signals, level: int) -> str:
    """What an answer scored ``level`` from the whole of it (not from its parts) still lacks
    for the level above, in the parts it told: at 3, those of a 4 it does not tell, or, when
    it tells them all, the detection and fix the rules did not find. Empty when nothing
    particular is lacking."""
    if level != 3:
        return ""
    told = _told(signals)
    lacking = _untold(told, _FOR_4)
    if lacking:
        return "add " + ", ".join(lacking)
    unfound = _untold(told, _FOR_3)
    return "say plainly " + " and ".join(unfound) if unfound else ""


def _quotes_at(told: dict[str, list[Signal]], level: int) -> tuple[str, ...]:
    if level <= 0:
        return ()
    if level == 1:  # lifecycle words, not the event itself (a level lowered from 2 or more)
        events = {event.sentence for event in told["event"]}
        return quotes([g for g in told["generic"] if g.sentence not in events], 2)
    if level == 2:
        return quotes(told["event"], 2)
    parts = told["event"][:1] + told["detection"][:1] + told["cause"][:1] + told["fix"][:1]
    if level == 3:
        return quotes(parts)
    return quotes(parts + told["lasting"][:1] + told["impact"][:1], 5)


def judge_post_launch(signals: Signals) -> Judgement:
    told = _told(signals)
    caught_before = bool(signals.of("post_launch", "prelaunch_event"))
    if not told["event"]:
        if told["generic"]:
            return Judgement(
                1,
                _quotes_at(told, 1),
                "generic lifecycle words (monitoring, drift, alerts) with no event",
                "tell one real failure after launch: what broke, how you found out, what you "
                "changed",
            )
        return Judgement(
            0,
            (),
            "nothing about production after launch"
            + (" (the problem told was caught before launch)" if caught_before else ""),
            "tell what happened after launch: the online metric, what broke, what changed",
        )
    if signals.checklist:
        return Judgement(
            2,
            _quotes_at(told, 2),
            "a production problem listed as a checklist of steps, not a concrete event",
            "tell it as one event: when, the signal that caught it, the cause, the fix",
        )
    if all(told[name] for name in ("fix", "cause", "lasting", "impact")):
        return Judgement(
            4,
            _quotes_at(told, 4),
            "an incident after launch with its cause, its cost in numbers and what changed "
            "for good",
            "",
        )
    if told["fix"] and told["detection"]:
        return Judgement(
            3,
            _quotes_at(told, 3),
            "a concrete incident in production, how you noticed it and what you fixed",
            "add " + ", ".join(_untold(told, _FOR_4)),
        )
    return Judgement(
        2,
        _quotes_at(told, 2),
        "a specific production problem",
        "say " + " and ".join(_untold(told, _FOR_3)) + ", then the cause and its impact in numbers",
    )
