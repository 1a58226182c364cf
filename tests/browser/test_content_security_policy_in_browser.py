"""The Content-Security-Policy (app/security.py) as Chromium enforces it: an inline script, an
event handler attribute and another site's image are refused (and the browser tests' watcher,
tests/browser/conftest.py, notices), while the portal map's tiles from the MAP_TILE_URL server
load."""
import pytest
from flask import Response

from app import create_app
from live_server import serve
from tests.database_support import TEST_CONFIG

from conftest import CSP_VIOLATIONS, PHONE, _new_tab
from portal_support import PNG_1PX, deploy_citizen_processes

pytestmark = pytest.mark.browser
TILE_SERVER = "https://tiles.example.test"
PROBE = """<!doctype html><html><body>
<script>window.inlineRan = true;</script>
<button id="probe" onclick="window.handlerRan = true">probe</button>
<img id="elsewhere" src="https://images.example.test/x.png">
</body></html>"""


@pytest.fixture
def csp_server(app, database_url):
    """The app as browsers meet it, its map's tiles on another site, and a page that tries what
    the policy forbids."""
    served = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
                         "SECRET_KEY": "browser-test", "DOCUMENTS_DIR": TEST_CONFIG["DOCUMENTS_DIR"],
                         "MAP_TILE_URL": TILE_SERVER + "/{z}/{x}/{y}.png"})
    served.add_url_rule("/csp-probe", "csp_probe", lambda: Response(PROBE, mimetype="text/html"))
    with serve(served) as url:
        yield url


def test_inline_scripts_event_handlers_and_other_sites_images_are_refused(chromium, csp_server):
    context, tab = _new_tab(chromium, csp_server)
    images = []
    tab.route("https://images.example.test/**", lambda route: (images.append(route.request.url),
                                                              route.fulfill(body=PNG_1PX, content_type="image/png")))
    try:
        tab.goto("/csp-probe")
        tab.click("#probe")
        assert tab.evaluate("[window.inlineRan, window.handlerRan]") == [None, None]
        assert images == [], "the image was never asked for"
        assert len(CSP_VIOLATIONS) >= 3, CSP_VIOLATIONS
        assert any("inline" in text for text in CSP_VIOLATIONS)
        assert any("images.example.test" in text for text in CSP_VIOLATIONS)
    finally:
        CSP_VIOLATIONS.clear()  # expected here: the watcher must not fail this test
        context.close()


def test_the_portal_map_loads_its_tiles_from_the_tile_server_setting(app, chromium, csp_server):
    deploy_citizen_processes(app)
    context, phone = _new_tab(chromium, csp_server, **PHONE)
    tiles = []
    phone.route(TILE_SERVER + "/**", lambda route: (tiles.append(route.request.url),
                                                    route.fulfill(body=PNG_1PX, content_type="image/png")))
    try:
        phone.goto("/p/requests/new")
        phone.wait_for_selector("#map .leaflet-tile-loaded")
        assert tiles and all(url.startswith(TILE_SERVER) for url in tiles)
        assert phone.js_errors == []
    finally:
        context.close()
