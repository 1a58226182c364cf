"""The app served on a free local port for a real browser (CSRF on, as in production), and the
steps the browser tests share: log in, start a complaint, check a page fits a phone's screen."""
import threading
import time
from contextlib import contextmanager

from werkzeug.serving import make_server

from app import create_app
from app.demo import DEMO_PASSWORD
import engine as runtime
from people.accounts import find_district, find_user
from tests.database_support import TEST_CONFIG


def browser_app(database_url):
    """The app as a browser meets it: CSRF on."""
    return create_app({"DATABASE_URL": database_url, "TESTING": True,
                       "WTF_CSRF_ENABLED": True, "SECRET_KEY": "browser-test",
                       "DOCUMENTS_DIR": TEST_CONFIG["DOCUMENTS_DIR"],
                       "MAP_TILE_URL": TEST_CONFIG["MAP_TILE_URL"]})


@contextmanager
def serve(served):
    """Serve an app on a free local port in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        served.extensions["db_engine"].dispose()


def wait_for_js(tab, expression, arg=None, timeout=10.0):
    """The expression's value (a function string is called with arg) once it is truthy.

    Instead of tab.wait_for_function: Playwright polls that inside the page with eval, which the
    pages' Content-Security-Policy (no 'unsafe-eval') refuses; each evaluate() here comes
    from the browser's DevTools protocol, which the policy lets through."""
    deadline = time.monotonic() + timeout
    while True:
        value = tab.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        tab.wait_for_timeout(50)


def log_in(page, username):
    """Log in through the login page (logging out whoever is logged in first)."""
    logout = page.locator("nav form[action='/logout'] button")
    if page.url.startswith("http") and logout.count():
        logout.click()
        page.wait_for_url("**/login**")
    else:
        page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button").click()
    page.wait_for_selector("[data-testid=current-user]", state="attached")  # folded menu on a phone


def start_complaint(app, title="شکایت آزمایشی") -> int:
    """Start a complaint in district 1 as pr_expert_d1 through the engine; the session is closed
    at once so the live server's writers are never kept waiting."""
    session = app.extensions["db_sessions"]()
    try:
        instance = runtime.start_instance(session, "complaints", find_user(session, "pr_expert_d1"),
                                          find_district(session, "d1").id, title=title)
        session.commit()
        return instance.id
    finally:
        session.close()


def fits_the_screen(tab) -> bool:
    """True if the page needs no horizontal scrolling once its layout has settled (a diagram
    or a font that arrives late may widen it for a moment on a loaded machine)."""
    for _ in range(50):  # evaluate, not wait_for_function: the pages' CSP forbids its eval
        if tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
            return True
        tab.wait_for_timeout(100)
    return False
