"""Quantities (a number with what it measures) and derivations (figures worked out loud).

A quantity's tag is its unit class (``rate``, ``latency``, ``percent``, ``multiplier``,
``data``, ``money``, ``count``, ``duration``, ``delta``) or why it sizes nothing
(``year``, ``bare``, ``metric``, ``listed``, ``question``); its key tells figures apart.
A derivation is a figure computed from figures out loud, tagged ``decides`` when a
decision follows from it.
"""

from __future__ import annotations

import re

from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.text import FUNCTION_WORDS, Sentence, View

STRONG_UNITS = frozenset(
    {"rate", "latency", "percent", "multiplier", "data", "money", "delta", "count"}
)
SOFT_UNITS = frozenset({"duration", "small_count"})


def weight_of(quantity: Signal) -> float:
    """How much one quantity sizes: 1 for a real unit, 0.5 for a duration or a
    small count, 0 for a year, a bare or listed number, or one from the question."""
    unit = quantity.tag
    if unit in STRONG_UNITS:
        return 1.0
    if unit in SOFT_UNITS:
        return 0.5
    return 0.0


def value_key(quantity: Signal) -> str:
    """What tells one figure from another: its key, or its words when it has none."""
    return quantity.key if quantity.key is not None else quantity.span



_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1e3, "k": 1e3, "million": 1e6, "billion": 1e9,
           "trillion": 1e12, "dozen": 12}  # fmt: skip
_FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25}

_NUMWORD = r"(?:{})(?:-(?:{}))?".format("|".join([*_TENS, *_ONES]), "|".join(_ONES))
COUNT_WORDS = tuple(w for w in [*_ONES, *_TENS] if w not in ("zero", "one"))
"""Numbers said as words that are always a count ("one" and "zero" are often not)."""
_SCALEWORD = r"(?:hundred|thousand|million|billion|trillion|k)\b"
_ROUGHLY = {"couple": 2, "few": 3, "several": 5}
"""Rough counts that make a figure with a scale word after them ("a couple hundred million")."""
_SPOKEN = (
    rf"(?:(?:a|an)\s+(?:hundred|thousand|million|billion|dozen)\b|{_NUMWORD}\b"
    r"|(?:a\s+couple(?:\s+of)?|a\s+few|several)(?=\s+(?:hundred|thousand|million|billion)\b))"
    rf"(?:(?:\s+|-)(?:and\s+)?(?:(?:a\s+)?half\b|{_NUMWORD}\b|{_SCALEWORD}))*"
    rf"|half\s+(?:a|an)\b|half(?=[\s-]+(?:points?|percent|pp)\b)"
)
_NUMERAL = r"\$?\d+(?:,\d{3})+(?:\.\d+)?|\$?\d+(?:\.\d+)?(?:e-?\d+)?"
_GLUED = r"(?:%|x|k|m|b|bn|ms|gb|tb|mb|kb|s)?"
_QUANTITY = re.compile(
    rf"(?<![\w.$-])(?:(?P<num>{_NUMERAL}){_GLUED}|(?P<words>{_SPOKEN}))"
    rf"(?:\s+{_SCALEWORD})?(?:-(?:something|ish|odd)\b)?(?:\s+to\s+the\s+(?:\w+))?(?![\w])",
    re.IGNORECASE,
)
_PERCENTILE = re.compile(
    r"\bp\s?(?:50|90|95|99(?:\.9)?|999|fifty|ninety(?:[- ]five|[- ]nine)?(?:\s+point\s+nine)?)\b",
    re.IGNORECASE,
)
_VAGUE_SCALE = re.compile(
    r"\b(?:(?:millions|billions|thousands|hundreds|tons|lots) of (?:users|requests|queries|events|"
    r"transactions|records|rows|customers|items|data|traffic|clicks|predictions|documents)"
    r"|(?:huge|massive|large|high|big) (?:scale|traffic|volume|load)"
    r"|a lot of (?:traffic|users|data|requests|volume|load))\b",
    re.IGNORECASE,
)
_RATE = re.compile(
    r"^\W*(?:[a-z-]+\s+){0,3}?(?:(?:per|a|an|every|each)\s+|/\s*)"
    r"(?:second|sec|s|minute|min|hour|day|week|month|year|quarter|request|user|query)\b"
    r"|^\W*(?:[a-z-]+\s+){0,2}?(?:qps|rps|tps|rpm|requests?/s)\b",
    re.IGNORECASE,
)
_UNIT_CLASSES: tuple[tuple[str, str], ...] = (
    ("percent", r"%|percent|per cent|percentage points?|points?|pp|bps|basis points?"),
    ("multiplier", r"x|times|fold|-fold"),
    ("latency", r"ms|millis?(?:econds?)?|microseconds?|nanoseconds?|seconds?|secs?|minutes?|mins?"
        r"|hours?|hrs?"),
    ("duration", r"days?|weeks?|months?|quarters?|years?|sprints?|nights?"),
    ("data", r"bytes?|[kmgtp]b|gigs?|gigabytes?|terabytes?|megabytes?|kilobytes?|petabytes?"
             r"|parameters?|params|tokens?|dimensions?|dims|rows?|samples?|examples?|records?"
             r"|features?|embeddings?|vectors?|images?|documents?|gpus?|cores?|cpus?|nodes?"
             r"|machines?|servers?|hosts?|shards?|replicas?|layers?"),
    ("money", r"dollars?|usd|bucks|cents?|euros?|pounds?|k\b(?=\s+(?:a|per|in)\b)"),
)  # fmt: skip
_METRIC_BEFORE = re.compile(
    r"\b(?:auc|f1|accuracy|precision|recall|ndcg|map|mrr|score|loss|rate|r2|rmse|mae|"
    r"learning rate|lr|alpha|lambda|norm|k|of|at)\s*(?:of|at|=|was|is)?\s*$",
    re.IGNORECASE,
)


def parse_number(text: str) -> float | None:
    """The value of a numeral or a spoken number ("eighty-six thousand", "one and a half")."""
    cleaned = text.lower().replace(",", "").replace("$", "").strip()
    glued = re.fullmatch(r"(\d+(?:\.\d+)?(?:e-?\d+)?)(%|x|k|m|b|bn|ms|gb|tb|mb|kb|s)?", cleaned)
    if glued:
        value = float(glued.group(1))
        return value * {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}.get(glued.group(2) or "", 1)
    total = current = 0.0
    seen = False
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+", cleaned)
    for index, word in enumerate(words):
        if word in ("a", "an", "and"):
            continue
        if word == "to" and words[index + 1 : index + 3] and words[index + 1] == "the":
            exponent = parse_number(" ".join(words[index + 2 :]))
            return (current or 1) ** (exponent or 1) + total if exponent else total + current
        if re.fullmatch(r"\d+(?:\.\d+)?", word):
            current += float(word)
        elif word in _ROUGHLY:
            current += _ROUGHLY[word]
        elif word in _ONES or word in _TENS:
            value = _ONES.get(word, _TENS.get(word, 0))
            current = (
                current * 100 + value
                if current and current % 100 and value >= 20
                else current + value
            )
        elif "-" in word:
            continue
        elif word in _FRACTIONS:
            current = current + _FRACTIONS[word] if current else _FRACTIONS[word]
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100 or scale == 12:
                current = (current or 1) * scale
            else:
                total += (current or 1) * scale
                current = 0.0
        else:
            continue
        seen = True
    return total + current if seen else None


def _words_after(lower: str, end: int, limit: int = 48) -> str:
    window = lower[end : end + limit]
    stop = re.search(r"[,.;:!?)(](?!\d)", window)
    return window[: stop.start()] if stop else window


def _unit_class(view: View, start: int, end: int, raw: str) -> tuple[str, int]:
    """What a number measures, from the words right after it (and a few before), and how
    many characters after the number name the unit."""
    lower = view.lower
    after = _words_after(lower, end)
    glued = re.search(r"(%|x|ms|gb|tb|mb|kb|k|m|b|bn|s)$", raw.lower())
    if raw.startswith("$"):
        return "money", 0
    if glued and not re.fullmatch(r"\d+", raw):
        suffix = glued.group(1)
        glued_units = {"%": "percent", "x": "multiplier", "ms": "latency", "s": "latency"}
        fallback = "data" if suffix.endswith("b") and suffix != "b" else "count"
        glued_unit = glued_units.get(suffix, fallback)
        return glued_unit, _rate_or_word_end(after, glued_unit)
    if re.match(r"\s*(?:a\.m|p\.m|am\b|pm\b|o'clock)", after):
        return "time_of_day", 0
    if re.search(r"\b(?:every|p)\s*$", lower[max(0, start - 12) : start]):
        if not lower[max(0, start - 12) : start].rstrip().endswith("every"):
            return "name", 0  # "p99"
        named = re.match(r"\s*[a-z]+\b", after)  # "every five minutes": the span keeps "minutes"
        return "rate", named.end() if named and named.group().strip() not in FUNCTION_WORDS else 0
    rate = _RATE.search(after)
    if rate:
        return "rate", rate.end()
    words = list(re.finditer(r"[\w%$/-]+", after))[:3]
    head = words[0] if words else None
    if head and after.lstrip().startswith("-") and not _unit_of(head.group().lstrip("-")):
        return "name", 0  # "two-tower", "top-ten": part of a name, not a figure
    if head:
        unit = _unit_of(head.group().lstrip("-"))
        if unit == "multiplier" and re.match(r"\s*(?:times|x)\s+(?:\d|" + _NUMWORD + ")", after):
            return "operand", 0
        if unit:
            return unit, _rate_or_word_end(after, unit, head.end())
    for word in words[1:]:
        if re.fullmatch(r"\d[\d,.]*|" + _NUMWORD, word.group()):
            break
        unit = _unit_of(word.group())
        if unit and unit != "multiplier":
            return unit, word.end()
    if head and head.group() not in FUNCTION_WORDS and head.group().isalpha():
        return "noun", head.end()
    return "none", 0


def _unit_of(word: str) -> str | None:
    for unit, pattern in _UNIT_CLASSES:
        if re.fullmatch(pattern, word):
            return unit
    return None


def _rate_or_word_end(after: str, unit: str, word_end: int = 0) -> int:
    """Include "per second" / "a day" after a unit, so the span reads as a rate."""
    rate = _RATE.search(after)
    if rate and unit in ("count", "data"):
        return rate.end()
    return word_end


def find_quantities(view: View, question_values: set[float]) -> list[Signal]:
    """Every number with what it measures; a value the question gave sizes nothing."""
    found: list[tuple[int, int, str, float]] = []
    for sentence in view.sentences:
        for match in _QUANTITY.finditer(sentence.text):
            raw = match.group().strip()
            value = parse_number(raw)
            if value is None:
                continue
            start, end = sentence.start + match.start(), sentence.start + match.end()
            unit, consumed = _classify(view, sentence, start, end, raw, value)
            if unit == "name" or (
                re.fullmatch(r"one|an?", raw.lower())
                and unit not in ("percent", "latency", "money")
            ):
                continue  # "one of them", "two-tower": not a figure
            found.append((start, end + consumed, unit, value))
    merged = _merge_ranges(view, found)
    signals = []
    for start, end, unit, value in merged:
        if unit in STRONG_UNITS | SOFT_UNITS and value in question_values:
            unit = "question"
        signals.append(view.signal("quantity", start, end, unit, key=f"{unit}:{value:g}"))
    return signals


_METRIC_AT = re.compile(
    r"\b(?:ndcg|dcg|precision|recall|map|mrr|hit ?rate|hits|hr|accuracy|p|r)\s*(?:at|@)\s*$"
)


_CERTAINTY = re.compile(r"[^.,;]*?(?:percent|%) (?:sure|certain|confident|positive)\b")
"""A percentage of how sure the speaker is (read from the number on)."""


def _classify(
    view: View, sentence: Sentence, start: int, end: int, raw: str, value: float
) -> tuple[str, int]:
    """The unit class of one number, or why it sizes nothing; and the unit's length."""
    if sentence.listy or _bare_in_list(view, start, end):
        return "listed", 0
    if _METRIC_AT.search(view.lower[max(0, start - 24) : start]):
        return "name", 0  # "NDCG at 10", "recall@50": the metric's cut-off, not a figure
    if value == 100 and _CERTAINTY.match(view.lower, start):
        return "name", 0  # "not a hundred percent sure": a hedge, not a figure
    unit, consumed = _unit_class(view, start, end, raw)
    digits = re.fullmatch(r"\d{4}", raw)
    if digits and 1950 <= value <= 2039 and unit in ("none", "noun"):
        return "year", 0
    if unit == "time_of_day":
        return "time", 0
    if unit in ("name", "rate", "latency", "percent", "multiplier", "data", "money", "duration"):
        return unit, consumed
    if unit in ("noun", "count", "operand"):
        return ("count" if value >= 10 else "small_count"), consumed
    if re.search(r"(?:million|billion|thousand)\s*$", raw.lower()):
        return "count", 0
    before = view.lower[max(0, start - 24) : start]
    if _METRIC_BEFORE.search(before) or value < 1:
        return "metric", 0
    return "bare", 0


def _bare_in_list(view: View, start: int, end: int) -> bool:
    """A number standing alone between commas: "QPS, p99, 10x, drift"."""
    before = view.text[max(0, start - 3) : start]
    after = view.text[end : end + 2]
    return bool(re.search(r"[,;:]\s*$", before)) and bool(re.match(r"\s*[,;.]", after))


def _merge_ranges(
    view: View, found: list[tuple[int, int, str, float]]
) -> list[tuple[int, int, str, float]]:
    """ "from 96% to 89%" is one delta; "20 to 30%" one range with the second's unit."""
    merged: list[tuple[int, int, str, float]] = []
    ordered = sorted(found)
    found = [q for i, q in enumerate(ordered) if i == 0 or q[0] >= ordered[i - 1][1]]
    index = 0
    while index < len(found):
        start, end, unit, value = found[index]
        if index + 1 < len(found):
            n_start, n_end, n_unit, n_value = found[index + 1]
            between = view.lower[end:n_start]
            before = view.lower[max(0, start - 12) : start]
            joined = r"\s*(?:to|-|–)\s*(?:about|around|roughly|maybe)?\s*"
            if re.search(r"\bbetween\s*$", before):
                joined = r"\s*(?:and|to|-|–)\s*(?:about|around|roughly|maybe)?\s*"
            if re.fullmatch(joined, between):
                is_delta = bool(re.search(r"\b(?:from|went|cut|dropped|rose)\s*$", before))
                if n_unit in ("listed", "question"):
                    new_unit = n_unit
                elif is_delta:
                    new_unit = "delta"
                else:
                    new_unit = n_unit if n_unit not in ("bare", "metric") else unit
                merged.append((start, n_end, new_unit, n_value))
                index += 2
                continue
        merged.append((start, end, unit, value))
        index += 1
    return merged


# ---------------------------------------------------------------- derivations

_OPERATOR = re.compile(
    r"\b(?:times|multiplied by|divided by|divide(?:d)? (?:that |it )?by|plus|minus)\b|[×*/=]"
)
_COMPUTED = re.compile(
    r"\b(?:that's|that is|which is|which comes to|comes to|works out to|that gives|gives us|"
    r"so about|so roughly|so around|so call it|call it|so we need(?:ed)?|we needed|do the math|"
    r"adds up to|equals|so that's|so it's|it's about|"
    r"so (?:the |our |its |that )?(?:\w+ ){0,2}?(?:is|are|comes to|works out to|would be|ends up)"
    r"(?: at)?(?: about| around| roughly| only| just)?(?= (?:\d|" + _NUMWORD + r")))\b"
)
"""Words that give the figure worked out: "so that's about 23,000 QPS"; "so precision is
around 2%" only with the figure right after it ("so that number is why we use two stages"
names none)."""
_DECISION = re.compile(
    r"\b(?:is why|that's why|which is why|chang(?:ed|es|e) (?:the|our|my) (?:approach|design"
    r"|plan)|drives|drove|rules? out|is out|"
    r"doesn't fit|won't fit|don't fit|so i'd|so i would|so we'd|"
    r"i'd (?:use|pick|go|switch|choose|do|take|run|stay|shard|cap|split|put)|i would|we needed|"
    r"so we (?:needed|need|went|chose|picked|use|used)|i chose|we chose|i decided|we decided|"
    r"wouldn't|so it has to|means we|i'll)\b"
)


def find_derivations(view: View, quantities: list[Signal]) -> list[Signal]:
    """Sentences that work a figure out from others, and whether a decision follows."""
    numbers = [q for q in quantities if q.tag not in ("listed", "question", "year")]
    found: list[Signal] = []
    for position, sentence in enumerate(view.sentences):
        if sentence.listy:
            continue
        inside = [q for q in numbers if view.in_sentence(q, sentence)]
        if len(inside) < 2 and not (position and len(inside) >= 1):
            continue
        hit = (
            _arithmetic(view, sentence, inside)
            or _spread_over_time(view, sentence, inside)
            or _computed_result(view, position, inside)
        )
        if hit is None:
            continue
        following = " ".join(s.text.lower() for s in view.sentences[position + 1 : position + 3])
        decides = bool(_DECISION.search(sentence.text.lower()[hit - sentence.start :])) or bool(
            _DECISION.search(following)
        )
        found.append(
            view.sentence_signal("derivation", sentence, "decides" if decides else "", hit)
        )
    return found


def _offsets(view: View, quantity: Signal, sentence: Sentence) -> int:
    """Where a quantity starts in the filler-free text."""
    del sentence
    return view.clean_pos(quantity.start)


def _arithmetic(view: View, sentence: Sentence, inside: list[Signal]) -> int | None:
    """An operator with a number shortly before and after it."""
    starts = sorted(_offsets(view, q, sentence) for q in inside)
    ends = sorted(_offsets(view, q, sentence) + len(q.span) for q in inside)
    for match in _OPERATOR.finditer(sentence.text.lower()):
        at = sentence.start + match.start()
        after = sentence.start + match.end()
        before_ok = any(0 <= at - e <= 45 for e in ends)
        after_ok = any(0 <= s - after <= 25 for s in starts)
        if before_ok and after_ok:
            return at
    return None


_OVER = re.compile(r"\bover (?:a |an |the )?")
_GIVES = re.compile(
    r"^\W*(?:is|are|'s|comes to|works out to|gives(?: us)?|equals|so|that's|which is)?"
    r"\s*(?:about|roughly|around|approximately|nearly|almost|some|maybe|call it)?\s*$"
)


def _spread_over_time(view: View, sentence: Sentence, inside: list[Signal]) -> int | None:
    """A figure spread over a stretch of time, with what it comes to: "8 million events
    over a 2 hour window is about 1,100 events per second"."""
    spans = sorted((_offsets(view, q, sentence), q) for q in inside)
    lower = view.lower
    for (start, first), (span_start, span), (result_start, _) in zip(
        spans, spans[1:], spans[2:], strict=False
    ):
        over = _OVER.search(lower, start + len(first.span), span_start)
        if span.tag not in ("latency", "duration") or over is None or over.end() != span_start:
            continue
        between = lower[span_start + len(span.span) : result_start]
        if len(between) <= 40 and _GIVES.match(re.sub(r"\b(?:window|period|span)\b", "", between)):
            return over.start()
    return None


def _computed_result(view: View, position: int, inside: list[Signal]) -> int | None:
    """ "..., so that's about 23,000 QPS" after two figures it came from."""
    sentence = view.sentences[position]
    lower = sentence.text.lower()
    earlier_sentence = view.sentences[position - 1] if position else None
    for match in _COMPUTED.finditer(lower):
        at = sentence.start + match.end()
        results = [q for q in inside if 0 <= _offsets(view, q, sentence) - at <= 30]
        if not results:
            continue
        before = [q for q in inside if _offsets(view, q, sentence) < sentence.start + match.start()]
        if earlier_sentence is not None:
            before += [
                q for q in _numbers_in(view, earlier_sentence) if q.tag != "listed"
            ]
        if len(before) >= 2:
            return sentence.start + match.start()
    return None


def _numbers_in(view: View, sentence: Sentence) -> list[Signal]:
    return [
        view.signal("quantity", sentence.start + m.start(), sentence.start + m.end())
        for m in _QUANTITY.finditer(sentence.text)
        if not re.fullmatch(r"one|an?|half an?", m.group().strip().lower())
    ]


# ---------------------------------------------------------------- scale words and percentiles


def question_values(question: str | None) -> set[float]:
    """The values of the numbers the question itself gives."""
    return {
        v
        for v in (parse_number(m.group()) for m in _QUANTITY.finditer(question or ""))
        if v is not None
    }


def find_vague_scale(view: View) -> list[Signal]:
    """Scale words with no figure ("millions of users", "huge traffic")."""
    return [
        view.signal("vague_scale", s.start + m.start(), s.start + m.end())
        for s in view.sentences
        for m in _VAGUE_SCALE.finditer(s.text)
    ]


def find_percentiles(view: View) -> list[Signal]:
    """Latency percentiles named ("p99", "p ninety-five")."""
    return [
        view.signal("percentile", s.start + m.start(), s.start + m.end())
        for s in view.sentences
        for m in _PERCENTILE.finditer(s.text)
    ]


# ---------------------------------------------------------------- what a story has sized

SCALE_UNITS = frozenset({"rate", "data", "count"})
"""Units that size how big something was: requests per second, rows or gigabytes, users."""
_MOVED = re.compile(
    r"\b(?:went (?:up|down|from)|(?:was|were|is|are|came) (?:\w+ )?(?:up|down)|rose|fell|dropped"
    r"|moved|improved|increased|decreased|reduced|cut|doubled|tripled|halved|grew|climbed"
    r"|lifted|saved|now it's|now at)\b"
)
"""Words that tell a figure moved ("conversion went up 1.2 percent", "moved it three percent")."""
_MOVE_UNITS = frozenset(
    {"percent", "multiplier", "money", "delta", "latency", "rate", "metric", "bare"}
)


def sized_story(view: View, quantities: list[Signal]) -> tuple[bool, bool]:
    """Whether the answer puts a number on the scale of its problem, and on how far a result
    moved: a figure "from … to …", or one told with a word of movement in its sentence."""
    scale = any(q.tag in SCALE_UNITS for q in quantities)
    moving = [s for s in view.sentences if _MOVED.search(s.text.lower())]
    moved = any(
        q.tag == "delta" or q.tag in _MOVE_UNITS and any(view.in_sentence(q, s) for s in moving)
        for q in quantities
    )
    return scale, moved
