"""A citizen's photo at its public address (/p/media/<token>.<jpg|png>), given as the Open311
media_url of the request in JSON and XML: its bytes and type, nothing else, 404 for an unknown
address, rate-limited like the portal; migration 0015 adds the token as the model declares it."""
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from open311_support import BASE, CONTACT_TRACES, request_form, xml_of, xml_records
from open311_support import deploy_citizen_processes as deploy_open311_processes
from open311_support import issue_key
from portal_support import PNG_1PX, deploy_citizen_processes, file_on_portal, request_row

from app import create_app
from app.demo import load_demo_data
from app.migrate import alembic_config

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PUBLIC = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the test app (app/config.py)
MEDIA = re.compile(rf"{re.escape(PUBLIC)}/p/media/([A-Za-z0-9_-]{{20,}})\.(jpg|png)")


@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    return app.test_client()


def records(client, code: str):
    """The request's Open311 record as JSON and as XML."""
    [as_json] = client.get(f"{BASE}/requests/{code}.json").get_json()
    [as_xml] = xml_records(xml_of(client.get(f"{BASE}/requests/{code}.xml")))
    return as_json, as_xml


def test_a_portal_photo_is_the_media_url_in_json_and_xml_and_serves_its_bytes(app, citizen):
    code, _key = file_on_portal(citizen, photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    as_json, as_xml = records(citizen, code)
    assert as_json["media_url"] == as_xml["media_url"]
    found = MEDIA.fullmatch(as_json["media_url"])
    assert found and found.group(2) == "png"
    token = found.group(1)
    assert token == request_row(app, code).media_token
    assert code not in as_json["media_url"]  # the address names nothing about the request
    # Listed requests carry it too.
    listed = citizen.get(f"{BASE}/requests.json").get_json()
    assert [r["media_url"] for r in listed if r["service_request_id"] == code] == [as_json["media_url"]]

    photo = citizen.get(as_json["media_url"].removeprefix(PUBLIC))
    assert photo.status_code == 200 and photo.get_data() == PNG_1PX
    assert photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "set-cookie" not in {k.lower() for k in photo.headers.keys()}


def test_an_open311_media_file_is_served_as_jpeg_at_its_media_url(app):
    deploy_open311_processes(app)
    _, key = issue_key(app)
    client = app.test_client()
    form = request_form(key, media_url="")
    form["media"] = (io.BytesIO(JPEG), "lamp.jpg")
    response = client.post(f"{BASE}/requests.json", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    code = response.get_json()[0]["service_request_id"]
    as_json, as_xml = records(client, code)
    found = MEDIA.fullmatch(as_json["media_url"])
    assert found and found.group(2) == "jpg" and as_xml["media_url"] == as_json["media_url"]
    photo = client.get(as_json["media_url"].removeprefix(PUBLIC))
    assert photo.status_code == 200 and photo.get_data() == JPEG
    assert photo.content_type == "image/jpeg"
    assert not any(trace.encode() in photo.get_data() for trace in CONTACT_TRACES[:4])
    # The same token as the other type, or with anything changed, is not found.
    token = found.group(1)
    assert client.get(f"/p/media/{token}.png").status_code == 404
    assert client.get(f"/p/media/{token[:-1]}.jpg").status_code == 404


def test_a_request_without_a_photo_has_no_media_url(app, citizen):
    code, _key = file_on_portal(citizen)
    as_json, as_xml = records(citizen, code)
    assert as_json["media_url"] is None and as_xml["media_url"] is None
    assert request_row(app, code).media_token is None


def test_an_unknown_token_is_not_found(citizen):
    file_on_portal(citizen, photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    for path in ("/p/media/not-a-token-at-all-xxxxxx.jpg", "/p/media/.png", "/p/media/x.gif"):
        assert citizen.get(path).status_code == 404


def test_photo_addresses_are_rate_limited_like_the_portal(app, database_url):
    limited = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "SECRET_KEY": "test", "PORTAL_RATE_LIMIT": "3 per minute"})
    try:
        with limited.app_context():
            session = limited.extensions["db_sessions"]()
            load_demo_data(session)
            session.commit()
            session.close()
        client = limited.test_client()
        codes = [client.get("/p/media/guessing-tokens-one-by-one.jpg").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
    finally:
        limited.extensions["db_engine"].dispose()


def test_migration_0015_gives_the_photos_already_filed_a_token(tmp_path):
    url = f"sqlite:///{tmp_path / 'filled.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "0014")
    engine = sa.create_engine(url)
    at = datetime(2026, 11, 20, 9, 0)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO districts (id, code, name_fa, name_en) "
                                 "VALUES (1, 'd1', 'ناحیه ۱', 'District 1')"))
            conn.execute(sa.text(
                "INSERT INTO process_versions (id, process_key, version, name, content_sha256, bpmn_xml, "
                "lanes, forms, deployed_at) VALUES (1, 'p', 1, 'p', :sha, '<x/>', '{}', '{}', :at)"),
                {"sha": "0" * 64, "at": at})
            for n in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO instances (id, process_version_id, process_key, district_id, status, "
                    "title, state_json, data, started_at, updated_at, row_version) "
                    "VALUES (:n, 1, 'p', 1, 'running', 't', '{}', '{}', :at, :at, 1)"), {"n": n, "at": at})
                conn.execute(sa.text(
                    "INSERT INTO citizen_requests (id, instance_id, tracking_code, service_code, channel, "
                    "district_id, description, follow_key_sha256, photo, photo_type, api_token, "
                    "satisfaction_answered, created_at) VALUES (:n, :n, :code, 'service', 'portal', 1, "
                    "'d', 'k', :photo, :type, :token, :f, :at)"),
                    {"n": n, "code": f"137-{n}", "photo": PNG_1PX if n == 1 else None,
                     "type": "image/png" if n == 1 else None, "token": f"api-{n}", "f": False, "at": at})
        command.upgrade(config, "0015")
        with engine.connect() as conn:
            tokens = dict(conn.execute(sa.text("SELECT id, media_token FROM citizen_requests")).all())
        assert tokens[2] is None and len(tokens[1]) >= 20
    finally:
        engine.dispose()
