"""The filing page's Leaflet map on a phone: its tiles come from a local fixture (never the
internet), a tap places the point, and the form sends those coordinates, whose district the
server finds in the uploaded boundaries."""
from urllib.parse import urlparse

import pytest
from flask import Response
from sqlalchemy import select

from app import create_app
from live_server import fits_the_screen, serve
from models import CitizenRequest
from tests.database_support import TEST_CONFIG

from boundary_support import upload_boundaries
from conftest import PHONE, _new_tab
from portal_support import PNG_1PX, deploy_citizen_processes

pytestmark = pytest.mark.browser
TILES = TEST_CONFIG["MAP_TILE_URL"]


@pytest.fixture
def map_server(app, database_url):
    """The app served with its map's tiles taken from a local route that answers a tiny PNG."""
    served = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": True,
                         "SECRET_KEY": "browser-test", "DOCUMENTS_DIR": TEST_CONFIG["DOCUMENTS_DIR"],
                         "MAP_TILE_URL": TILES, "MAP_CENTER": "34.64,50.85,14"})
    served.tiles_served = []

    def tile(z, x, y):
        served.tiles_served.append((z, x, y))
        return Response(PNG_1PX, mimetype="image/png")

    served.add_url_rule("/test-tiles/<int:z>/<int:x>/<int:y>.png", "test_tile", tile)
    with serve(served) as url:
        yield url, served


def test_a_tap_on_the_map_places_the_point_and_the_form_sends_it_on_a_phone(app, chromium, map_server, shots):
    url, served = map_server
    deploy_citizen_processes(app)
    upload_boundaries(app)
    context, phone = _new_tab(chromium, url, **PHONE)
    elsewhere = []
    host = urlparse(url).netloc

    def only_local(route):
        if urlparse(route.request.url).netloc != host:
            elsewhere.append(route.request.url)
            return route.abort()
        return route.continue_()

    phone.route("**/*", only_local)
    try:
        phone.goto("/p/requests/new")
        box = phone.get_by_test_id("map")
        box.wait_for(state="visible")
        phone.wait_for_selector("#map .leaflet-tile-loaded")
        assert served.tiles_served and all(z == 14 for z, _, _ in served.tiles_served)
        assert fits_the_screen(phone)

        phone.select_option("#service_code", "service")
        phone.fill("#description", "چاله بزرگ وسط خیابان.")
        box.scroll_into_view_if_needed()
        area = box.bounding_box()
        phone.mouse.click(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
        phone.wait_for_selector("#map .leaflet-marker-icon")
        lat, lon = float(phone.input_value("#lat")), float(phone.input_value("#lon"))
        assert abs(lat - 34.64) < 0.005 and abs(lon - 50.85) < 0.005
        phone.screenshot(path=str(shots / "portal-map-phone.png"), full_page=True)

        phone.get_by_test_id("send-request").click()
        code = phone.get_by_test_id("tracking-code").inner_text().strip()
        assert code.startswith("137-")
        assert phone.js_errors == [] and elsewhere == []
    finally:
        context.close()

    session = app.extensions["db_sessions"]()
    try:
        filed = session.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).one()
        assert (round(filed.lat, 6), round(filed.lon, 6)) == (lat, lon)
        assert filed.instance.district.code == "d1"
    finally:
        session.close()
