"""The offline scorer: rubric scores with no LLM, in one pass.

transcript → signals (:mod:`coach.rubrics.signals`, once per answer) → the rules'
judgement per criterion (:mod:`coach.rubrics.judges`), post-launch read for design rounds
(:mod:`coach.rubrics.anticipated`) → the fitted model's scores (:mod:`coach.rubrics.fitted`)
within reach of the rules → relevance, caps and the round's reading again, which the model
does not lower (:mod:`coach.rubrics.adjust`) → feedback (:mod:`coach.rubrics.feedback`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial

from coach.audio.words import SILENCE_PHRASES, is_filler, plain
from coach.questions import Question
from coach.rubrics import anticipated, feedback
from coach.rubrics.adjust import after_judging
from coach.rubrics.caps import off_topic_line, off_topic_next_step
from coach.rubrics.embedding import EmbeddingUnavailable
from coach.rubrics.features import answer_features
from coach.rubrics.fitted import load_model
from coach.rubrics.judgement import Judgement
from coach.rubrics.judges import evidence_at, judge, missing_at, stuffed
from coach.rubrics.judges.post_launch import incident_evidence
from coach.rubrics.meaning import read_meaning
from coach.rubrics.models import Criterion, CriterionScore, Delivery, Scorecard
from coach.rubrics.signals import Signals, extract_signals

SCORER = "offline"

EMPTY_WORDS = frozenset(
    {
        "oh",
        "so",
        "like",
        "yeah",
        "yes",
        "okay",
        "ok",
        "well",
        "right",
        "you",
        "know",
        "i",
        "mean",
        "basically",
        "actually",
    }
)
"""Words that say nothing on their own: an answer of only these and fillers is no answer."""


def _says_nothing(text: str) -> bool:
    return all(is_filler(word) or word in EMPTY_WORDS for word in text.split())


def is_no_answer(transcript: str) -> bool:
    """Nothing was said: empty, punctuation, fillers, or a stock hallucination on silence."""
    text = plain(transcript)
    if not text:
        return True
    if _says_nothing(text):
        return True
    if text in SILENCE_PHRASES:
        return True
    parts = [plain(p) for p in re.split(r"[.!?]+", transcript) if plain(p)]
    return all(p in SILENCE_PHRASES or _says_nothing(p) for p in parts)


RULES_ONLY_SENTENCES = 2
"""An answer of this many sentences or fewer keeps the rules' scores: the fitted model learned
from whole answers, and read one- and two-sentence answers (a follow-up, a rubric anchor) a
point low or high where the rules read them right more often."""


def fitted_judgement(
    rule: Judgement,
    predicted: int,
    capped: bool,
    levels: tuple[str, ...] = (),
    quotes_at: Callable[[int], tuple[str, ...]] | None = None,
    missing_at: Callable[[int], str] | None = None,
    reach: int = 1,
    unquoted: int = 1,
) -> Judgement:
    """The fitted model's score: at most ``reach`` points from the rules' level, never above
    ``unquoted`` when the rules quote nothing, and never above 1 when the answer is keyword
    lists.

    When the score moves, the rules' words and quotes were chosen for another level. The
    quotes become those that earn the new level (``quotes_at``; none at 0, the rules' own
    when it is not given or when a lower level has none of its own), and what was found is
    the rubric's description of the new level (``levels``) without its caveat (", but not …":
    the model does not say what is absent).
    Going down, what is missing stays the rules' advice (it aims higher still); going up,
    it becomes what the next level adds (the rules asked for what the model now credits):
    the parts of it the answer did not tell, where the criterion can say (``missing_at``),
    and a level raised with no quote to show says that it is a reading of the whole answer.
    A level raised that keeps the quotes the rules chose for their own level says both: what
    the whole answer reads like, and what the quote shows. A level lowered that keeps them says
    that the whole answer scores below what the quote shows (the lower level's description would
    deny it: "no actual event" under the event quoted)."""
    near = min(rule.score + reach, max(rule.score - reach, predicted))
    score = min(near, 1 if capped else 4 if rule.evidence else unquoted)
    if score == rule.score:
        return rule
    evidence = () if score == 0 else quotes_at(score) if quotes_at else rule.evidence
    if 0 < score < rule.score and not evidence:  # "no event" with nothing quoted would deny
        evidence = rule.evidence  # the event the rules found: say it scores below it instead
    moved = replace(rule, score=score, evidence=evidence, lead="")
    if len(levels) != 5:
        return moved
    found = _without_caveat(levels[score])
    same_quotes = bool(evidence) and evidence == rule.evidence and bool(rule.found)
    if score < rule.score:
        if same_quotes:  # the level below would deny what the quote shows: say it plainly
            found = (
                "read as a whole, the answer scores a level below what the quote shows: "
                f"{_sentence_part(rule.found)}"
            )
        return replace(moved, found=found)
    reads_like = f"as a whole the answer reads like one that {_level_text(levels, score)}"
    if same_quotes:  # quotes chosen for the level below
        found = f"{reads_like}; what the quote shows: {_sentence_part(rule.found)}"
    if not evidence:  # nothing to show for it: say that the score is a reading of the whole
        found = f"no sentence is quoted for it, but {reads_like}"
    own_parts = missing_at(score) if missing_at and score < 4 else ""
    missing = own_parts or (_next_level(levels, score) if score < 4 else "")
    return replace(moved, found=found, missing=missing)


_AS_BELOW = re.compile(r"as (\d), (?:and (?:also )?)?")
"""A level told as the one below it and more: "As 3, and also explains why it happened"."""


def _next_level(levels: tuple[str, ...], score: int) -> str:
    """What the level above ``score`` adds, as something to aim for: "an answer at 4 does what
    one at 3 does, and explains why it happened…" rather than "an answer at 4 as 3, and…"."""
    return f"an answer at {score + 1} {_level_text(levels, score + 1)}"


def _level_text(levels: tuple[str, ...], score: int) -> str:
    """A level's description up to its caveat, to follow "an answer that": a level told as the
    one below and more becomes "does what one at 3 does, and explains why it happened…"."""
    text = _without_caveat(levels[score])
    below = _AS_BELOW.match(text)
    if below is None:
        return text
    rest = text[below.end() :]
    joined = ", " if rest.startswith("with ") else ", and "
    return f"does what one at {below.group(1)} does{joined}{rest}"


def _sentence_part(text: str) -> str:
    """A rubric level's sentence to be put inside feedback: no capital, no full stop."""
    return text[:1].lower() + text[1:].rstrip(". ")


_CAVEAT = re.compile(r",? but not |, but |, without ")


def _without_caveat(text: str) -> str:
    """A rubric level's sentence up to its caveat (", but …", ", without …": what it still
    lacks), for a goal or for a level whose quotes may show more than the caveat allows."""
    return _sentence_part(_CAVEAT.split(text)[0])


def with_fitted_scores(
    judgements: dict[str, Judgement],
    signals: Signals,
    round_name: str,
    capped: bool,
    rubrics: Mapping[str, Criterion],
) -> tuple[dict[str, Judgement], EmbeddingUnavailable | None]:
    """Scores from the fitted model (:mod:`coach.rubrics.fitted`) for the criteria it was
    switched to, because it agreed with human labels better than the rules there; a moved
    score is worded from its criterion's ``rubrics`` entry. Also why the model read the
    answer without its meaning (:mod:`coach.rubrics.meaning`), when the embedding model
    is missing."""
    model = load_model()
    wanted = model.switched & judgements.keys()
    if not wanted or _distinct_sentences(signals) <= RULES_ONLY_SENTENCES:
        return judgements, None
    meaning = read_meaning(signals.view)
    predicted = model.predict(answer_features(signals, round_name, meaning.values))
    fitted = {
        c: fitted_judgement(
            j,
            predicted[c],
            capped,
            *_reading(c, j, signals, round_name, rubrics),
            reach=model.criteria[c].reach,
            unquoted=model.criteria[c].unquoted,
        )
        if c in wanted
        else j
        for c, j in judgements.items()
    }
    return fitted, meaning.missing


def missing_model_notice(relevance_notice: str, missing: EmbeddingUnavailable | None) -> str:
    """The card's line when the embedding model is missing: what was done without it, and
    the fix (said once, when relevance was checked by words alone too)."""
    if missing is None:
        return relevance_notice
    done = "Relevance was checked by words alone and the" if relevance_notice else "The"
    return f"{done} scores were read without what the answer is about ({missing})."


def _reading(
    criterion_id: str,
    judged: Judgement,
    signals: Signals,
    round_name: str,
    rubrics: Mapping[str, Criterion],
) -> tuple[
    tuple[str, ...], Callable[[int], tuple[str, ...]], Callable[[int], str] | None
]:
    """How a moved score of ``criterion_id`` is worded and quoted: from the criterion's levels
    and the quotes that earn them; but post-launch in a design or technical round, unless a
    real incident is told there (:func:`~coach.rubrics.anticipated.incident_told`), from the
    design reading (:mod:`coach.rubrics.anticipated`)."""
    design = criterion_id == anticipated.CRITERION and round_name in anticipated.DESIGN_ROUNDS
    if design and not anticipated.incident_told(signals):
        return anticipated.LEVELS, partial(_design_evidence, signals), None
    return (
        _levels(rubrics.get(criterion_id)),
        partial(evidence_at, criterion_id, signals, judged=judged),
        partial(missing_at, criterion_id, signals),
    )


def _design_evidence(signals: Signals, level: int) -> tuple[str, ...]:
    """The quotes behind ``level`` on the design reading: lifecycle words at 1, the failure
    modes anticipated above it."""
    if level == 1:
        return incident_evidence(signals, 1)
    return anticipated.anticipated_evidence(signals.view, level)


def _distinct_sentences(signals: Signals) -> int:
    """How many different sentences the answer says (one said twice counts once)."""
    return len(signals.view.distinct_sentences)


def _levels(criterion: Criterion | None) -> tuple[str, ...]:
    return criterion.levels if criterion is not None else ()


# ---------------------------------------------------------------- scorecards


NO_SPEECH_STEP = (
    "Answer the question; if you did, check that the recording holds your voice "
    "(`coach doctor` tests the microphone)."
)
NO_TEXT_STEP = "Answer the question: the text given holds no answer."


def no_answer_scorecard(
    question: Question,
    transcript: str,
    level: str | None = None,
    delivery: Delivery | None = None,
) -> Scorecard:
    """All zeros and "no answer detected": nothing was said, so nothing is scored. The next
    step points at the recording only when the answer was spoken (it has ``delivery``)."""
    return Scorecard(
        question_id=question.id,
        round=question.round,
        level=level or question.level,  # type: ignore[arg-type]
        scorer=SCORER,
        criteria=[
            CriterionScore(id=c, score=0, evidence=[], feedback="no answer detected")
            for c in question.criteria
        ],
        overall=0.0,
        summary="no answer detected",
        next_step=NO_SPEECH_STEP if delivery is not None else NO_TEXT_STEP,
        follow_up=question.follow_ups[0] if question.follow_ups else None,
        transcript=transcript,
        delivery=delivery,
    )


def score_offline(
    question: Question,
    transcript: str,
    level: str | None = None,
    delivery: Delivery | None = None,
    signals: Signals | None = None,
    others: tuple[str, ...] = (),
) -> Scorecard:
    """Score every criterion of ``question`` from the transcript's signals (given when they
    were already read, as for the LLM judge's hints); ``others`` are the texts of the user's
    own questions, which the answer may be answering instead."""
    if is_no_answer(transcript):
        return no_answer_scorecard(question, transcript, level, delivery)
    level = level or question.level
    signals = signals or extract_signals(transcript, question.text)
    capped = stuffed(signals)
    rubrics = feedback.rubrics_for(question.criteria)
    judgements = {c: judge(c, signals, capped) for c in question.criteria}
    judgements = anticipated.with_anticipated(judgements, question.round, signals.view)
    judgements, missing = with_fitted_scores(judgements, signals, question.round, capped, rubrics)
    judgements, relevance = after_judging(question, transcript, signals, judgements, others)
    notice = missing_model_notice(relevance.notice, missing)
    criteria = [
        CriterionScore(
            id=cid,
            score=j.score,  # type: ignore[arg-type]
            evidence=list(j.evidence),
            feedback=feedback.criterion_feedback(cid, j, rubrics.get(cid), level),
        )
        for cid, j in judgements.items()
    ]
    scores = [c.score for c in criteria]
    summary = feedback.summary(judgements, rubrics, level)
    if relevance.addressed:
        next_step = feedback.next_step(judgements, rubrics, level)
        follow_up = feedback.follow_up(question, judgements, rubrics, level)
        stronger = feedback.stronger_version(question, signals, judgements)
    else:  # the other question's content is not coached: the question is asked again
        summary = f"{off_topic_line(relevance)} {summary}"
        next_step = off_topic_next_step(question.text)
        follow_up, stronger = question.text, None
    return Scorecard(
        question_id=question.id,
        round=question.round,
        level=level,  # type: ignore[arg-type]
        scorer=SCORER,
        criteria=criteria,
        overall=round(sum(scores) / len(scores), 1) if scores else 0.0,
        summary=summary + (" " + notice if notice else ""),
        next_step=next_step,
        follow_up=follow_up,
        transcript=transcript,
        delivery=delivery,
        stronger_version=stronger,
    )
