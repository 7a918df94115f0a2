"""Playwright driving Debian's Chromium (never a downloaded browser) against live_server."""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, require_service

CHROMIUM = os.environ.get("PRISMATIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# from the test body (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 1366, "height": 850}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in through the login page and wait for the review list."""
    from playwright.sync_api import expect

    from reviews.demo import DEMO_PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My reviews")).to_be_visible()


@pytest.fixture
def screenshot_dir(request) -> Path:
    """test-results/<test name>/, where a test saves the screenshots it takes."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    folder = REPO / "test-results" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
