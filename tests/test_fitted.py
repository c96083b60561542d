"""The fitted scorer: the shipped model loads, ranks constructed answers the way the rubric
does, lands within one point of the rubric anchors, and never claims without a quote."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest

from coach.errors import RubricError
from coach.rubrics import load_rubrics, offline
from coach.rubrics.anticipated import anticipated_evidence, incident_told, read_anticipated
from coach.rubrics.features import AnswerFeatures, answer_features
from coach.rubrics.feedback import criterion_feedback
from coach.rubrics.fitted import MODEL_FILE, ScorerModel, load_model
from coach.rubrics.judgement import Judgement
from coach.rubrics.judges import judge
from coach.rubrics.judges.numbers import numbers_evidence
from coach.rubrics.judges.post_launch import incident_evidence, incident_missing
from coach.rubrics.meaning import COUNT, NAMES, read_meaning, shipped_projection
from coach.rubrics.models import CORE_CRITERIA
from coach.rubrics.offline import fitted_judgement
from coach.rubrics.signals import extract_signals

QUESTION = "Design the fraud scoring service for a payments company."

SIZED = (
    "We take about 3,000 transactions a second at peak and the checkout gives us 50 "
    "milliseconds, so scoring gets 20. Two years of history is around 900 million rows, about "
    "400 GB of features. At 3,000 a second that's roughly 260 million calls a day, so I'd "
    "keep the model on CPU; a GPU fleet would cost about $40,000 a month."
)
VAGUE_SIZE = (
    "It's a really big system with huge traffic and millions of users, so latency matters "
    "and the model has to be fast and scalable."
)
COSTED = (
    "I went with gradient boosted trees instead of a deep network because the latency budget "
    "was tight. We gave up about 1.5 points of recall in exchange for a p99 of 8 milliseconds "
    "instead of 45, and we accepted weekly retrains rather than daily ones to save cost."
)
TRADE_OFF_TALK = "There are always trade-offs between accuracy and latency in these systems."
INCIDENT = (
    "Two weeks after launch the dashboard showed the approval rate dropping by 4% for one "
    "bank. The root cause was a currency feature that arrived stale after an upstream change. "
    "I rolled back to the previous model the same day and added a freshness check to the "
    "pipeline, and since then every feature has an owner and an alert."
)
LIFECYCLE_TALK = "After launch we'd monitor for drift and set up some alerts."
STORY = (
    "At my last company our churn model was ignored by the sales team. My task was to make "
    "its scores usable within one quarter. I interviewed six account managers, then I decided "
    "to replace the raw score with three reasons per account and I shipped that into the CRM. "
    "Within two months the share of flagged accounts contacted went from 20% to 65%, and "
    "renewals in that segment rose by 3 points. What I learned is to ask users how they will "
    "act on a prediction before I build it."
)
OPINION = "I think communication is key, and I always try to involve partners early."


def features_of(transcript: str, round_name: str = "system_design") -> AnswerFeatures:
    signals = extract_signals(transcript, QUESTION)
    return answer_features(signals, round_name, read_meaning(signals.view).values)


def predicted(transcript: str, criterion: str, round_name: str = "system_design") -> int:
    return load_model().predict(features_of(transcript, round_name))[criterion]


def test_the_shipped_model_holds_every_core_criterion_and_scores_0_to_4() -> None:
    model = load_model()
    assert set(model.criteria) == set(CORE_CRITERIA)
    assert model.switched <= set(CORE_CRITERIA)
    for text in (SIZED, VAGUE_SIZE, COSTED, INCIDENT, STORY, OPINION):
        scores = model.predict(features_of(text))
        assert set(scores) == set(CORE_CRITERIA)
        assert all(score in range(5) for score in scores.values())


def test_the_model_file_ships_in_the_package() -> None:
    data = json.loads(
        resources.files("coach.rubrics").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    )
    for entry in data["criteria"].values():
        assert set(entry["features"]) == set(AnswerFeatures.names())
        assert entry["dev"]["kappa"] > 0  # the figures it was chosen on travel with it


@pytest.mark.parametrize(
    ("strong", "weak", "criterion", "round_name"),
    [
        (SIZED, VAGUE_SIZE, "numbers_sized", "system_design"),
        (COSTED, TRADE_OFF_TALK, "tradeoffs_named", "system_design"),
        (INCIDENT, LIFECYCLE_TALK, "post_launch_failures", "system_design"),
        (STORY, OPINION, "star_structure", "behavioral"),
    ],
)
def test_an_answer_that_does_what_the_rubric_asks_scores_higher(
    strong: str, weak: str, criterion: str, round_name: str
) -> None:
    assert predicted(strong, criterion, round_name) > predicted(weak, criterion, round_name)


# The rubric anchors are checked against the shipped scorer in tests/test_relevance_caps.py.


def test_features_are_deterministic_finite_and_in_name_order() -> None:
    first, again = features_of(STORY, "behavioral"), features_of(STORY, "behavioral")
    assert first == again
    vector = first.as_vector()
    assert len(vector) == len(AnswerFeatures.names())
    assert all(math.isfinite(v) for v in vector)
    assert vector[AnswerFeatures.names().index("round_story")] == 1.0


def test_repeating_or_padding_with_fillers_leaves_the_features_unchanged() -> None:
    assert features_of(" ".join([COSTED] * 3)) == features_of(COSTED)
    for text in (INCIDENT, STORY):
        assert features_of(text.replace(". ", ". Um, ")) == features_of(text)


def test_what_the_answer_is_about_comes_last_one_feature_per_shipped_component() -> None:
    projection = shipped_projection()
    assert projection.components.shape == (COUNT, len(projection.mean))
    gram = projection.components @ projection.components.T
    assert np.allclose(gram, np.eye(COUNT), atol=1e-4)  # principal directions: orthonormal
    assert AnswerFeatures.names()[-COUNT:] == NAMES
    story, design = features_of(STORY, "behavioral"), features_of(SIZED)
    assert story.as_vector()[-COUNT:].tolist() == list(story.meaning)
    assert np.linalg.norm(np.subtract(story.meaning, design.meaning)) > 0.3


def test_the_score_stays_within_one_point_of_the_rules_and_needs_a_quote() -> None:
    quoted = Judgement(2, ("we gave up recall",), "a choice", "its cost")
    assert fitted_judgement(quoted, 4, capped=False).score == 3
    assert fitted_judgement(quoted, 0, capped=False).score == 1
    assert fitted_judgement(quoted, 2, capped=False).evidence == quoted.evidence
    assert fitted_judgement(quoted, 3, capped=True).score == 1
    unquoted = Judgement(1, (), "nothing", "everything")
    assert fitted_judgement(unquoted, 2, capped=False).score == 1


def test_a_model_with_a_reach_of_two_moves_two_points_but_still_needs_a_quote() -> None:
    quoted = Judgement(2, ("we gave up recall",), "a choice", "its cost")
    assert fitted_judgement(quoted, 4, capped=False, reach=2).score == 4
    assert fitted_judgement(quoted, 0, capped=False, reach=2).score == 0
    assert fitted_judgement(Judgement(0, (), "", "x"), 3, capped=False, reach=2).score == 1
    assert fitted_judgement(quoted, 4, capped=True, reach=2).score == 1


def test_a_model_may_score_two_with_nothing_quoted_only_where_its_ceiling_allows() -> None:
    unquoted = Judgement(0, (), "", "a choice")
    assert fitted_judgement(unquoted, 3, capped=False, reach=2, unquoted=2).score == 2
    assert fitted_judgement(unquoted, 3, capped=False, reach=1, unquoted=2).score == 1
    assert fitted_judgement(unquoted, 3, capped=True, reach=2, unquoted=2).score == 1
    assert fitted_judgement(unquoted, 0, capped=False, reach=2, unquoted=2).score == 0
    levels = load_rubrics()["tradeoffs_named"].levels
    raised = fitted_judgement(unquoted, 2, capped=False, levels=levels, reach=2, unquoted=2)
    assert raised.evidence == () and raised.found.startswith("no sentence is quoted for it")


def test_the_reach_and_ceiling_are_read_from_the_model_file_and_are_one_when_not_given() -> None:
    shipped = json.loads(resources.files("coach.rubrics").joinpath(MODEL_FILE).read_text())
    entries = shipped["criteria"]
    models = ScorerModel.from_dict(shipped).criteria.values()
    assert {m.reach for m in models} <= {1, 2} and {m.unquoted for m in models} <= {1, 2}
    for entry in entries.values():
        entry.pop("reach", None)
        entry.pop("unquoted", None)
    models = ScorerModel.from_dict(shipped).criteria.values()
    assert {m.reach for m in models} == {1} and {m.unquoted for m in models} == {1}


def test_a_level_told_as_the_one_below_and_more_is_asked_for_in_plain_words() -> None:
    levels = load_rubrics()["post_launch_failures"].levels
    assert levels[4].startswith("As 3, and also ")
    rule = Judgement(2, ("the feed went stale after launch",), "a problem", "how it was caught")
    up = fitted_judgement(rule, 3, capped=False, levels=levels, quotes_at=lambda _: ("x",))
    assert up.missing.startswith("an answer at 4 does what one at 3 does, and explains why")


def test_a_moved_score_is_worded_for_its_own_level() -> None:
    levels = load_rubrics()["tradeoffs_named"].levels
    rule = Judgement(2, ("we gave up recall",), "a choice between named alternatives", "its cost")
    up = fitted_judgement(rule, 3, capped=False, levels=levels, quotes_at=lambda _: ("cost",))
    assert up.found == levels[3][:1].lower() + levels[3][1:].rstrip(".")
    assert up.missing.startswith("an answer at 4 ") and "its cost" not in up.missing
    down = fitted_judgement(rule, 1, capped=False, levels=levels, quotes_at=lambda _: ("x",))
    assert down.found.startswith(levels[1][:20].lower()) and down.missing == "its cost"
    assert "without" in levels[1] and "without" not in down.found  # the quote shows a choice
    same_quotes = fitted_judgement(rule, 1, capped=False, levels=levels)
    assert same_quotes.found == (
        "read as a whole, the answer scores a level below what the quote shows: a choice "
        "between named alternatives"
    )  # not the level-1 words, which would deny the choice quoted
    kept = fitted_judgement(rule, 2, capped=False, levels=levels)
    assert (kept.found, kept.missing) == (rule.found, rule.missing)
    card = criterion_feedback("tradeoffs_named", up, load_rubrics()["tradeoffs_named"], "L5")
    assert card.startswith(levels[3].rstrip(".")) and "3/4" in card


def test_a_score_raised_above_its_quotes_says_what_they_show() -> None:
    levels = load_rubrics()["tradeoffs_named"].levels
    rule = Judgement(2, ("we went with X over Y",), "a choice between named alternatives", "")
    up = fitted_judgement(rule, 3, capped=False, levels=levels)  # the rules' quotes kept
    assert up.evidence == rule.evidence
    assert up.found.startswith("as a whole the answer reads like one that states what")
    assert up.found.endswith("what the quote shows: a choice between named alternatives")


def test_a_score_raised_with_nothing_to_quote_says_it_reads_the_whole_answer() -> None:
    levels = load_rubrics()["tradeoffs_named"].levels
    rule = Judgement(0, (), "one path", "an alternative you rejected")
    raised = fitted_judgement(rule, 1, capped=False, levels=levels, quotes_at=lambda level: ())
    assert raised.score == 1 and raised.evidence == ()
    assert raised.found.startswith("no sentence is quoted for it, but as a whole the answer")
    quoted = fitted_judgement(rule, 1, capped=False, levels=levels, quotes_at=lambda _: ("x",))
    assert quoted.found == levels[1][:1].lower() + levels[1][1:].split(", without")[0]


DESIGNED_FAILURES = (
    "I'd serve a gradient boosted model behind a feature store. If the upstream card feed "
    "goes stale, I'd alert when the share of null features jumps and fall back to the "
    "rules engine. Around holidays the base rate moves, so I'd compare the daily flag rate "
    "with its baseline and recalibrate the threshold."
)


def test_a_design_answer_moved_by_the_model_is_worded_and_quoted_as_anticipated_failures() -> None:
    signals = extract_signals(DESIGNED_FAILURES, QUESTION)
    rubrics = load_rubrics()
    reading = read_anticipated(signals.view)  # two handled, no threshold in figures
    assert reading.score == 3 and len(anticipated_evidence(signals.view, 4)) == 2
    levels, quotes_at, _ = offline._reading(
        "post_launch_failures", reading, signals, "system_design", rubrics
    )  # a 3 on the design reading, raised: anticipated wording and quotes, not an incident's
    raised = fitted_judgement(reading, 4, False, levels, quotes_at, reach=1)
    assert raised.evidence == anticipated_evidence(signals.view, 4)
    assert "failure modes" in raised.found and "damage" not in raised.found
    told = extract_signals(INCIDENT, QUESTION)  # a real incident, told in a design round
    assert incident_told(told) and not incident_told(signals)
    judged = judge("post_launch_failures", told)
    incident = offline._reading("post_launch_failures", judged, told, "system_design", rubrics)
    assert incident[0] == rubrics["post_launch_failures"].levels  # keeps the incident's words


def test_a_level_told_as_the_one_below_reads_in_plain_words_when_raised_without_a_quote() -> None:
    levels = load_rubrics()["post_launch_failures"].levels
    rule = Judgement(3, ("we rolled back",), "an incident", "its cause")
    raised = fitted_judgement(rule, 4, capped=False, levels=levels, quotes_at=lambda _: ())
    assert "reads like one that does what one at 3 does, and" in raised.found
    assert "one that as 3" not in raised.found


def test_a_model_fitted_on_other_features_is_refused_with_the_fix() -> None:
    data = json.loads(
        resources.files("coach.rubrics").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    )
    entry = data["criteria"]["numbers_sized"]
    entry["features"].pop("sized_quantities")
    with pytest.raises(RubricError, match="fitted on other features"):
        ScorerModel.from_dict(data)


def test_a_moved_score_quotes_what_earns_its_own_level() -> None:
    rule = Judgement(2, ("the rules' quote",), "a choice", "its cost", lead="the rules' quote")
    for score in (1, 3):
        moved = fitted_judgement(rule, score, capped=False, quotes_at=lambda level: (f"{level}",))
        assert moved.evidence == (f"{score}",) and moved.lead == ""
    one = Judgement(1, ("we'd monitor for drift",), "lifecycle words", "an event")
    assert fitted_judgement(one, 0, capped=False).evidence == ()  # nothing earns a 0
    assert fitted_judgement(rule, 1, capped=False).evidence == rule.evidence  # no choice given


def test_a_score_lowered_to_a_level_with_no_quote_of_its_own_keeps_what_the_rules_quoted() -> None:
    levels = load_rubrics()["post_launch_failures"].levels
    rule = Judgement(2, ("the first problem was latency",), "a specific production problem", "")
    down = fitted_judgement(rule, 1, capped=False, levels=levels, quotes_at=lambda level: ())
    assert down.score == 1 and down.evidence == rule.evidence
    assert down.found == (
        "read as a whole, the answer scores a level below what the quote shows: a specific "
        "production problem"
    )  # not "no event" with nothing quoted, beside an answer that tells one


def test_numbers_raised_to_4_quote_the_figures_worked_out_not_their_inputs() -> None:
    answer = (
        "Say the fleet sees two million new files a day. At a base rate of one in a thousand "
        "that's about 2,000 malicious files a day. Support can absorb maybe twenty bad "
        "quarantines a day."
    )
    signals = extract_signals(answer, QUESTION)
    assert numbers_evidence(signals, 4) == (
        "At a base rate of one in a thousand that's about 2,000 malicious files a day.",
    )
    assert numbers_evidence(signals, 3) == judge("numbers_sized", signals).evidence
    assert numbers_evidence(extract_signals(SIZED[:60], QUESTION), 4) == judge(
        "numbers_sized", extract_signals(SIZED[:60], QUESTION)
    ).evidence  # nothing worked out: the rules' own quotes


def test_lifecycle_quotes_of_a_lowered_post_launch_score_are_not_the_event() -> None:
    answer = (
        "So we launched a recommendation model in production and the first problem was latency "
        "two weeks after launch. What I take away is that you need monitoring that someone "
        "actually looks at."
    )
    signals = extract_signals(answer, "What went wrong after launch?")
    assert signals.of("post_launch", "event")  # the first sentence is the event
    assert incident_evidence(signals, 1) == (
        "What I take away is that you need monitoring that someone actually looks at.",
    )


def test_a_raised_score_asks_only_for_the_parts_of_the_next_level_not_told() -> None:
    levels = load_rubrics()["post_launch_failures"].levels
    rule = Judgement(2, ("the feed went stale after launch",), "a problem", "how it was caught")
    told = fitted_judgement(
        rule, 3, False, levels, lambda _: ("x",), missing_at=lambda level: "add the root cause"
    )
    assert told.missing == "add the root cause"
    untold = fitted_judgement(rule, 3, False, levels, lambda _: ("x",), missing_at=lambda _: "")
    assert untold.missing.startswith("an answer at 4 does what one at 3 does")


def test_what_an_incident_lacks_for_4_is_read_from_the_parts_it_told() -> None:
    answer = (
        "Two weeks after launch the fraud model started blocking good orders. Support flagged it "
        "from customer tickets. We rolled back the model the same day. About 2,000 orders were "
        "blocked in those two weeks."
    )
    signals = extract_signals(answer, "What broke after launch?")
    assert incident_missing(signals, 3) == (
        "add the root cause, the lasting change to the system or team"
    )  # the impact in numbers is told
    assert incident_missing(signals, 2) == ""  # the rubric's next level says it there
    all_of_4 = extract_signals(
        "Two weeks after launch the fraud model started blocking good orders. It turned out a "
        "merchant field had gone null. About 2,000 orders were blocked. Since then every "
        "feature has a null-rate check.",
        "What broke after launch?",
    )  # the rules found no detection and no fix: the score of 3 is the model's
    assert incident_missing(all_of_4, 3) == "say plainly how it was detected and what you changed"
