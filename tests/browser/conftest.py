"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

No browser is downloaded: Playwright launches /usr/bin/chromium (Debian's
``chromium`` package, which .ci/run installs). A failed test leaves a
full-page screenshot in ``test-results/``.

Browser tests are transactional (the live server needs committed data) and
prepare data in fixtures listed before ``page`` (see the fixture below).
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Headless, and quiet on the network: this machine reaches no outside host,
# and Chromium's background fetches would only fail and slow it down.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so that fixtures can tell in
    # their teardown whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(live_server, request):
    """A fresh Chromium page, with no cookies, on the live server.

    Playwright's sync API runs an asyncio event loop in the test thread while
    it is open. Django then refuses database access from that thread (its
    async-safety check), and such access would not even reach the test's own
    connection: Django keeps connections per async context, so the test
    database set up by pytest-django (and its serialized rollback) would be
    bypassed. So the database is set up before Playwright starts and cleaned
    up after it stops: prepare data in fixtures listed before ``page`` in the
    test's arguments. DJANGO_ALLOW_ASYNC_UNSAFE is set only while Playwright
    runs, and any connection opened meanwhile is closed before it stops.

    The browser asks for English, as many phones in Vietnam do: the site must
    still answer in Vietnamese, since LanguageMiddleware ignores
    Accept-Language by design and only the language switch counts.
    """
    if not CHROMIUM.exists():
        require_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-US",
            extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                _screenshot(page, request)
            context.close()
            browser.close()
            connections.close_all()


def _screenshot(page, request) -> None:
    results = Path(request.config.rootpath) / "test-results"
    results.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    try:
        page.screenshot(path=str(results / f"{name}.png"), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the test's failure
        print(f"screenshot of the failed page could not be taken: {exc}")  # noqa: T201


def sign_in(page, email: str, password: str, *, totp=None) -> None:
    """Sign in through the real forms; ``totp`` gives the authenticator's current code."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(password)
    form.locator("button[type='submit']").click()
    if totp is not None:
        code = page.locator("input[name='code']")
        expect(code).to_be_visible()
        code.fill(totp())
        code.locator("xpath=ancestor::form").locator("button[type='submit']").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))
