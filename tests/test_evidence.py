"""Quote verification: only spans of the transcript count as evidence."""

from __future__ import annotations

import pytest

from coach.rubrics.evidence import cap_without_evidence, find_span, tokenize, verify_quotes

TRANSCRIPT = (
    "So, um, at my previous job we served about 50,000 QPS with a p99 budget of "
    "8 milliseconds. I picked a two-tower model over a cross-encoder because the "
    "latency budget was tight, and we gave up about 1.5 AUC points. After launch, "
    "the click-through rate dropped 4% in one region; an alert on the feature "
    "freshness dashboard caught it."
)


def test_tokenize_lowercases_and_folds_punctuation_and_space() -> None:
    words = [token.text for token in tokenize("  We served\n50,000 QPS!  ")]
    assert words == ["we", "served", "50", "000", "qps"]


@pytest.mark.parametrize(
    ("quote", "span"),
    [
        ("we served about 50,000 QPS", "we served about 50,000 QPS"),
        ("WE SERVED ABOUT 50,000 qps...", "we served about 50,000 QPS"),
        ("we served about 50000 QPS", "we served about 50,000 QPS"),
        ("a two tower model over a cross encoder", "a two-tower model over a cross-encoder"),
        ("we gave up about 1.5 AUC points.", "we gave up about 1.5 AUC points"),
    ],
)
def test_exact_matches_return_the_original_span(quote: str, span: str) -> None:
    assert find_span(quote, TRANSCRIPT) == span
    assert span in TRANSCRIPT


def test_close_match_is_replaced_by_the_exact_span() -> None:
    # the judge dropped the filler and changed a word
    quote = (
        "so at my previous job we served about 50,000 QPS with a p99 budget of eight milliseconds"
    )
    span = find_span(quote, TRANSCRIPT)
    assert span == (
        "So, um, at my previous job we served about 50,000 QPS with a p99 budget of 8 milliseconds"
    )


def test_close_match_with_a_substituted_verb() -> None:
    quote = "I chose a two-tower model over a cross-encoder because the latency budget was tight"
    assert find_span(quote, TRANSCRIPT) == (
        "I picked a two-tower model over a cross-encoder because the latency budget was tight"
    )


@pytest.mark.parametrize(
    "quote",
    [
        "we served 10 billion users with a 1 ms budget",  # fabricated
        "I led a team of forty engineers through the migration",  # fabricated
        "latency",  # one word proves nothing
        "we served 60,000",  # short quotes must match exactly
        "",
    ],
)
def test_quotes_not_in_the_transcript_are_dropped(quote: str) -> None:
    assert find_span(quote, TRANSCRIPT) is None


def test_verify_quotes_keeps_spans_in_order_without_repeats() -> None:
    quotes = [
        "the click-through rate dropped 4% in one region",
        "an invented sentence about a migration to Kubernetes clusters",
        "The click through rate dropped 4 % in one region",
        "an alert on the feature freshness dashboard caught it",
    ]
    assert verify_quotes(quotes, TRANSCRIPT) == [
        "the click-through rate dropped 4% in one region",
        "an alert on the feature freshness dashboard caught it",
    ]


def test_empty_transcript_verifies_nothing() -> None:
    assert verify_quotes(["we served about 50,000 QPS"], "") == []


@pytest.mark.parametrize(("score", "evidence", "capped"), [
    (4, [], 1), (1, [], 1), (0, [], 0), (4, ["a span"], 4),
])
def test_no_evidence_caps_the_score_at_one(score: int, evidence: list[str], capped: int) -> None:
    assert cap_without_evidence(score, evidence) == capped  # type: ignore[arg-type]
