"""Headless Chromium (Debian package, `make browser`) driven by Playwright, for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("THREADLINE_SKIP_BROWSER"):
            pytest.skip("no Chromium and THREADLINE_SKIP_BROWSER is set")
        pytest.fail("Chromium is not installed: run `make browser` (apt-get install chromium)")
    return found


def launched_browser() -> Iterator[Browser]:
    """A headless Chromium for a module's tests (use as a fixture body)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), headless=True)
        yield browser
        browser.close()
