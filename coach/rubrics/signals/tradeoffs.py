"""Trade-offs: a choice between named alternatives, what it cost and why.

Tags: ``choice``, ``decision`` (chosen, no alternative or reason), ``reason``, ``loss``,
``loss_quantified``, ``compromise``, ``negated``, ``generic``, ``options``, ``change``.

A trade-off is told across a few sentences: the choice ("we went with X instead of Y"),
the cost, often in a sentence of its own ("the catch was...", "it meant we..."), and the
reason ("because", "to stay under", "we couldn't afford"). Each sentence is tagged with
what it says; the tags then combine within ``WINDOW`` sentences either side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.rubrics.signals.numbers import weight_of
from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.star import ACTION, PAST
from coach.rubrics.signals.text import WINDOW, Sentence, View, substantive

_CLAUSE_CHARS = r"(?:[^.;!?]|\.(?=\d))"
_FIRST_PERSON = r"\b(?:i|we|i'd|we'd|i'll|we'll|i'm|we're|my|our|us|me)\b"
_SUBJECT = (
    r"\b(?:i|we)(?:'d|'ll| would| will| had to| have to| ended up)?"
    r"(?: (?:\w+ly|just|also|then|eventually|finally|basically|really|simply|kind of|sort of))"
    r"{0,3}"
)
_DECIDE_WORDS = (
    r"chose|choose|choosing|pick|picked|picking|went with|go with|going with|opted|opt|"
    r"decided|decide|prefer|preferred|use|used|start with|started with|stay on|stayed on|"
    r"stick with|stuck with|kept|keep|reach for|proposed|recommend|recommended|settled on|"
    r"settle on|landed on|page on|went for|take|took|optimi[sz]ed|optimi[sz]e|do|run|retrain|"
    r"serve|go|built|build|ship|shipped"
)
_DECIDE_VERB = f"(?:{_DECIDE_WORDS})"
_PICK = _SUBJECT + r" " + _DECIDE_VERB + r"\b"
"""A first-person decision verb ("we went with", "I'd pick")."""
_DECIDING = _PICK + _CLAUSE_CHARS
"""A first-person decision and the clause after it, up to a quantifier (``{1,80}``)."""
_CHOICE = [
    re.compile(
        r"\b(?:chose|choose|pick|picked|prefer|preferred|went with|go with|favou?r|favou?red"
        r"|opted for|settled on|take|kept|keep)\b" + _CLAUSE_CHARS + r"{1,60}\bover\b"
        r"(?! time\b| (?:the|a|an) (?:years?|months?|weeks?|days?|course|period|past|next|last)\b"
        r"| and\b)"
    ),
    re.compile(
        rf"\b{_DECIDE_VERB}\b{_CLAUSE_CHARS}{{0,80}}\b(?:instead of|rather than|in favou?r of"
        rf"|as opposed to|instead)\b"
    ),
    re.compile(
        r"\b(?:i|we)(?:'d| would| will)? \w+\b"
        + _CLAUSE_CHARS
        + r"{0,100}\b(?:rather than|instead of)\b"
    ),
    re.compile(
        r"\b(?:instead of|rather than)\b" + _CLAUSE_CHARS + r"{1,60}\b(?:i|we)(?:'d| would| will)?"
        r"\s+" + _DECIDE_VERB
    ),
    re.compile(r"\b(?:i'd|we'd|i would|we would) rather\b" + _CLAUSE_CHARS + r"{1,80}\bthan\b"),
    re.compile(
        r"\b(?:decided|chose|choose|decide) not to\b|\bdecide whether\b"
        r"|\bwhether to\b[^.]{1,80}\bor\b"
    ),
    re.compile(
        r"\b(?:tried|compared|tested|benchmarked|evaluated|prototyped)\b[^.]{1,80}\b(?:went with"
        r"|chose|picked|dropped|won|settled on|kept|opted for)\b"
    ),
    re.compile(r"\bconsidered\b[^.]{1,60}\bbut\b"),
    re.compile(
        r"(?:" + _SUBJECT + r"|\bby|\bafter|\bthen) switch(?:ed|ing)? (?:\w+ ){0,4}?(?:from|to)\b"
    ),
    re.compile(
        r"\b(?:i|we) (?:wouldn't|would not|won't|don't|didn't)\b[^!?]{1,200}\b(?:i'd|we'd|i would"
        r"|so i|instead)\b"
    ),
    re.compile(r"\b(?:i|we)(?:'d| would)? (?:\w+ )?(?:\w+ )?over\b[^.]{1,40}\bbecause\b"),
    # a path taken on purpose: "I deliberately kept business metrics out of the rollback"
    re.compile(
        r"\b(?:i|we)\b" + _CLAUSE_CHARS + r"{0,40}\b(?:deliberately|intentionally|consciously"
        r"|purposely|on purpose)\b"
    ),
    # a rejected alternative: "we passed on fine-tuning", "I ruled out a GPU ranker"
    re.compile(
        _SUBJECT + r" (?:passed on|passed over|ruled out|said no to|turned down|walked away from"
        r"|skipped|shelved|dropped|decided against|steered away from|held off on)"
        r" (?!to\b|from\b|by\b|off\b|down\b|in\b|it\b|\d|(?:about|around|roughly|almost|over)\b)"
    ),
    # a counterfactual alternative: "we could've patched it instead, but I rolled back"
    re.compile(
        r"\b(?:i|we) (?:could(?:'ve| have)|might(?:'ve| have)) (?:\w+ )?\w+\b"
        + _CLAUSE_CHARS
        + r"{1,80}\b(?:instead|but (?:i|we))\b"
    ),
    # an action taken in place of another: "instead of handing her the answer, I set up..."
    re.compile(
        r"\binstead of \w+ing\b"
        + _CLAUSE_CHARS
        + r"{1,60}\b(?:i|we) (?:\w+ly )?(?:\w{3,}ed|built|ran|wrote|took|made|got|went|spent|kept"
        r"|set|put|chose|gave|brought|sent|told|held|drove|did|sat)\b"
    ),
    # the alternative kept for a condition: "I'd stay on X and only reach for Y when..."
    re.compile(
        r"\bonly (?:reach for|use|switch to|move to|go to|bring in|pay for|fall back to)\b"
        + _CLAUSE_CHARS
        + r"{1,60}\b(?:when|if|once|for)\b"
    ),
    # the alternative kept for later: "I'd move to FSDP once the model doesn't fit with DDP"
    re.compile(
        r"\b(?:i|we)(?:'d| would| will|'ll) (?:only )?(?:move|switch|upgrade|graduate|escalate)"
        r" to\b" + _CLAUSE_CHARS + r"{1,40}\b(?:once|when|if|until)\b"
    ),
    # a pick whose reason compares it with the alternative: "I'd use a cross-encoder because
    # it ranks better than keyword matching"
    re.compile(
        _DECIDING
        + r"{1,120}\b(?:because|since)\b"
        + _CLAUSE_CHARS
        + r"{1,80}\b(?:\w+er|more \w+|less \w+) than\b"
    ),
    # a decision weighed against a named alternative: "we went with X versus Y"
    re.compile(_DECIDING + r"{1,80}\b(?:versus|vs\.?|compared (?:to|with)|and not|but not|not)\b"),
]
_DECIDED = re.compile(
    _SUBJECT + r" (?:went with|go with|going with|settled on|settle on|opted for|opted to|"
    r"opt for|chose|choose|picked|pick|decided on|made the call|went for|bet on|landed on|"
    r"stuck with|ended up (?:with|going with|using|picking|choosing)|standardi[sz]ed on"
    r"|stay(?:ed)? (?:on|with)|stick with|kept using|keep using)\b"
    r"|\b(?:our|my|the) (?:choice|call|decision|pick) (?:was|is)\b"
)
_FOREGONE = re.compile(
    r"\b(?:might|could|would|may)\b(?P<upside>"
    + _CLAUSE_CHARS
    + r"{1,80}?)\bbut\b"
    + _CLAUSE_CHARS
    + r"{1,100}?\bso,? (?:(?:yeah|yes|okay|ok|well|anyway|honestly|overall),? )?"
    + _SUBJECT
    + r" (?:\w+ )?"
    + f"(?:{_DECIDE_WORDS}|lean to|lean towards?)"
    + r"\b"
)
"""An alternative turned down for a constraint, its upside given up: "a deep ranker might add
some quality, but it wouldn't fit the budget, so I'd take the simpler ranker"."""
_SUBJECTLESS_CHOICE = re.compile(
    r"^\W*(?:(?:so|and|then)\W+)?(?:chose|picked|went with|opted for|settled on|decided on)\b"
)
"""A terse first-person decision with the subject dropped: "Chose X over Y." """
_TENTATIVE = re.compile(_SUBJECT + r" (?:start with|go for|lean towards?|default to)\b")
"""A pick that only counts as a choice when options were just listed."""
_CONDITIONAL = re.compile(
    r"\bif\b[^.;]{3,120},\s*(?:then )?(?:you|i|we|i'd|we'd|you'd)(?: \w+)? (?:optimi[sz]e|go for"
    r"|go with|pick|choose|use|prefer|favou?r|want|reach for|lean on)\b"
)
"""One branch of a choice by condition: "if misses are costly, you optimise recall"."""
_TWO_WAYS = re.compile(
    r"\bbetween (?:the |these |those )?two\b|\b(?:had|have|saw|laid out|were|are) (?:\w+ )?two "
    r"(?:\w+ )?(?:options|candidates|models|approaches|paths|designs|choices|alternatives"
    r"|architectures|versions)\b|\btwo (?:candidate|competing|rival)\b"
)
"""Two alternatives set side by side ("I had to pick between two credit risk models", "we had
two ranking models that were within 0.2 points"): the pick told later chooses between them."""
_PICKED = re.compile(_PICK)
"""A first-person pick, read as a choice after two alternatives were set out."""
_CHANGE = re.compile(
    _SUBJECT
    + r"(?: \w+)? (?:moved|changed|migrated|replaced|went from|switched)\b"
    + _CLAUSE_CHARS
    + r"{1,60}\b(?:from|to|with)\b"
)
_REASON = re.compile(
    r"\b(?:because|'cause|since(?! then| launch| (?:19|20)\d\d| the (?:launch|incident))"
    r"|given (?:the|that|our|how|a|an|we|it)|so that|in order to|"
    r"to (?:stay|keep|fit|hit|meet|get|remain|be) (?:\w+ )?(?:under|within|inside|below|in|on)\b|"
    r"to (?:keep|protect|save|avoid|hit|meet|fit)\b|"
    r"the (?:budget|constraint|deadline|requirement|limit|sla|bottleneck|priority) (?:was|is|were"
    r"|being|of)|(?:couldn't|could not|can't|cannot|didn't|did not|wouldn't) (?:\w+ )?afford|"
    r"(?:had|needed|have|need) to (?:stay|fit|hit|keep|ship|meet|be|get)|(?:which|that's|that is)"
    r" why|mattered (?:more|most)|(?:non|not)-?negotiable|wasn't negotiable|the reason|"
    r"the point was|for (?:latency|cost|speed|simplicity|reliability|privacy|safety) reasons|"
    r"cause (?:it|we|i|they|the|that|there|he|she|you|of))\b"
)
_LOSS = [
    re.compile(r"\b(?:gave|give|giving|given) up\b"),
    re.compile(r"\bat the (?:cost|expense|price) of\b"),
    re.compile(
        r"\bthe (?:cost|price|penalty|hit|catch|downside|drawback|trade-?off|sacrifice|flip ?side)"
        r"(?: of(?: \w+){1,5}?)? (?:is|was|being|here is|there is|there was|would be|we paid"
        r"|we took)\b"
        r"|\bthe (?:catch|downside|drawback|flip ?side)\b"
    ),
    re.compile(
        r"\bwhat (?:we|i|you) (?:lost|lose|gave up|give up|sacrificed|sacrifice|paid|pay|traded"
        r" away|didn't get|couldn't do)\b|\bthe price (?:we|i|you) (?:pay|paid)\b"
    ),
    re.compile(r"\b(?:left|leave|leaving) (?:\w+ ){0,5}on the table\b"),
    re.compile(
        r"\b(?:which|it|that|this) costs?\b(?!\s+(?:us\b|about\b|around\b|roughly\b|\$|\d))"
    ),
    re.compile(
        r"\bthe (?:main |big |real |one )?trade-?off (?:we|i) (?:made|took|accepted|picked|chose)\b"
        r"|\btrade-?off (?:was|is) that\b|\b(?:we|i) traded off\b"
    ),
    re.compile(r"\btrad(?:e|ed|ing)\b(?! ?-?offs?\b)" + _CLAUSE_CHARS + r"{1,50}\bfor\b"),
    re.compile(r"\bsacrific\w*"),
    re.compile(r"\bworth (?:it|the (?:cost|price|hit|trade))\b"),
    re.compile(
        rf"(?:{_FIRST_PERSON}{_CLAUSE_CHARS}{{0,150}}|which i )\baccept(?:s|ed|ing)?\b"
        r"|,\s*accepting (?:that|the|a|an|some|slower|lower|higher|less|more)\b"
    ),
    re.compile(
        r"\b(?:take|took|taking) (?:that|the|a|this) (?:[\w.-]+ )?(?:loss|hit)\b"
        r"|\b(?:quality|accuracy|recall|precision|latency|freshness) hit\b"
    ),
    re.compile(
        r"\bcut(?:ting)? scope\b|\b(?:i|we)\b" + _CLAUSE_CHARS + r"{0,30}\bdropped (?:the|a|an"
        r"|our|some)\b"
    ),
    # scope given up: "so I cut it and used a flag", "we only launched English"
    re.compile(
        r"\b(?:i|we)(?: just| then)? (?:cut|descoped|de-scoped|deferred|postponed)\b(?!"
        + _CLAUSE_CHARS
        + r"{0,60}\b(?:by|from|to|in half|down|back)\b)"
    ),
    re.compile(r"\b(?:i|we)(?: just)? only (?:launched|shipped|released|supported)\b"),
    re.compile(r"\bin (?:exchange|return)\b"),
    # a design's consequence, told in the present: "it fixed skew, but it means any new feature
    # needs six weeks of logs" (in the past, "but it meant" tells a problem's effect)
    re.compile(r"\bbut (?:it|that|this) (?:means|would mean)\b"),
    re.compile(
        r"\b(?:meant|means|would mean|would have meant) (?:\w+ )?(?:losing|giving up|sacrificing"
        r"|accepting|dropping|paying|eating|living with|taking (?:a|the) hit|trading)\b"
    ),
    re.compile(
        r"\b(?:we|i) (?:ate|eat|absorbed|absorb|swallowed|lived with|live with|tolerated"
        r"|paid for it|paid with|paid (?:a|the|some))\b"
    ),
]
_COST_US = re.compile(r"\b(?:it|that|this|which|the \w+) costs? (?:us|me)\b")
"""A cost told as what something cost the speaker: with a size in its clause it is a cost
even with no decision word nearby ("that cost us some freshness for about 5% of sellers")."""
_WEAK_LOSS = re.compile(
    r"\b(?:it|that|this|which|the \w+) meant (?:we|that|less|more|no|losing|giving|slower|a"
    r"|the|some|an|our|dropping|accepting|living)\b"
    rf"|{_COST_US.pattern}"
    r"|\b(?:we|i) (?:\w+ )?(?:missed|miss|lost out|lose out|no longer \w+)\b"
    r"|\bbut (?:we|i)(?:'d| would)? (?:\w+ )?(?:lose|miss|pay)\b"
    r"|\btrade-?off (?:was|is|here was|here is) \w+ (?:versus|vs\.?|for|over)\b"
    r"|\b(?:suffered|took a hit)\b"
)
_LOSE = re.compile(
    r"(?<!\bin )(?<!\bof )\b(?:lose|loses|lost|losing)\b(?! (?:track|sight|interest|context"
    r"|trust|power|connection|(?:\w+ )?over time))"
)
_INCIDENT = re.compile(
    r"\b(?:incident|outage|bug|broke|went down|during the|before we (?:caught|fixed|noticed)"
    r"|until we|refunds?|because of (?:the )?drift)\b"
)
_GAIN = re.compile(
    r"\bwent (?:from|down|up)\b|\b(?:dropped|fell|came down|improved|lifted|rose|halved|doubled)"
    r" (?:from|to|by)\b|"
    r"\bin (?:exchange|return)\b|\bbought\b|\bbuys?\b|\bgain(?:ed|s)?\b"
    r"|\bsav(?:e|ed|es|ing)\b|"
    r"\b(?:kept|keeps|stayed|stays) (?:\w+ )?(?:at|under|below|within)\b|\bwould have (?:cost|added"
    r"|taken|needed|required|meant|been)\b|\bcompared (?:to|with)\b|\bversus\b|\bvs\b|\binstead of"
    r"|\b\w+er than\b|\bfaster\b|\bcheaper\b"
)
_COMPROMISE = [
    re.compile(r"\bcompromise\b|\bmiddle ground\b|\bmet (?:them|him|her) halfway\b"),
    re.compile(r"\btension (?:was|is)\b"),
    re.compile(
        r"\b(?:i|we)(?:'d| would| will)?\b" + _CLAUSE_CHARS + r"{0,20}\b(?:delay|delayed|slip"
        r"|slipped)\b"
    ),
    re.compile(
        r"\bbut (?:it'?s|it is|they'?re|that'?s|it was|it'?d be|it needs|it requires) "
        r"(?:more|less|slower|harder|worse|noisier|costlier|pricier|bigger|heavier|riskier)\b"
    ),
    # the cost taken with what it bought: "it was a quarter slower, but at least it ran"
    re.compile(r"\bbut at least\b"),
    # the cost accepted with the choice: "you want higher recall even if you get more false
    # positives"
    re.compile(
        r"\beven (?:if|though|when) (?:it|we|you|i|that|this|they)\b"
        + _CLAUSE_CHARS
        + r"{0,40}\b(?:more|fewer|less|slower|worse|lower|higher|longer|lose|losing|lost|miss"
        r"|missing|costs?|pay)\b"
    ),
]
_NEGATED = re.compile(
    r"\b(?:no|not|n't|nothing|never|without)\b[^.;!?,]{0,40}\b(?:trade-?offs?|give"
    r"|giving|gave|lose|losing|downside|cost|sacrific\w*|catch)\b|\b(?:trade-?offs?|give|giving"
    r"|gave)\b" + _CLAUSE_CHARS + r"{0,12}\b(?:nothing|anything)\b"
)
_GENERIC_TRADEOFF = re.compile(
    r"\btrade-?offs?\b|\btrade (?:one|them|it|things) (?:off )?against\b|\bbalance\b|"
    r"\bit depends\b|\bweigh(?:ing)?\b|\bpros and cons\b|\btension between\b|"
    r"\btrade (?:\w+ ){1,3}(?:off )?against\b|\b\w+ (?:versus|vs\.?) \w+\b|"
    r"\bboth have\b|\beach has\b"
)
_OPTION_FRAME = re.compile(r"\b(?:maybe|could|can|either|such as|like|or so)\b|,[^,]*,[^,]*,")
_OPTIONS = re.compile(
    r"\b(?!(?:so|not|more|less|two|three|four|whether|and)\b)[a-z][\w-]+,? or "
    r"(?!so\b|not\b|more\b|less\b|two\b|three\b|if\b|when\b|like\b|whatever\b|something\b"
    r"|anything\b)(?:a |an |the )?[a-z][\w-]+"
    r"|\b(?:fixes|options|approaches|techniques|methods|alternatives|ways) (?:are|include"
    r"|would be)\b"
    r"|\beither\b[^.]{1,60}\bor\b"
    r"|\b(?:a few|several|some|different|multiple|a couple of) (?:options|approaches|ideas"
    r"|alternatives)\b"
)


_TENTATIVE_ITEM = re.compile(
    r"(?<=,) (?:and |or )?(?:maybe|perhaps|possibly) (?!(?:about|around|roughly|per|for|in|on"
    r"|at|when|if|a few|a couple|several|half|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|twenty|thirty|forty|fifty|a hundred|a thousand)\b|\d)"
)
"""An item of a list said as a maybe: the list is of options, not of parts of one path. A
maybe before a figure or a qualifier is an estimate or a scope ("maybe two billion events",
"possibly per region"), not an option."""


@dataclass
class _Tags:
    """What one sentence says about a decision: where each cue starts in it, -1 when absent."""

    sentence: Sentence
    choice: int = -1
    decision: int = -1
    reason: int = -1
    loss: int = -1
    weak_loss: int = -1
    cost_us: int = -1
    lose: int = -1
    compromise: int = -1
    negated: int = -1
    change: int = -1
    generic: int = -1
    options: int = -1
    tentative: int = -1
    conditional: int = -1
    two_ways: int = -1
    picked: int = -1
    personal: bool = False
    gain: bool = False


def _first(pattern: re.Pattern[str], text: str) -> int:
    match = pattern.search(text)
    return match.start() if match else -1


def _first_of(patterns: list[re.Pattern[str]], text: str) -> int:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.start()
    return -1


def _tag(sentence: Sentence) -> _Tags:
    lower = sentence.text.lower()
    tags = _Tags(sentence)
    tags.generic = _first(_GENERIC_TRADEOFF, lower)
    if sentence.listy:
        if re.search(r"\bor\b", lower):
            tags.options = _first(_OPTIONS, lower)  # "XGBoost or a neural net" in a list
        else:  # "pruning, distillation, maybe ONNX Runtime": one of them only perhaps
            tags.options = _first(_TENTATIVE_ITEM, lower)
        return tags
    tags.gain = _GAIN.search(lower) is not None
    if not substantive(lower):
        return tags
    first_person = (
        re.search(_FIRST_PERSON, lower) is not None or _SUBJECTLESS_CHOICE.search(lower) is not None
    )
    tags.personal = first_person
    tags.change = _first(_CHANGE, lower)
    tags.negated = _first(_NEGATED, lower)
    options = _first(_OPTIONS, lower)
    past_action = ACTION.search(lower) and PAST.search(lower)
    if options >= 0 and _OPTION_FRAME.search(lower) and not past_action:
        tags.options = options
    tags.conditional = _first(_CONDITIONAL, lower)
    tags.two_ways = _first(_TWO_WAYS, lower)
    if tags.negated >= 0:
        return tags
    tags.reason = _first(_REASON, lower)
    if first_person:
        tags.choice = _first_of(_CHOICE, lower)
        tags.decision = _named_decision(lower)
        if tags.choice < 0 and _SUBJECTLESS_CHOICE.search(lower):
            spoken = "we " + lower.lstrip(" ,.")  # the dropped subject put back
            tags.choice = 0 if _first_of(_CHOICE, spoken) >= 0 else -1
            tags.decision = 0 if tags.decision < 0 else tags.decision
        tags.tentative = _first(_TENTATIVE, lower)
        tags.picked = _first(_PICKED, lower)
    if first_person and tags.choice < 0 and tags.change >= 0 and tags.reason >= 0:
        tags.choice = tags.change
    tags.loss = _first_of(_LOSS, lower)
    weak = _WEAK_LOSS.search(lower)
    if weak and not re.search(r"\b(?:because|since|as|cause)\s+$", lower[: weak.start()]):
        tags.weak_loss = weak.start()  # "because it meant less code" is a reason, not a cost
    tags.lose = _first(_LOSE, lower)
    tags.cost_us = _first(_COST_US, lower)
    if _INCIDENT.search(lower) and tags.choice < 0:
        # an incident's damage is not a trade-off's cost
        tags.loss = tags.lose = tags.weak_loss = tags.cost_us = -1
    tags.compromise = _first_of(_COMPROMISE, lower)
    foregone = _FOREGONE.search(lower) if first_person else None
    if foregone:  # the upside turned down is the cost, the "but" clause the reason
        tags.choice = tags.choice if tags.choice >= 0 else foregone.end() - 1
        tags.loss = tags.loss if tags.loss >= 0 else foregone.start()
        tags.reason = tags.reason if tags.reason >= 0 else foregone.end("upside")
    return tags


_NAMELESS = re.compile(
    r"\s+(?:the|this|an?) (?:approach|one|idea|path|way)\b(?! of\b)"
    r"(?:\s+(?:that|which|we|i|everyone|most)\b|\s*[,.;]|\s*$)"
)
"""A decision whose object names no option: "we went with the approach that made the most
sense"."""
_NAMED_LATER = re.compile(r"\b(?:which was|which were|namely|that is|i\.e\.)|:")
"""The option named after all: "I chose the one with the most impact, which was..."."""


def _named_decision(lower: str) -> int:
    """Where the sentence tells a decision that names what was decided on, or -1."""
    match = _DECIDED.search(lower)
    if match is None:
        return -1
    named_later = _NAMED_LATER.search(lower, match.end())
    return -1 if _NAMELESS.match(lower, match.end()) and not named_later else match.start()


def find_tradeoffs(view: View, quantities: list[Signal]) -> list[Signal]:
    """Each sentence's part in a trade-off, combined with its neighbours'."""
    strong = [q for q in quantities if weight_of(q) == 1.0]
    tags = [_tag(s) for s in view.sentences]
    found: list[Signal] = []

    def near(position: int, *names: str, reach: int = WINDOW) -> bool:
        window = tags[max(0, position - reach) : position + reach + 1]
        return any(getattr(t, name) >= 0 for t in window for name in names)

    def emit(tag: _Tags, part: str, at: int) -> None:
        sentence = tag.sentence
        found.append(view.sentence_signal("tradeoff", sentence, part, sentence.start + at))

    decided = any(t.choice >= 0 or t.decision >= 0 or t.change >= 0 for t in tags)
    set_out = next((i for i, t in enumerate(tags) if t.two_ways >= 0), len(tags))
    for position, tag in enumerate(tags):
        if tag.change >= 0:
            emit(tag, "change", tag.change)
        if tag.negated >= 0:
            emit(tag, "negated", tag.negated)
        anchored = near(position, "choice", "decision")
        choice = tag.choice
        if choice < 0 and tag.decision >= 0 and near(position, "reason", reach=1):
            choice = tag.decision  # "we went with X ... because Y": a reasoned choice
        if choice < 0 and tag.tentative >= 0 and near(position, "options", reach=1):
            choice = tag.tentative  # options listed, then "I'd start with the tree"
        if choice < 0 and tag.conditional >= 0 and _two_branches(tags, position):
            choice = tag.conditional  # "if A, you optimise X. If B, you go for Y."
        if choice < 0 and tag.picked >= 0 and position > set_out:
            choice = tag.picked  # "…between two models. … I recommended B."
        if choice >= 0:
            emit(tag, "choice", choice)
        elif tag.decision >= 0:
            emit(tag, "decision", tag.decision)
        loss = _loss_at(view, tag, anchored, strong)
        if (
            loss >= 0
            and not (anchored or _personal_near(tags, position))
            and _names_tradeoff(tag, loss)
        ):
            tag.generic, loss = loss, -1  # "the trade-off is that..." told of no one's decision
        if loss >= 0 and not decided and _MAY.search(_clause_before(tag.sentence, loss)):
            tag.options, loss = loss, -1  # "X could be 4x faster and lose 1 point": an option
        if loss >= 0:
            quantified = _quantified(view, tag.sentence, loss, strong) or any(
                other.gain and _has_strong(view, other.sentence, strong)
                for other in tags[max(0, position - 1) : position + 2]
                if other is not tag
            )
            emit(tag, "loss_quantified" if quantified else "loss", loss)
        if tag.compromise >= 0:
            emit(tag, "compromise", tag.compromise)
        if tag.reason >= 0 and near(position, "choice", "decision", "loss"):
            emit(tag, "reason", tag.reason)
        if tag.generic >= 0 and not (choice >= 0 or loss >= 0 or tag.negated >= 0):
            emit(tag, "generic", tag.generic)
        if tag.options >= 0:
            emit(tag, "options", tag.options)
    return found


_MAY = re.compile(r"\b(?:could|would|might|may|can)\b")
"""An option's cost told as a possibility: with no decision anywhere in the answer, options
weighed, not a choice paid for."""
_CLAUSE_START = re.compile(r"\bbut\b|\bso\b|;")


def _clause_before(sentence: Sentence, at: int) -> str:
    """The words of the cue's own clause before it: a cost the speaker takes after "but" or
    "so" ("a deep model might add accuracy, but …, so I'm happy to give up a bit of it") is
    not told as a possibility, whatever the clause before it says."""
    lower = sentence.text.lower()[:at]
    starts = [m.end() for m in _CLAUSE_START.finditer(lower)]
    return lower[starts[-1] if starts else 0 :]


def _two_branches(tags: list[_Tags], position: int) -> bool:
    """Another conditional branch nearby, or two in this sentence."""
    window = tags[max(0, position - 1) : position + 2]
    lower = tags[position].sentence.text.lower()
    return len(_CONDITIONAL.findall(lower)) >= 2 or sum(t.conditional >= 0 for t in window) >= 2


def _names_tradeoff(tag: _Tags, at: int) -> bool:
    """The cost is stated as "the trade-off is that...": talk about a trade-off."""
    return re.match(r"(?:the )?(?:\w+ )?trade-?off", tag.sentence.text.lower()[at:]) is not None


def _personal_near(tags: list[_Tags], position: int) -> bool:
    """The speaker speaks for themselves in this sentence or next to it."""
    return any(t.personal for t in tags[max(0, position - 1) : position + 2])


def _loss_at(view: View, tag: _Tags, anchored: bool, strong: list[Signal]) -> int:
    """Where the sentence states a cost: a clear cost phrase; "lost" said of a choice ("we
    lost", "it loses half a point"); or a weaker phrase ("it meant we") next to a decision."""
    if tag.loss >= 0:
        return tag.loss
    if tag.lose >= 0 and (
        re.search(_SUBJECT + r"\s*$", tag.sentence.text.lower()[: tag.lose])
        or _quantified(view, tag.sentence, tag.lose, strong)
    ):
        return tag.lose
    if anchored:
        return tag.weak_loss if tag.weak_loss >= 0 else tag.lose
    if tag.cost_us >= 0 and _quantified(view, tag.sentence, tag.cost_us, strong):
        return tag.cost_us
    return -1


def _has_strong(view: View, sentence: Sentence, strong: list[Signal]) -> bool:
    return any(view.in_sentence(q, sentence) for q in strong)


def _quantified(view: View, sentence: Sentence, cue: int, strong: list[Signal]) -> bool:
    """A real quantity in the clause of the cue (the clause ends at "but" or ";")."""
    lower = sentence.text.lower()
    cuts = [0, *(m.end() for m in re.finditer(r"\bbut\b|;", lower)), len(lower)]
    left = max(c for c in cuts if c <= cue)
    right = min(c for c in cuts if c > cue)
    return any(
        sentence.start + left <= view.clean_pos(q.start) < sentence.start + right for q in strong
    )
