"""A real headless Chromium for the public-page tests: Debian's `chromium` and `chromium-driver`
driven by Selenium, with explicit paths so that Selenium Manager never runs (and is told to stay
offline if it did). Selenium is synchronous: async tests call `Browser` methods through
`asyncio.to_thread`, so the bot keeps serving on the event loop meanwhile.

Where Chromium is missing, `open_browser` FAILS the test with how to install it: a browser test
that cannot run must not pass or be skipped quietly."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
INSTALL = (
    "Headless Chromium is required for the public-page browser tests and is NOT installed. "
    "Install Debian's packages: `apt-get update && apt-get install -y chromium chromium-driver` "
    "(CI's `bash .ci/run` does this first)."
)


def artifacts_dir() -> Path:
    """Where screenshots go: $RALLY_ARTIFACTS, else <tmp>/rally-artifacts (kept after the run)."""
    default = Path(tempfile.gettempdir()) / "rally-artifacts"
    folder = Path(os.environ.get("RALLY_ARTIFACTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _find(candidates: tuple[str, ...], name: str) -> str | None:
    for path in candidates:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return shutil.which(name)


class Browser:
    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def open(self, url: str) -> None:
        self.driver.get(url)

    def run(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def text(self, selector: str) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.CSS_SELECTOR, selector).text)

    def attribute(self, selector: str, name: str) -> str | None:
        from selenium.webdriver.common.by import By

        value = self.driver.find_element(By.CSS_SELECTOR, selector).get_attribute(name)
        return None if value is None else str(value)

    def viewport(self, width: int, height: int) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def screenshot(self, url: str, width: int, path: Path) -> dict[str, int]:
        """Load `url` `width` CSS pixels wide, save the whole page as PNG; the page's sizes."""
        self.viewport(width, 800)
        self.open(url)
        sizes: dict[str, int] = self.run(
            "return {scrollWidth: document.documentElement.scrollWidth,"
            " scrollHeight: document.documentElement.scrollHeight,"
            " innerWidth: window.innerWidth}"
        )
        self.viewport(width, max(800, sizes["scrollHeight"]))
        self.driver.save_screenshot(str(path))
        return sizes

    def switch_to_frame(self, selector: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.switch_to.frame(self.driver.find_element(By.CSS_SELECTOR, selector))

    def switch_back(self) -> None:
        self.driver.switch_to.default_content()


@contextmanager
def open_browser() -> Iterator[Browser]:
    chromium = _find(CHROMIUM, "chromium")
    driver_path = _find(CHROMEDRIVER, "chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail(INSTALL, pytrace=False)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--metrics-recording-only",
        "--window-size=1280,800",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield Browser(driver)
    finally:
        driver.quit()
