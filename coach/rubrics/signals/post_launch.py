"""After launch: a specific production problem told as it happened, and its parts.

Tags: ``generic`` (lifecycle words: monitoring, drift, alerts), ``event``,
``prelaunch_event`` (caught before launch: offline evaluation, staging, shadow mode),
``detection``, ``cause``, ``fix``, ``lasting``, ``impact``. The parts belong to the first
event: detection, cause and lasting change count from the sentence before it on, the fix
and the impact from the event itself on.
"""

from __future__ import annotations

import re

from coach.rubrics.signals.numbers import weight_of
from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.text import WINDOW, Sentence, View, substantive

_SPLIT = r"(?!(?: \w+){0,2} into\b| (?:\w+ ){0,2}down\b)"
"""After "break": "break it into stages", "broke the misses down by domain" split, not fail."""
_LIFECYCLE = re.compile(
    r"\b(?:monitor\w*|drift\w*(?! (?:into|toward|towards|away|apart)\b)|alert\w*|roll ?backs?"
    r"|roll(?:s|ed)? (?:it )?back|on-?call"
    r"|incidents?|post-?mortems?|after (?:launch|deploy\w*|release|rollout)|(?:in|to|into)"
    r" production|in prod|production (?:issues|problems|incidents|systems?|traffic)|canary"
    r"|(?:breaks?|broke|breaking)" + _SPLIT + "|"
    r"guardrails?|observability|psi|when something|go(?:es)? wrong|pager"
    r")\b"
)
_STRONG_PROBLEM = re.compile(
    r"\b(?:went wrong|gone wrong|broke" + _SPLIT + "|"
    r"bit (?:us|me)|(?:been|got) bitten|failing|"
    r"failed|outage|"
    r"crash\w*|leaks?|leaking|stale|null|(?:got|getting) (?:\w+ )?worse|degraded|"
    r"attack|corrupt\w*|regressed|a regression in|timing out|timed out|stopped (?:updating|working"
    r"|(?!being\b)\w+ing)|(?:we|i) had (?:this|a) (?:thing|issue|problem|bug) where)\b"
)
_WEAK_PROBLEM = re.compile(
    r"\b(?:dropp(?:ed|ing)|drop|fell|falling|spiked?|plummet\w*|went down|going down|off by|jumped|"
    r"tripled|doubled|declin\w*|(?:started|kept) (?:returning|failing|dropping|sending|getting"
    r"|recommending|"
    r"arriving|timing|throwing|rejecting|flagging|misrouting|blocking|declining|crashing|erroring|"
    r"showing|losing|burying|missing)|twice|wrong|skew\w*|shift\w*|missing|"
    r"bugs?|duplicat\w*|burying|complain\w*|out-of-stock|underperform\w*|"
    # told loosely: "did worse online", "the scores looked meaningless", "we had some issues"
    r"(?:did|performed|was|were|looked|came out|ran) (?:\w+ )?worse|"
    r"(?:looked|seemed|was|were|came out|became) (?:\w+ )?(?:meaningless|random|broken|garbage"
    r"|nonsense|useless|inaccurate|inconsistent|zeros?)|"
    r"(?:had|hit|ran into|saw|got|caused) (?:\w+ ){0,2}(?:issues?|problems?|trouble|timeouts?"
    r"|errors?|failures?|hiccups?)|(?:problem|issue) (?:was|were) (?!that\b)|"
    r"(?:slower|worse|higher|lower|noisier) than (?:we |anyone )?(?:had )?expected|"
    r"(?:was|were|came (?:out|back|in)|ended up) (?:[\w%.$-]+ ){0,2}down\b(?! to)|"
    r"(?:was|were|came in|ran|running) (?:[\w%.$-]+ ){0,3}(?:under|over|above|below) (?:the )?"
    r"(?:forecast|target|expectations?|plan|baseline)|"
    r"(?:forecasts?|predictions?|estimates?|scores?) (?:were|was) (?:way |far |well )?"
    r"(?:under|over|off|low|high)\b|miscalibrated|overconfident|"
    r"slid(?:ing)?|slipp(?:ed|ing)|creep(?:ing)?|crept|backing up|backed up|piling up|piled up|"
    r"tanked|cratered|dipped|sagg(?:ed|ing)|blew up|went sideways|misbehav\w*|flaky|lagging|"
    r"slowed down|paged|alert (?:fired|went off)|incident|(?:latency|p9\d|errors?|error rate"
    r"|timeouts?|costs?|complaints|tickets|false positives|refunds) (?:\w+ )?(?:went up|climbed"
    r"|rose|grew|increased)|(?:return|error|churn|complaint|refund|decline|rejection|bounce"
    r"|drop-?off|failure|timeout|fraud|chargeback|abandonment|cancellation) rates? (?:\w+ )?"
    r"(?:climb\w*|went up|rose|jumped|spiked|increased|grew|doubled|tripled)|drift(?:ed|ing)|"
    r"got (?:\w+ )?(?:slow|slower|stale|noisy|flaky|unstable|weird|biased|expensive)|"
    r"(?:started|kept|began) (?:to )?(?:fail|drop|return|send|flag|time out|reject|block"
    r"|misrout\w*|mislabel\w*|misclassif\w*|overpric\w*|underpric\w*|duplicat\w*|spamm\w*))\b"
)
_NO_PROBLEM = re.compile(
    r"\b(?:no|not|without|never|\w+n't|zero|nothing|none|neither)\b[\w\s-]{0,16}$"
)
_GOOD_NEWS = re.compile(
    r"\b(?:waste|errors?|latency|p9\d|churn|costs?|loss(?:es)?|complaints?|fraud|false positives?"
    r"|tickets?|pages|incidents?|mae|rmse|timeouts?|refunds?|chargebacks?|returns|spam|defects?"
    r"|wait(?:ing)? times?|bounce rate|abandonment|out-of-stocks?)\b"
    r"(?:\W+(?!precision|recall|accuracy|auc|revenue|conversion|click|ctr|engagement|retention"
    r"|sales|approval|coverage|throughput)[\w.%-]+){0,6}?\W+"
    r"(?:fell|dropp(?:ed|ing)|went down|declined|decreased|dipped|came down|halved|plummeted)\b"
)
"""Something better low that fell ("waste fell from 9 to 7 percent"): a result, not a problem."""
_ANCHOR = re.compile(
    r"\b(?:after (?:we )?(?:launch\w*|ship\w*|deploy\w*|release\w*|rollout|roll-?out|going live|"
    r"(?:full )?rollout|a release|the release)|"
    r"\w+ (?:hours?|days?|weeks?|months?) (?:later|after|in)|"
    r"(?:days?|weeks?|months?) later|in production|in prod|a[/ -]?b test|online test|on-?call|"
    r"paged|"
    r"alert (?:fired|went off|triggered)|dashboard|in canary|went live|live traffic|after rollout|"
    r"since launch|once (?:it was )?live|"
    r"once (?:it|the \w+|we|they) (?:was|were|went|got|had gone) (?:live|out|shipped|deployed"
    r"|launched|in prod\w*)|(?:customers|users|drivers|agents|merchants|sellers|support|riders"
    r"|clients|partners|ops) (?:\w+ )?(?:started |kept |were )?(?:complain\w*|report\w*"
    r"|flagg\w*|escalat\w*)|(?:got|were|was|get) paged|post-?mortem|rolled (?:\w+ )?back|"
    r"bit us|first (?:day|week|month|night) (?:of|after|in) (?:production|prod|launch)|"
    r"(?:day|week|month) one of|real traffic|real users|live|go-?live|into production|"
    r"after the (?:rollout|roll-?out|launch|deploy\w*|migration|release|cutover|switch\w*)|"
    r"(?:we|i|they) (?:finally |eventually |then |just |actually )?(?:launched|shipped|deployed"
    r"|released|went live|pushed (?:\w+ ){0,2}(?:out|live)|rolled (?:\w+ ){0,2}out)|"
    r"(?:did|performed|held up|behaved|worked|was|were) (?:\w+ ){0,2}(?:online|in production"
    r"|in prod)|during (?:the )?(?:rollout|roll-?out|launch|ramp\w*|cutover|migration|peak"
    r"|holidays?|campaign))\b"
)
_NOT_YET = re.compile(
    r"\b(?:before|until|prior to|ahead of|never|not|n't)\b\W*(?:\w+\W+)?$|\bwhat\s+$"
)
"""Words that make a launch anchor not (yet) a launch: "before we shipped", "what we shipped"."""
_PRELAUNCH = re.compile(
    r"\b(?:shadow|before (?:we )?(?:launch\w*|releas\w*|ship\w*|rollout|rolling out|going live"
    r"|went live|deploy\w*|it went live|it shipped|anyone saw it)|not to (?:ship|deploy|launch)|"
    r"about to (?:launch|ship|release)|offline eval\w*|pre-?launch|pre-?release|"
    r"during (?:the )?(?:offline |internal )?(?:evaluation|testing|validation|development|qa"
    r"|backtest\w*|dogfood\w*|code review|a dry run|the pilot)|"
    r"in (?:staging|testing|qa|our backtest|the backtest|a backtest|offline (?:tests?|eval\w*)"
    r"|the notebook|load tests?)|(?:load|integration|unit) tests? (?:caught|showed|found)|"
    r"(?:caught|found) (?:it |this |that )?(?:early|in time|in review)|"
    r"sign(?:ing|ed)?[- ]?off|on (?:our|the) (?:eval\w*|test|holdout|validation) (?:set|data)|"
    r"held (?:it|the model|the launch) back|(?:didn't|did not|never) (?:ship|launch|deploy)\w*)\b"
)
_DETECTION = re.compile(
    r"\b(?:noticed|alert\w* (?:fired|went off|triggered)|fired|paged|showed|caught (?:it|this"
    r"|that)|"
    r"flagged|found (?:it|that|this|out)|spotted|detected|saw (?:it|that)|(?:i|we) saw|complain\w*|"
    r"reported|discovered|realized|realised|audit|pinged|escalated|told (?:us|me|the team)|"
    r"(?:test|experiment|results?|numbers|report|dashboard) came back|"
    r"(?:tickets|complaints|bug reports|escalations)(?: \w+){0,3} (?:started |began )?(?:coming"
    r"|came|rolling|rolled|pouring|poured) in)\b"
)
_CAUSE = re.compile(
    r"\b(?:root cause|the cause|caused by|traced (?:it |this |that )?(?:back )?to|turned out|"
    r"was due to|due to|the reason (?:was|is)|because)\b"
)
_FIX = re.compile(
    r"\b(?:i|we)\b(?:[^.;!?]|\.(?=\d)){0,100}\b(?:rolled (?:\w+ )*?back|reverted|fixed|added"
    r"|changed|pinned|made|"
    r"patched|switched|retrained|rewrote|relabel\w*|set up|built|went back|removed|blocked|"
    r"introduced|put in|hotfix\w*|restarted|restored|disabled|turned off|paused|capped|"
    r"redeployed|backfilled|corrected|re-?ran|rebuilt|bumped|lowered|raised|tightened|"
    r"excluded|filtered|killed|fell back|shipped a fix|pushed a fix|refunded|"
    r"(?:decided|chose|had|needed|went ahead|opted|got) to (?:\w+ )?(?:roll \w*\s*back|revert|fix"
    r"|add|change|pin|patch|switch|retrain|rewrite|remove|block|cap|disable|pause|turn off"
    r"|restore|rebuild|backfill|exclude|filter|lower|raise|tighten|refund|hotfix))\b"
)
_LASTING = re.compile(
    r"\b(?:since then|ever since|from then on|we now|now (?:has|have|runs|requires|is|are|blocks|"
    r"we|i)|there'?s now|now every|every (?:new )?(?:\w+ )?(?:model|retrain|change|launch|release|"
    r"pipeline|feature|ranking)|made (?:that|it|this) (?:a )?(?:requirement|standard|mandatory)|"
    r"required (?:checks?|reviews?|tests?|steps?|gates?)|"
    r"requirement|mandatory|runbook|standard|policy|template|lasting|going forward|"
    r"always|"
    r"(?<!'d )(?<!had )(?:set up|introduced|started|instituted|created|put in place|added)"
    r" (?:a |an )?"
    r"(?:\w+ )?(?:weekly|daily|monthly|quarterly|nightly|regular|recurring|standing|automated"
    r"|automatic) \w+)\b"
)
_FALSE_LEAD = re.compile(
    r"\b(?:nothing changed|(?:it |that )?(?:didn't|did not|made no) (?:help|change anything"
    r"|difference)|no (?:change|difference|effect)|same problem)\b"
)
"""A fix that did nothing ("so we rolled back, and nothing changed"): a false lead, not the fix."""
_HYPOTHETICAL = re.compile(
    r"\b(?:i'd|we'd|would|could|might|if|can|should|you|in case|whenever|unless|we'll|i'll"
    r"|will|when (?:they|it|things|something|stuff|anything) (?:go|goes|break|breaks|fail|fails))\b"
)


def find_post_launch(view: View, quantities: list[Signal]) -> list[Signal]:
    """Lifecycle words, production problems and the parts of the first one told; a sentence
    said again is read once, so repeating a story does not add to it."""
    found: list[Signal] = []
    sentences = view.distinct_sentences
    first_event: int | None = None
    for position, sentence in enumerate(sentences):
        lower = sentence.text.lower()
        generic = _LIFECYCLE.search(lower)
        if generic:
            found.append(
                view.sentence_signal(
                    "post_launch", sentence, "generic", sentence.start + generic.start()
                )
            )
        if sentence.listy or not substantive(lower):
            continue
        event_at = _event(sentences, position)
        if event_at is None:
            continue
        tag = "prelaunch_event" if _before_launch(sentences, position) else "event"
        found.append(view.sentence_signal("post_launch", sentence, tag, sentence.start + event_at))
        if tag == "event" and first_event is None:
            first_event = position
    start = first_event if first_event is not None else len(sentences)
    strong = [q for q in quantities if weight_of(q) == 1.0]
    told = range(max(0, start - 1), len(sentences)) if first_event is not None else range(0)
    for position in told:
        sentence = sentences[position]
        lower = sentence.text.lower()
        if sentence.listy:
            continue
        for tag, pattern in (
            ("detection", _DETECTION),
            ("cause", _CAUSE),
            ("lasting", _LASTING),
        ):
            match = pattern.search(lower)
            if match:
                found.append(
                    view.sentence_signal(
                        "post_launch", sentence, tag, sentence.start + match.start()
                    )
                )
        fix = _FIX.search(lower)
        if (
            fix
            and position >= start
            and not re.search(r"\b(?:i'd|we'd|would)\b", lower[: fix.end()])
            and not _FALSE_LEAD.search(lower, fix.start())
        ):
            found.append(
                view.sentence_signal("post_launch", sentence, "fix", sentence.start + fix.start())
            )
        if position >= start and any(view.in_sentence(q, sentence) for q in strong):
            found.append(view.sentence_signal("post_launch", sentence, "impact"))
    return found


def _before_launch(sentences: list[Sentence], position: int) -> bool:
    """The problem was caught before launch: a pre-launch setting ("in shadow mode", "during
    offline evaluation", "decided not to ship") in this sentence or a nearby one, not
    overridden by a production anchor in this sentence ("but two weeks after rollout...")."""
    lower = sentences[position].text.lower()
    before = [m.start() for m in _PRELAUNCH.finditer(lower)]
    after = _anchors(lower)
    if before:
        return not after or max(before) > max(after)
    window = sentences[max(0, position - WINDOW) : position + WINDOW + 1]
    return not after and any(_PRELAUNCH.search(s.text.lower()) for s in window)


def _event(sentences: list[Sentence], position: int) -> int | None:
    """Where a specific production problem is narrated in this sentence, if it is."""
    lower = sentences[position].text.lower()
    window = sentences[max(0, position - WINDOW) : position + WINDOW + 1]
    nearby = " ".join(s.text.lower() for s in window)
    for pattern, needs_context in ((_STRONG_PROBLEM, False), (_WEAK_PROBLEM, True)):
        for match in pattern.finditer(lower):
            preceding = lower[max(0, match.start() - 40) : match.start()]
            if _HYPOTHETICAL.search(preceding) or _NO_PROBLEM.search(preceding):
                continue
            if _good_news(lower, match):
                continue
            if needs_context and not (_anchors(nearby) or _DETECTION.search(nearby)):
                continue
            return match.start()
    detected = _DETECTION.search(lower)
    traced = _TRACED.search(nearby) is not None
    before = " ".join(s.text.lower() for s in sentences[max(0, position - WINDOW) : position])
    if (
        detected
        and (_anchors(lower) or traced and _anchors(before))  # launched, then found
        and not _HYPOTHETICAL.search(lower[: detected.start()])
        and (_problem_in(nearby) or traced)
    ):
        return detected.start()
    return None


_TRACED = re.compile(
    r"\b(?:root cause|caused by|traced (?:it |this |that )?(?:back )?to|turned out|was due to)\b"
)
"""A cause tracked down: beside a detection after launch, it tells that something went wrong
even when no failure word does ("a support lead pinged me: why are the Spanish tickets at the
bottom? It turned out...")."""


def _good_news(text: str, match: re.Match[str]) -> bool:
    """The problem word is part of good news ("our error went down by half"), not of a fall
    in something better high ("the fraud model's precision fell")."""
    return any(
        g.start() <= match.start() < g.end() and "'s " not in g.group()
        for g in _GOOD_NEWS.finditer(text)
    )


def _problem_in(text: str) -> bool:
    """A failure word that is not negated ("no drop in retention" is not a problem)."""
    return any(
        not _NO_PROBLEM.search(text[max(0, m.start() - 40) : m.start()])
        and not _good_news(text, m)
        for pattern in (_STRONG_PROBLEM, _WEAK_PROBLEM)
        for m in pattern.finditer(text)
    )


def _anchors(text: str) -> list[int]:
    """Where the text places something in production after launch, told as it happened
    (not "after launch we'd monitor...")."""
    return [
        m.start()
        for m in _ANCHOR.finditer(text)
        if not _HYPOTHETICAL.search(text[m.end() : m.end() + 16])
        and not _HYPOTHETICAL.search(text[max(0, m.start() - 24) : m.start()])
        and not _NOT_YET.search(text[max(0, m.start() - 24) : m.start()])
    ]
