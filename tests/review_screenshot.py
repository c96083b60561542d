"""Make the README's picture of the review page from a real session.

    python tests/review_screenshot.py docs/review-page.png

Runs one spoken practice session (synthesised speech, the real recorder, Whisper and the
offline scorer) in a temporary COACH_HOME, writes its review page and takes a screenshot
in headless chromium with one criterion's evidence lit up.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(out: Path) -> None:
    from browser import chromium
    from review_session import practise_spoken, run

    with tempfile.TemporaryDirectory(prefix="coach-screenshot-") as folder:
        os.environ["COACH_HOME"] = str(Path(folder) / "home")
        practise_spoken(Path(folder))
        page = Path(folder) / "review.html"
        code, _, err = run(["review", "--html", str(page)])
        if code != 0:
            raise SystemExit(err)
        with chromium() as driver:
            driver.set_window_size(1100, 1500)
            driver.get(page.as_uri())
            driver.find_element("css selector", '.chip[data-crit="numbers_sized"]').click()
            driver.execute_script("document.querySelector('section.answer').scrollIntoView()")
            out.write_bytes(driver.get_screenshot_as_png())
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/review-page.png"))
