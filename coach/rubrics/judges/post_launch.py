"""post_launch_failures: a production problem after launch, with its detection, cause, fix,
lasting change and impact."""

from __future__ import annotations

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signals


def judge_post_launch(signals: Signals) -> Judgement:
    events = signals.of("post_launch", "event")
    pre = signals.of("post_launch", "prelaunch_event")
    generic = signals.of("post_launch", "generic")
    parts = {
        name: signals.of("post_launch", name)
        for name in ("detection", "cause", "fix", "lasting", "impact")
    }
    if not events:
        if generic:
            return Judgement(
                1,
                quotes(generic, 2),
                "generic lifecycle words (monitoring, drift, alerts) with no event",
                "tell one real failure after launch: what broke, how you found out, what you "
                "changed",
            )
        return Judgement(
            0,
            (),
            "nothing about production after launch"
            + (" (the problem told was caught before launch)" if pre else ""),
            "tell what happened after launch: the online metric, what broke, what changed",
        )
    evidence = events[:1] + parts["detection"][:1] + parts["cause"][:1] + parts["fix"][:1]
    full = all(parts[name] for name in ("fix", "cause", "lasting", "impact"))
    if signals.checklist:
        return Judgement(
            2,
            quotes(events, 2),
            "a production problem listed as a checklist of steps, not a concrete event",
            "tell it as one event: when, the signal that caught it, the cause, the fix",
        )
    if full:
        return Judgement(
            4,
            quotes(evidence + parts["lasting"][:1] + parts["impact"][:1], 5),
            "an incident after launch with its cause, its cost in numbers and what changed "
            "for good",
            "",
        )
    if parts["fix"] and parts["detection"]:
        lacking = [
            label
            for label, name in (
                ("the root cause", "cause"),
                ("the impact in numbers", "impact"),
                ("the lasting change to the system or team", "lasting"),
            )
            if not parts[name]
        ]
        return Judgement(
            3,
            quotes(evidence),
            "a concrete incident in production, how you noticed it and what you fixed",
            "add " + ", ".join(lacking),
        )
    lacking = [
        label
        for label, name in (("how it was detected", "detection"), ("what you changed", "fix"))
        if not parts[name]
    ]
    return Judgement(
        2,
        quotes(events + parts["detection"] + parts["fix"], 3),
        "a specific production problem",
        "say " + " and ".join(lacking) + ", then the cause and its impact in numbers",
    )
