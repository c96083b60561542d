"""A story's STAR parts and the speaker's own decisions.

Tags of ``star``: ``situation``, ``task``, ``action``, ``result``, ``measurable_result``,
``vague_result``, ``reflection``. ``ownership`` signals are first-person decisions and
actions, tagged with the phrase ("i decided").
"""

from __future__ import annotations

import re

from coach.rubrics.signals.numbers import weight_of
from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.text import Sentence, View, substantive

STAR_TAGS = (
    "situation", "task", "action", "result", "measurable_result", "vague_result", "reflection",
)
"""The tags a story's STAR signals carry."""

PAST = re.compile(
    r"\b(?:was|were|had|did|didn't|wasn't|weren't|\w{3,}ed|built|ran|wrote|led|took|made|got|went|"
    r"sat|spent|saw|found|shipped|came|kept|told|brought|chose|began|gave|knew|met|set|put|split|"
    r"cut|sent|caught|won|lost|fell|rose|broke|drove|grew|dug|thought|sought|held|left|owned|"
    r"felt|became|said|meant|paid|sold|heard|stood|understood)\b"
)
"""A verb in the past tense: the sentence tells what happened."""
OPINION = re.compile(
    r"^\W*(?:(?:so|well|and|honestly),? )?(?:i think|i believe)\b|\b(?:in my opinion|i feel"
    r"|i always|i want|i'd like|i'd want|is key|"
    r"i care about|i try to|i make sure|good \w+ (?:listen|give)|i keep|i usually|i tend to|"
    r"that's an example|it's (?:really |very )?important|you need to|you should)\b"
)
"""A sentence giving a view or a habit, not telling what happened: no part of a story, no
outcome, no partner or data of the answer's own."""
_SETTING = re.compile(
    r"\b(?:our|my|at (?:a|an|my|our)|when i was|we were|there was|we had|last (?:year|quarter)|"
    r"ago|in my (?:first|last|previous))\b"
)
_TASK = re.compile(
    r"\b(?:my (?:task|job|role|goal|responsibility|concern|worry|mandate|brief)(?: as [\w ]{1,20})?"
    r" (?:was|is)|i took (?:the|this|that|it) (?:\w+ )?(?:myself|on)|i (?:\w+ and )?(?:led|owned)|"
    r"i was (?:responsible|asked|tasked|the|on-?call|tech lead)|i had to|i needed to|i owned|"
    r"i led|i was the|the goal was|the task was|as (?:the )?[\w-]+ lead"
    r"|i took (?:it|this|that) on|i (?:coordinated|ran|drove|managed) (?:the|our) (?:response"
    r"|incident|effort|project|migration|rollout|launch))\b"
)
_STATED_TASK = re.compile(
    r"\b(?:my (?:task|job|goal|responsibility|mandate|brief) (?:was|is)|the (?:task|goal) was|"
    r"i was (?:asked|tasked) to)\b"
)
"""A sentence that says outright what the speaker had to do: the Task, never the Situation."""
ACTION = re.compile(
    r"\b(?:i|we)\b(?: \w+ly| just| then| also| first| quickly)?(?:,)? (?!learned|realized|realised|"
    r"felt|enjoyed|liked|loved|believed|hoped|wanted|needed)(?:(?:\w+-)?\w{3,}ed|(?:re)?built|(?:re)?ran"
    r"|(?:re)?wrote|(?:re)?did|led|took|made|got|went|sat|spent|saw|found|shipped|kept|told"
    r"|brought|chose|began|gave|set|put|split|cut|sent|caught|dug|held|drove|rolled|owned"
    r"|proposed|decided|moved)\b"
)
"""Someone ("i", "we") doing something in the past: an action told."""
_GENERIC_OBJECT = re.compile(
    r" (?:a lot\b|lots\b|a bunch\b|things\b|stuff\b|everything\b"
    r"|(?:many|several|various|different|some|a few|a couple of|all kinds of) (?:\w+ )?"
    r"(?:things|approaches|experiments|changes|ideas|options|methods|iterations|tweaks"
    r"|improvements|stuff|work)\b)"
)
_VAGUE_DEED = re.compile(
    r"\b(?:did|fixed|handled|improved|solved|sorted|worked|dealt)$"
)
_ANY_OBJECT = re.compile(r" (?:on |with )?(?:it|that|this|the (?:project|problem|issues?))\b")
"""What follows a verb that tells nothing in particular was done: "we did a lot of
experiments", "we tried different things", "I worked on the project", "we improved things"."""


def specific_actions(text: str) -> int:
    """How many things done the text tells, each with what was done ("we retrained the ranker
    on fresh clicks"), not only that something was ("we did a lot of experiments")."""
    lower = text.lower()
    return sum(not _generic(lower, match) for match in ACTION.finditer(lower))


def _generic(lower: str, action: re.Match[str]) -> bool:
    if _GENERIC_OBJECT.match(lower, action.end()):
        return True
    vague_verb = _VAGUE_DEED.search(action.group()) is not None
    return vague_verb and _ANY_OBJECT.match(lower, action.end()) is not None


_RESULT = re.compile(
    r"\b(?:result(?:ed)?|as a result|in the end|by the end|ended up|outcome|after that|afterwards|"
    r"since then|went (?:up|down|from)|came (?:down|back)|(?:brought|was|were|is|are|got) (?:\w+ )?"
    r"(?:back|down|up)|dropped|rose|increased|decreased|improved|reduced|saved|got (?:merged"
    r"|shipped|"
    r"approved|adopted)|shipped|launched|rolled (?:it )?out|lift|gain|showed|\w+ later|merged|"
    r"agreed|adopted|started using|(?:is|was|are|were) still (?:used|running|in production)|"
    r"went live|became the default|(?:up|down) from|returned to|recovered|"
    r"back to (?:baseline|normal)|doubled|tripled|stabili[sz]ed|no longer|"
    # a figure kept where it was wanted: "recall held within a point over six months"
    r"(?:held|stayed) (?:steady|flat|within|under|below|above))\b"
)
_RESULT_FIRST = re.compile(
    r"^\W*(?:\w+,? )?(?:the (?:end )?result|the short version|long story short|the bottom line)\b"
)
"""A story told from its end announces its result before any action ("So the end result was
we recovered 6% of clicks")."""
_CONSEQUENCE = re.compile(
    r"\b(?:which|and that|that) (?:\w+ )?(?:brought|cut|reduced|improved|increased|dropped|saved|"
    r"pushed|got|took|raised|lowered|halved|doubled)\b"
)
_VAGUE_RESULT = re.compile(
    r"\b(?:went (?:well|fine|great|pretty well|ok(?:ay)?|smoothly)|(?:were|was) (?:really |very )?"
    r"(?:happy|pleased|satisfied)|(?:things|it) (?:were|was) (?:a lot |much )?(?:better|fine|good)|"
    r"was a success|did better|worked out|dealing with it|sorted it out|worked it out|got it done|"
    r"(?:things|everything|it|stuff|all) (?:went|got|came|was|were) (?:\w+ )?back to normal|"
    r"everyone was|(?:it's|it has|it's been|been) working out|(?:it|things) (?:was|were) (?:\w+ )?"
    r"(?:okay|ok|alright|all right)|(?:seem|seems|seemed) (?:\w+ )?(?:happier|happy|better|fine)|"
    r"(?:improved|helped|changed|fixed) (?:things|stuff|everything|a lot)(?! (?:by|from|to)\b)|"
    r"(?:results?|numbers|metrics) (?:were|was) (?:\w+ )?(?:good|great|positive|solid|strong))\b"
)
_REFLECTION = re.compile(
    r"\b(?:i learned|what i learned|lessons?|looking back|in hindsight|do differently"
    r"|i should have|"
    r"next time|since then|now i always|i now|we now|what i took|took away|takeaway|i realized|"
    r"i realised|i'?ve since|lasting|going forward|from then on|ever since|"
    r"made (?:\w+ ){1,6}(?:mandatory|standard|a requirement|the default)|"
    r"to (?:stop|keep) (?:it|this|that) (?:from )?(?:recurring|happening again)|"
    r"so (?:it|this|that) (?:can't|couldn't|won't|wouldn't|never) happen(?:s|ed)? again)\b"
)
_OWNERSHIP = re.compile(
    r"\bi(?:'ve)? (?:also |then |first |quickly |personally )?"
    r"(?:decided|owned|led|proposed|chose|pushed|drove|took|made (?:the|that|this) call"
    r"|insisted|convinced|"
    r"designed|built|wrote|rolled|dug|found|noticed|brought|set up|added|changed|ran)\b"
)


def find_star(view: View, quantities: list[Signal]) -> tuple[list[Signal], list[Signal]]:
    """The story's STAR parts, and the speaker's own decisions and actions."""
    star: list[Signal] = []
    ownership: list[Signal] = []
    strong = [q for q in quantities if weight_of(q) == 1.0]
    first_action: int | None = None
    for position, sentence in enumerate(view.sentences):
        lower = sentence.text.lower()
        if sentence.listy:
            continue
        opinion = OPINION.search(lower) is not None
        hypothetical = re.match(r"\s*(?:i'd|we'd|i would|we would|you)\b", lower) is not None
        past = PAST.search(lower) is not None and not hypothetical
        if (
            past
            and not opinion
            and position < 3
            and not _VAGUE_RESULT.search(lower)
            and not _STATED_TASK.search(lower)
            and (_SETTING.search(lower) or not re.match(r"\s*(?:so,? )?(?:i|we) \w+", lower))
        ):
            star.append(view.sentence_signal("star", sentence, "situation"))
        task = _TASK.search(lower)
        if task and not opinion:
            star.append(
                view.sentence_signal("star", sentence, "task", sentence.start + task.start())
            )
        action = ACTION.search(lower)
        if action and past and not opinion and not view.checklist:
            star.append(
                view.sentence_signal("star", sentence, "action", sentence.start + action.start())
            )
            first_action = position if first_action is None else first_action
        for match in _OWNERSHIP.finditer(lower):
            if not opinion:
                ownership.append(
                    view.signal(
                        "ownership",
                        sentence.start + match.start(),
                        sentence.start + match.end(),
                        match.group(),
                    )
                )
        consequence = _CONSEQUENCE.search(lower) if action else None
        told_first = _RESULT_FIRST.search(lower) is not None
        after_action = first_action is not None and position > first_action
        then = _THEN.search(lower, action.end()) if action and past and not opinion else None
        if (after_action or told_first) and not opinion or consequence or then:
            told = _told_result(view, sentence, consequence, quantities, strong)
            if told is not None:
                tag, at = told
                star.append(view.sentence_signal("star", sentence, tag, sentence.start + at))
        reflection = _REFLECTION.search(lower)
        if reflection and first_action is not None:
            star.append(
                view.sentence_signal(
                    "star", sentence, "reflection", sentence.start + reflection.start()
                )
            )
    return star, ownership


_THEN = re.compile(
    r"(?:, and|, so|;|\band then|\band so)\s+(?:after that|afterwards|since then|in the end"
    r"|by the end|as a result|from then on)\b"
)
"""A result told in the action's own sentence, after it: "so I built a weekly pipeline, and
after that the model stopped decaying"."""


def _told_result(
    view: View,
    sentence: Sentence,
    consequence: re.Match[str] | None,
    quantities: list[Signal],
    strong: list[Signal],
) -> tuple[str, int] | None:
    """How a sentence after the story's action tells its result, and where: a measured
    figure that moved is a measurable result even beside a vague word ("p95 was down to 1.2
    seconds, and the demo went smoothly"); otherwise a vague word makes it vague."""
    lower = sentence.text.lower()
    told = consequence or _RESULT.search(lower)
    result = told.start() if told else _moved(view, sentence, quantities)
    measurable = any(view.in_sentence(q, sentence) for q in strong)
    if result is not None and measurable:
        return "measurable_result", result
    vague = _VAGUE_RESULT.search(lower)
    if vague:
        return "vague_result", vague.start()
    return None if result is None else ("result", result)


def _moved(view: View, sentence: Sentence, quantities: list[Signal]) -> int | None:
    """Where the sentence tells a figure that moved ("we cut the false-decline rate from 4% to
    0.6%"): after the story's first action, a result whatever verb tells it."""
    for quantity in quantities:
        if quantity.tag == "delta" and view.in_sentence(quantity, sentence):
            return view.clean_pos(quantity.start) - sentence.start
    return None


# ---------------------------------------------------------------- the parts a story tells

PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Situation", ("situation",)),
    ("Task", ("task",)),
    ("Action", ("action",)),
    ("Result", ("measurable_result", "result")),
    ("Reflection", ("reflection",)),
)
_FAILURE = re.compile(
    r"\b(?:broke|broken|failed|failing|fails|outage|crash\w*|went wrong|incident|bug|"
    r"tanked|regress\w*|degraded|mistake)\b"
)


def choose_star_parts(star: list[Signal], post_launch: list[Signal]) -> dict[str, Signal | None]:
    """Each STAR part's sentence (None when the story does not tell it), from a story's
    ``star`` and ``post_launch`` signals: each part a different sentence that stands on its
    own (not a bare "Because of how we sampled."), each after the one before, so the quotes
    read as the story was told; the Result is the outcome (a measurable one first), never
    the sentence that tells what went wrong. Read it as ``Signals.star_told``, which chooses
    them once per answer."""
    chosen: dict[str, Signal | None] = {}
    after = -1
    for label, details in PARTS:
        candidates = [
            s for s in star if s.tag in details and s.start > after and not _fragment(s.span)
        ]
        if label == "Result":
            candidates = _outcomes(candidates, post_launch)
        if label == "Situation":
            candidates = _scenes(candidates, star)
        part = candidates[0] if candidates else None
        chosen[label] = part
        if part is not None:
            after = part.end - 1
    return chosen


def _scenes(candidates: list[Signal], star: list[Signal]) -> list[Signal]:
    """Situation candidates, those that set a scene first: not a result told first ("The short
    version is that we cut the false-decline rate from 4% to 0.6%", "So the result was, we
    reverted"), whose scene comes in the sentence after, nor a topic only named ("There was
    some drift.", "It was pretty large."), which the next sentence tells."""
    results = {(s.start, s.end) for s in star if s.tag == "measurable_result"}
    starts = {s.start for s in candidates}
    return sorted(
        candidates,
        key=lambda s: (
            (s.start, s.end) in results or _RESULT_FIRST.search(s.span.lower()) is not None,
            _topic_only(s.span) and any(s.end < at <= s.end + 2 for at in starts),
        ),
    )


SCENE_WORDS = 3
"""Content words a sentence needs, after its opening "yeah, so", to set a story's scene rather
than name its topic; one with fewer gives way to a scene told in the very next sentence."""
_OPENING = re.compile(
    r"^\W*(?:(?:sure|yeah|yes|okay|ok|right|well|so|fair|honestly|and|um|uh)\b\W*)+"
)


def _topic_only(span: str) -> bool:
    return not substantive(_OPENING.sub("", span.lower()), SCENE_WORDS)


_DEPENDENT = re.compile(r"\s*(?:because|since|which|although|though|as|so that|unless|whereas)\b")
TOO_SHORT = 4
"""A sentence this short ("What happened was...") tells no part of a story on its own."""
FRAGMENT_WORDS = 8
"""A dependent clause this short standing as a sentence ("Because of how we sampled.") says
nothing on its own."""


def _fragment(span: str) -> bool:
    words = len(span.split())
    return words < TOO_SHORT or bool(_DEPENDENT.match(span.lower())) and words < FRAGMENT_WORDS


def _outcomes(candidates: list[Signal], post_launch: list[Signal]) -> list[Signal]:
    """Result candidates that tell an outcome, measurable ones first, then those told as having
    happened, in story order. A sentence telling a problem after launch is not one, unless it
    also tells the fix."""
    fixes = {(s.start, s.end) for s in post_launch if s.tag == "fix"}
    events = {(s.start, s.end) for s in post_launch if s.tag == "event"} - fixes
    kept = [
        s
        for s in candidates
        if (s.start, s.end) not in events and not _FAILURE.search(s.span.lower())
    ]
    planned = {s.start for s in kept if _PLANNED.search(s.span.lower())}
    return sorted(kept, key=lambda s: (s.tag != "measurable_result", s.start in planned, s.start))


_PLANNED = re.compile(r"\b(?:i'd|we'd|would|will|i'll|we'll|going to)\b")
"""A result told as a plan ("what we agreed was we'd shadow it for a week") comes after those
told as having happened."""
