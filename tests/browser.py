"""A real browser for the HTML pages: Debian's chromium, headless, driven by selenium.

Chrome starts with everything that could reach the network switched off and a fresh
profile in a temporary folder. Tests read the console log and the network log of each
page, click through it and take screenshots.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1100,1400",
)


def available() -> bool:
    return CHROMIUM.is_file() and CHROMEDRIVER.is_file()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium session (selenium WebDriver) with console and network logs on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="coach-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_problems(driver: Any) -> list[str]:
    """Console messages at warning level or worse since the last call."""
    return [
        entry["message"] for entry in driver.get_log("browser")
        if entry["level"] in {"SEVERE", "WARNING"}
    ]


def requests_by_document(driver: Any) -> dict[str, list[str]]:
    """The URLs each document asked for since the last call (the DevTools network log)."""
    found: dict[str, list[str]] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            found.setdefault(params.get("documentURL", ""), []).append(params["request"]["url"])
    return found


def screenshot_spread(png: bytes) -> float:
    """The standard deviation of the screenshot's grey levels (0 for a blank page)."""
    import io

    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
    return float(grey.std())
