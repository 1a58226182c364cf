"""Browser fixtures: the app served on a free local port (CSRF on, as in production) and
Debian's Chromium driven by Playwright (never `playwright install`: it cannot download here)."""
from pathlib import Path

import pytest

from live_server import browser_app, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp/shots")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
# Every test here is marked `browser` and `committed` by tests/conftest.py.


@pytest.fixture
def live_server(app, database_url):
    """Base URL of the app served in a background thread, on the test database.

    Depends on `app` (committed mode) so the database is emptied and the demo users exist,
    committed for the server's threads; this second app keeps CSRF protection on, because a
    real browser sends the token of each form."""
    with serve(browser_app(database_url)) as url:
        yield url


# What the browser refused under the Content-Security-Policy (app/security.py) in the running
# test: every context made through the `chromium` fixture reports its console here.
CSP_VIOLATIONS = []


class _CspWatchingBrowser:
    """The browser, whose every new context records Content-Security-Policy violations."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.on("console", _note_csp_violation)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


def _note_csp_violation(message):
    if "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(message.text)


@pytest.fixture(autouse=True)
def _no_csp_violations():
    """Fails the test (at teardown) if a page it opened broke the Content-Security-Policy:
    an inline script, an event handler attribute, a script or image from elsewhere."""
    CSP_VIOLATIONS.clear()
    yield
    violations, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium; `make test` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        yield _CspWatchingBrowser(browser)
        browser.close()


def _new_tab(chromium, base_url, **options):
    """(context, tab): a tab with its own cookies that collects page errors in tab.js_errors."""
    context = chromium.new_context(base_url=base_url, **options)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    return context, tab


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab (own cookies) pointed at the live server."""
    context, tab = _new_tab(chromium, live_server, viewport={"width": 1280, "height": 900})
    yield tab
    context.close()


@pytest.fixture
def phone(chromium, live_server):
    """A fresh phone-sized tab (own cookies, touch) pointed at the live server."""
    context, tab = _new_tab(chromium, live_server, **PHONE)
    yield tab
    context.close()


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS

