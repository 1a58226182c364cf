"""The portal's map (issue 18): a filed point picks its district from the boundaries an
administrator uploaded, a point outside the city is refused on the portal and on Open311 with
nothing stored, and the boundaries page takes valid GeoJSON only, from administrators only."""
import io
import json

import pytest
from sqlalchemy import func, select

from boundary_support import D1, D2, IN_D1, IN_D2, OUTSIDE, upload_boundaries
from open311_support import BASE, deploy_citizen_processes as deploy_open311, issue_key, json_errors, \
    post_request, stored_requests, xml_of
from portal_support import FILED, deploy_citizen_processes, file_on_portal, instance_of, request_row

from models import CitizenRequest, DistrictBoundary, Instance


@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    upload_boundaries(app)
    return app.test_client()


def _count(app, model) -> int:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalar(select(func.count(model.id)))
    finally:
        session.close()


def test_the_filing_page_has_the_map_with_the_configured_tiles_and_the_coordinate_fields(app, citizen):
    text = citizen.get("/p/requests/new").get_data(as_text=True)
    assert 'id="map"' in text and "vendor/leaflet/leaflet.js" in text and "vendor/leaflet/leaflet.css" in text
    assert f'data-tiles="{app.config["MAP_TILE_URL"]}"' in text
    # Without JavaScript the map stays hidden and the point is typed in these fields.
    assert 'id="map" class="portal-map mb-2" dir="ltr" hidden' in text
    assert 'name="lat"' in text and 'name="lon"' in text


def test_the_tile_server_is_a_setting(app, database_url):
    from app import create_app
    from tests.database_support import TEST_CONFIG
    other = create_app({**TEST_CONFIG, "DATABASE_URL": database_url,
                        "MAP_TILE_URL": "/tiles/{z}/{x}/{y}.png", "MAP_CENTER": "34.64,50.88,13"})
    text = other.test_client().get("/p/requests/new").get_data(as_text=True)
    assert 'data-tiles="/tiles/{z}/{x}/{y}.png"' in text and 'data-zoom="13"' in text
    other.extensions["db_engine"].dispose()


def test_a_point_inside_a_district_picks_that_district_whatever_was_chosen(app, citizen):
    code, _ = file_on_portal(citizen, district="d1", lat=IN_D2[0], lon=IN_D2[1])
    assert instance_of(app, code).district.code == "d2"
    row = request_row(app, code)
    assert (row.lat, row.lon) == (float(IN_D2[0]), float(IN_D2[1]))


def test_with_a_point_inside_the_district_need_not_be_chosen(app, citizen):
    code, _ = file_on_portal(citizen, district="", lat=IN_D1[0], lon=IN_D1[1])
    assert instance_of(app, code).district.code == "d1"


def test_a_point_outside_the_city_is_refused_on_the_portal_in_persian_and_nothing_is_stored(app, citizen):
    before = (_count(app, Instance), _count(app, CitizenRequest))
    response = citizen.post("/p/requests/new", data={**FILED, "lat": OUTSIDE[0], "lon": OUTSIDE[1]},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'data-testid="error-location"' in text and "بیرون از شهر" in text
    assert (_count(app, Instance), _count(app, CitizenRequest)) == before


def test_without_a_point_the_chosen_district_is_taken(app, citizen):
    code, _ = file_on_portal(citizen, district="d2")
    assert instance_of(app, code).district.code == "d2"


def test_without_boundaries_any_point_is_taken_in_the_chosen_district(app):
    deploy_citizen_processes(app)
    code, _ = file_on_portal(app.test_client(), district="d2", lat=OUTSIDE[0], lon=OUTSIDE[1])
    assert instance_of(app, code).district.code == "d2"


def test_open311_post_of_a_point_inside_a_district_files_it_there(app):
    deploy_open311(app)
    upload_boundaries(app)
    _, key = issue_key(app)
    response = post_request(app.test_client(), key, lat=IN_D2[0], long=IN_D2[1], jurisdiction_id="d1")
    assert response.status_code == 201, response.get_data(as_text=True)
    [filed] = stored_requests(app)
    assert instance_of(app, filed.tracking_code).district.code == "d2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_of_a_point_outside_the_city_is_refused_in_open311_shape(app, fmt):
    deploy_open311(app)
    upload_boundaries(app)
    _, key = issue_key(app)
    before = _count(app, Instance)
    response = post_request(app.test_client(), key, fmt, lat=OUTSIDE[0], long=OUTSIDE[1])
    assert response.status_code == 400
    if fmt == "json":
        [message] = json_errors(response)
    else:
        message = xml_of(response).find("error").findtext("description")
    assert message.startswith("lat: ") and "outside the city" in message
    assert stored_requests(app) == [] and _count(app, Instance) == before


# ---------------------------------------------------------------- the boundaries page

def _upload(browser, district, content, name="d1.geojson"):
    return browser.post("/admin/boundaries", data={"district": district,
                                                   "file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def _stored(app) -> dict:
    session = app.extensions["db_sessions"]()
    try:
        return {row.district.code: json.loads(row.geojson) for row in session.scalars(select(DistrictBoundary))}
    finally:
        session.close()


def test_an_administrator_uploads_a_districts_boundary_and_the_page_lists_it(app, login):
    admin = login("admin")
    page = admin.get("/admin/boundaries")
    assert page.status_code == 200 and "مرز مناطق" in page.get_data(as_text=True)
    response = _upload(admin, "d1", json.dumps(D1).encode())
    assert response.status_code == 303
    assert _upload(admin, "d2", json.dumps({"type": "FeatureCollection", "features": [D2]}).encode()).status_code == 303
    assert set(_stored(app)) == {"d1", "d2"} and _stored(app)["d1"]["type"] == "Polygon"
    text = admin.get("/admin/boundaries").get_data(as_text=True)
    assert text.count('data-testid="boundary-row"') == 2
    assert admin.get("/p/boundaries.geojson").get_json()["features"][0]["properties"]["code"] == "d1"


def test_uploading_again_replaces_the_boundary_and_remove_forgets_it(app, login):
    admin = login("admin")
    _upload(admin, "d1", json.dumps(D1).encode())
    _upload(admin, "d1", json.dumps(D2).encode())
    assert _stored(app)["d1"]["coordinates"][0][0] == [50.9, 34.6]
    assert admin.post("/admin/boundaries/d1/remove").status_code == 303
    assert _stored(app) == {}


@pytest.mark.parametrize("content, persian", [
    (b"{not json", "JSON معتبر نیست"),
    (json.dumps({"type": "Point", "coordinates": [50.8, 34.6]}).encode(), "باید یک چندضلعی"),
    (json.dumps({"type": "Polygon", "coordinates": [[[50.8, 34.6], [50.9, 34.6]]]}).encode(), "مختصات چندضلعی نادرست"),
    (json.dumps({"type": "Polygon", "coordinates": [[[34.6, 50.8], [34.6, 95.0], [34.7, 95.0], [34.6, 50.8]]]}).encode(),
     "اول طول جغرافیایی"),
    (json.dumps({"type": "Polygon", "coordinates": [[[50.8, 34.6], [50.9, 34.7], [50.9, 34.6], [50.8, 34.7],
                                                     [50.8, 34.6]]]}).encode(), "خودش را قطع"),
    (b"", "انتخاب کنید"),
])
def test_a_malformed_boundary_is_refused_in_persian_and_nothing_changes(app, login, content, persian):
    admin = login("admin")
    _upload(admin, "d1", json.dumps(D1).encode())
    response = _upload(admin, "d1", content)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'data-testid="boundary-errors"' in text and persian in text
    assert _stored(app) == {"d1": {"type": "Polygon", "coordinates": [[list(p) for p in D1["coordinates"][0]]]}}


def test_an_unknown_district_is_refused(app, login):
    response = _upload(login("admin"), "d99", json.dumps(D1).encode())
    assert response.status_code == 400 and _stored(app) == {}


def test_only_an_administrator_may_upload_boundaries(app, login):
    expert = login("pr_expert_d1")
    assert expert.get("/admin/boundaries").status_code == 403
    assert _upload(expert, "d1", json.dumps(D1).encode()).status_code == 403
    assert app.test_client().get("/admin/boundaries").status_code in (302, 401)
    assert _stored(app) == {}
