"""star_structure: the story's situation, task, action and a stated result, owned and
reflected on."""

from __future__ import annotations

from coach.rubrics.judgement import Judgement, quotes
from coach.rubrics.signals import Signal, Signals


def _one_sentence(situations: list[Signal], actions: list[Signal]) -> bool:
    """The only situation is one sentence, and every action sits inside it."""
    if len(situations) != 1:
        return False
    scene = situations[0]
    return all(scene.start <= a.start and a.end <= scene.end for a in actions)


def _stated(part: dict[str, list[Signal]]) -> list[Signal]:
    """The story's stated results; none when it ends on "it went fine" with no figure."""
    stated = part["result"] + part["measurable_result"]
    endings = sorted(stated + part["vague_result"], key=lambda s: s.start)
    if endings and not part["measurable_result"] and endings[-1].tag == "vague_result":
        return []
    return stated


def result_told(signals: Signals) -> str:
    """How the story's result is told, as the judge reads it: "measurable", "stated",
    "vague" or "none"."""
    part = signals.star_by_tag()
    if _stated(part):
        return "measurable" if part["measurable_result"] else "stated"
    return "vague" if part["vague_result"] else "none"


def judge_star(signals: Signals) -> Judgement:
    part = signals.star_by_tag()
    situation, action = bool(part["situation"]), bool(part["action"])
    if situation and action and _one_sentence(part["situation"], part["action"]):
        situation = False  # "we had a model that did worse and we fixed it": one line, no scene
    stated = _stated(part)
    owned = len({s.tag for s in signals.ownership}) >= 2
    if not situation and not action:
        return Judgement(
            0, (), "no story: opinions or general statements", "tell one specific time it happened"
        )
    if not (situation and action):
        have = "a situation" if situation else "an action"
        return Judgement(
            1,
            quotes(part["situation"] + part["action"], 2),
            f"a fragment: only {have}",
            "tell the whole story: the situation, your task, what you did, and the result",
        )
    core = part["situation"][:1] + part["task"][:1] + part["action"][:1]
    if not stated:
        return Judgement(
            2,
            quotes(core + part["vague_result"][:1]),
            "situation and action, "
            + ("but a vague result" if part["vague_result"] else "but no result"),
            "end with a measurable result ('conversion went from 4% to 6% over the quarter')",
        )
    full = part["measurable_result"] and part["task"] and part["reflection"] and owned
    if full:
        return Judgement(
            4,
            quotes(core + part["measurable_result"][:1] + part["reflection"][:1], 5),
            "all four parts, a measurable result, your own decisions and a reflection",
            "",
        )
    lacking = [
        label
        for label, ok in (
            ("a measurable result", bool(part["measurable_result"])),
            ("your explicit task", bool(part["task"])),
            ("what you learned or changed afterwards", bool(part["reflection"])),
            ("what you personally decided", owned),
        )
        if not ok
    ]
    return Judgement(
        3,
        quotes(core + stated[:1]),
        "a story with a stated result",
        "add " + ", ".join(lacking),
    )
