"""The review and history pages, opened in a real headless chromium.

Each page comes from real sessions made in the test: synthesised speech through
`coach practice --answer-audio` (recorder, Whisper, offline scorer, SQLite) and typed
answers. The browser reads each page from disk; the tests check its console log and
network log, click words and criteria, and look at a screenshot.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path
from typing import Any

import pytest
from browser import available, chromium, console_problems, requests_by_document, screenshot_spread
from review_session import PAUSE_S, run, system_design_question

from coach.audio.words import is_filler, plain
from coach.sessions.html_page import esc
from coach.sessions.html_review import Token, find_quote


def needs_chromium(test: Any) -> Any:
    """Marks a test that drives chromium; skipped where chromium is not installed."""
    skip = pytest.mark.skipif(
        not available(), reason="needs chromium and chromium-driver (apt-get install them)"
    )
    return pytest.mark.browser(skip(test))
WEAK = "I would use a neural network and it would be good."


def open_page(driver: Any, page: Path) -> list[str]:
    """Load ``page`` from disk and wait for its recordings; returns the URLs it requested.

    Nothing at all in the network log (the browser's own pages included) may leave the
    machine.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    requests_by_document(driver)  # drop what the browser did before this page
    console_problems(driver)
    driver.get(page.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "Array.from(document.querySelectorAll('audio')).every(a => a.readyState >= 1)"
        )
    )
    requests = requests_by_document(driver)
    everything = [url for urls in requests.values() for url in urls]
    assert not [url for url in everything if re.match(r"(https?|wss?|ftp):", url)], everything
    return requests.get(page.as_uri(), [])


def assert_offline(urls: list[str]) -> None:
    assert urls, "the network log recorded nothing"
    assert all(url.startswith(("file:", "data:")) for url in urls), urls


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()


@needs_chromium
def test_the_review_page_plays_a_real_session(spoken: Path, tmp_path: Path) -> None:
    coach_home = spoken
    page = tmp_path / "pages" / "review.html"
    code, _, err = run(["review", "last", "--html", str(page)])
    assert code == 0 and f"wrote {page}" in err
    (stored,) = (coach_home / "audio").rglob("*.wav")
    src = re.search(r'<audio[^>]* src="([^"]+)"', page.read_text()).group(1)  # type: ignore[union-attr]
    assert not src.startswith(("/", "file:", "data:")) and (page.parent / src).resolve() == stored

    with chromium() as driver:
        urls = open_page(driver, page)
        assert console_problems(driver) == []
        assert_offline(urls)
        assert stored.as_uri() in urls  # the relative link found the stored recording
        duration = driver.execute_script("return document.querySelector('audio').duration")
        assert duration == pytest.approx(wav_seconds(stored), abs=0.05)

        # the pause shows as a gap; a click on the word after it seeks the recording there
        gaps = driver.find_elements("css selector", ".gap")
        assert len(gaps) == 1 and float(gaps[0].text.split()[0]) > 1.2
        after_gap = driver.execute_script(
            "return document.querySelector('.gap').nextElementSibling"
        )
        start = float(after_gap.get_attribute("data-start"))
        assert start > PAUSE_S
        after_gap.click()
        now = driver.execute_script("return document.querySelector('audio').currentTime")
        assert start <= now < start + 1.0
        first = driver.find_element("css selector", ".w[data-start]")
        first.click()
        now = driver.execute_script("return document.querySelector('audio').currentTime")
        first_start = float(first.get_attribute("data-start"))
        assert first_start <= now < first_start + 1.0 < start

        # a criterion lights up its evidence in the transcript and lists its quotes
        chip = driver.find_element("css selector", '.chip[data-crit="numbers_sized"]')
        panel = driver.find_element("css selector", '.quotes[data-crit="numbers_sized"]')
        assert not panel.is_displayed()
        chip.click()
        assert panel.is_displayed() and "50,000 requests per second" in panel.text
        lit = [w.text for w in driver.find_elements("css selector", ".w.lit")]
        assert "50,000" in lit and "requests" in lit
        quoted = set(plain(panel.text).split())  # only what the quotes say is lit
        assert {t for w in lit if not is_filler(w) for t in plain(w).split()} <= quoted
        assert console_problems(driver) == []
        assert screenshot_spread(driver.get_screenshot_as_png()) > 10


@needs_chromium
def test_embedded_audio_travels_with_the_page(spoken: Path, tmp_path: Path) -> None:
    coach_home = spoken
    page = tmp_path / "elsewhere" / "review.html"
    assert run(["review", "--html", str(page), "--embed-audio"])[0] == 0
    (stored,) = (coach_home / "audio").rglob("*.wav")
    stored.unlink()  # the page needs nothing but itself
    with chromium() as driver:
        urls = open_page(driver, page)
        assert console_problems(driver) == []
        assert_offline(urls)
        src = driver.execute_script("return document.querySelector('audio').src")
        assert src.startswith("data:audio/wav;base64,")
        word = driver.find_elements("css selector", ".w[data-start]")[5]
        word.click()
        now = driver.execute_script("return document.querySelector('audio').currentTime")
        assert float(word.get_attribute("data-start")) <= now


@needs_chromium
def test_the_history_page_draws_progress(spoken: Path, tmp_path: Path) -> None:
    question = system_design_question()
    typed = ["practice", "--text", "--question", question, "--no-speak", "--offline",
             "--no-follow-ups"]
    assert run(typed, WEAK + "\n")[0] == 0
    page = tmp_path / "history.html"
    assert run(["history", "--html", str(page)])[0] == 0
    with chromium() as driver:
        urls = open_page(driver, page)
        assert console_problems(driver) == []
        assert_offline(urls)
        charts = driver.find_elements("css selector", '.chart[data-crit] svg')
        criteria = {c.get_attribute("data-crit")
                    for c in driver.find_elements("css selector", ".chart[data-crit]")}
        assert {"numbers_sized", "tradeoffs_named", "post_launch_failures"} <= criteria
        numbers = driver.find_element("css selector", '.chart[data-crit="numbers_sized"]')
        assert len(numbers.find_elements("css selector", "circle")) == 2  # two answers
        assert len(numbers.find_elements("css selector", "line.rule")) == 2  # L4 and L5 bars
        assert len(charts) == len(criteria)
        pace = driver.find_element("css selector", '.chart[data-figure="wpm"]')
        assert len(pace.find_elements("css selector", "circle")) == 1  # the spoken answer
        assert pace.find_elements("css selector", "rect.band")
        assert driver.find_element("css selector", '.chart[data-figure="fillers_per_min"] svg')
        queued = driver.find_elements("css selector", "tr.queued")
        assert len(queued) == 1 and question in queued[0].text and "due now" in queued[0].text
        assert "system_design" in driver.find_element("css selector", "tr.round").text
        assert screenshot_spread(driver.get_screenshot_as_png()) > 10


def test_user_text_is_escaped(coach_home: Path, tmp_path: Path) -> None:
    hostile = (
        "We shipped <script>alert('x')</script> at 200 requests per second \x1b[31mred\x1b[0m "
        '<img src="https://example.com/a.png"> and it worked.'
    )
    question = system_design_question()
    args = ["practice", "--text", "--question", question, "--no-speak", "--offline",
            "--no-follow-ups"]
    assert run(args, hostile + "\n")[0] == 0
    page = tmp_path / "review.html"
    assert run(["review", "--html", str(page)])[0] == 0
    text = page.read_text()
    assert text.count("<script>") == 1  # the page's own
    assert "<img" not in text and "\x1b" not in text and "[31m" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "https://example.com" in text  # shown as text, never fetched
    assert "Typed answer: no recording." in text


def test_escape_drops_terminal_codes() -> None:
    assert esc("\x1b[1;31m<b>\x1b[0m & \x07done") == "&lt;b&gt; &amp; done"


def test_quotes_are_found_across_fillers_and_punctuation() -> None:
    tokens = [Token(w, filler=w.strip(",").lower() in {"um", "uh"}) for w in
              ["So", "um,", "we", "served", "50,000", "requests,", "uh,", "per", "second."]]
    span = find_quote(tokens, "50,000 requests per second")
    assert span == range(4, 9)  # "uh" inside the quote is covered too
    assert find_quote(tokens, "requests per minute") is None


def test_the_header_shows_the_session_summary_and_the_replay_queue(
    coach_home: Path, tmp_path: Path
) -> None:
    question = system_design_question()
    args = ["practice", "--text", "--question", question, "--no-speak", "--offline",
            "--no-follow-ups"]
    assert run(args, WEAK + "\n")[0] == 0
    page = tmp_path / "review.html"
    assert run(["review", "1", "--html", str(page)])[0] == 0
    text = page.read_text()
    header = text[text.index("<header") : text.index("</header>")]
    assert "Numbers that size the system" in header and "0 of 1" in header
    assert f"{question} (this session)" in header and "due now" in header
