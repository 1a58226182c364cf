"""Filing through Open311: POST requests.<fmt> with an api_key, as real clients send it."""
import io

from sqlalchemy import select

from models import District, Instance
from models.api_keys import ApiKey
from open311_support import (BASE, CONTACT, DESCRIPTION, filed_code, issue_key, json_errors,
                             post_request, request_form, revoke_key, stored_requests, xml_of,
                             xml_records)
from open311_support import open311  # noqa: F401 (a fixture)


def _instance_of(db, code: str) -> Instance:
    return db.scalars(select(Instance).where(Instance.tracking_code == code)).one()


def test_a_valid_json_post_files_the_request_and_starts_its_instance_in_the_district(app, db, open311):
    client, key = open311
    response = post_request(client, key, jurisdiction_id="d2")
    assert response.status_code == 201, response.get_data(as_text=True)
    [answer] = response.get_json()
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    assert answer["account_id"] is None and "۱۳۷" in answer["service_notice"]
    # The filed request is then visible through the API (asked before `db` holds SQLite's lock).
    shown = client.get(f"{BASE}/requests/{answer['service_request_id']}.json").get_json()
    assert shown[0]["service_request_id"] == answer["service_request_id"]
    assert shown[0]["agency_responsible"] == "شهرداری منطقه ۲"
    [filed] = stored_requests(app)
    assert answer["service_request_id"] == filed.tracking_code
    assert answer["token"] == filed.api_token
    assert (filed.channel, filed.service_code, filed.description) == ("open311", "service", DESCRIPTION)
    assert (filed.lat, filed.lon, filed.address) == (34.64, 50.875, "قم، خیابان بهار، کوچه ۳")
    assert filed.contact_name == "زهرا کاظمی‌نژاد" and filed.contact_phone == CONTACT["phone"]
    assert filed.contact_email == CONTACT["email"]
    assert filed.media_url == "https://photos.example.org/lamp.jpg"
    key_row = db.scalars(select(ApiKey)).one()
    assert filed.api_key_id == key_row.id and key_row.last_used_at is not None
    instance = _instance_of(db, filed.tracking_code)
    d2 = db.scalars(select(District).where(District.code == "d2")).one()
    assert instance.process_key == "citizen_message_137" and instance.district_id == d2.id
    assert instance.tracking_code == filed.tracking_code


def test_a_valid_xml_post_of_a_complaint_answers_in_xml_and_starts_the_complaint_procedure(app, db, open311):
    client, key = open311
    response = post_request(client, key, "xml", service_code="complaint_employee",
                            lat="", long="")
    assert response.status_code == 201, response.get_data(as_text=True)
    root = xml_of(response)
    assert root.tag == "service_requests"
    [answer] = xml_records(root)
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    assert answer["account_id"] is None and answer["service_notice"].startswith("شکایت شما")
    code = answer["service_request_id"]
    assert code.startswith("101")
    # A complaint about staff is private: the client that filed it follows it by its code and
    # its api_key; nobody else finds it, and the public list never shows it.
    [found] = xml_records(xml_of(client.get(f"{BASE}/requests/{code}.xml?api_key={key}")))
    assert found["service_request_id"] == code
    assert client.get(f"{BASE}/requests/{code}.xml").status_code == 404
    assert xml_records(xml_of(client.get(f"{BASE}/requests.xml?service_code=complaint_employee"))) == []
    instance = _instance_of(db, code)
    assert instance.process_key == "complaints"
    assert instance.district_id == db.scalars(select(District.id).where(District.code == "d1")).one()


def test_a_multipart_post_is_accepted_and_its_media_file_kept_as_the_photo(app, open311):
    client, key = open311
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 64
    form = request_form(key, media_url="")
    form["media"] = (io.BytesIO(jpeg), "lamp.jpg")
    response = client.post(f"{BASE}/requests.json", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    [filed] = stored_requests(app)
    assert filed.photo_type == "image/jpeg"


def test_a_request_posted_without_an_api_key_is_refused_and_nothing_is_filed(app, open311):
    client, _ = open311
    for fmt in ("json", "xml"):
        response = post_request(client, None, fmt)
        assert response.status_code == 403
    assert "api_key" in json_errors(post_request(client, None))[0]
    assert xml_of(post_request(client, "", "xml")).find("error").findtext("code") == "403"
    assert stored_requests(app) == []


def test_a_request_posted_with_an_unknown_key_is_refused_and_nothing_is_filed(app, open311):
    client, key = open311
    response = post_request(client, key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert response.status_code == 403
    assert "Invalid api_key" in json_errors(response)[0]
    assert stored_requests(app) == []


def test_a_request_posted_with_a_revoked_key_is_refused_and_nothing_is_filed(app, open311):
    client, _ = open311
    key_id, key = issue_key(app, "Old app")
    assert filed_code(client, key)
    revoke_key(app, key_id)
    for fmt in ("json", "xml"):
        response = post_request(client, key, fmt)
        assert response.status_code == 403
    assert len(stored_requests(app)) == 1


def test_missing_fields_are_each_listed_under_their_open311_names_and_nothing_is_filed(app, open311):
    client, key = open311
    response = post_request(client, key, service_code="", jurisdiction_id="", lat="", long="",
                            address_string="", description=" ")
    assert response.status_code == 400
    errors = json_errors(response)
    assert len(errors) == 4
    by_field = {e.split(":", 1)[0]: e for e in errors}
    assert set(by_field) == {"service_code", "jurisdiction_id", "address_string", "description"}
    assert "several districts" in by_field["jurisdiction_id"] and "d1, d2" in by_field["jurisdiction_id"]
    assert "lat and long" in by_field["address_string"]
    assert stored_requests(app) == []


def test_missing_fields_are_listed_as_xml_errors_too(app, open311):
    client, key = open311
    response = post_request(client, key, "xml", service_code="potholes", jurisdiction_id="d9")
    assert response.status_code == 400
    root = xml_of(response)
    errors = [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]
    assert [code for code, _ in errors] == ["400", "400"]
    assert errors[0][1].startswith("service_code:")
    assert errors[1][1].startswith("jurisdiction_id:") and "'d9'" in errors[1][1]


def test_bad_coordinates_phone_and_email_are_named_as_the_client_sent_them(app, open311):
    client, key = open311
    response = post_request(client, key, lat="95", phone="12345", email="not-an-address",
                            media_url="ftp://x")
    assert response.status_code == 400
    fields = {e.split(":", 1)[0] for e in json_errors(response)}
    assert fields == {"lat", "phone", "email", "media_url"}
    response = post_request(client, key, lat="34.6", long="", address_string="")
    assert {e.split(":", 1)[0] for e in json_errors(response)} == {"lat"}
    assert stored_requests(app) == []


def test_a_location_given_only_as_a_point_or_only_as_an_address_is_enough(app, open311):
    client, key = open311
    assert filed_code(client, key, address_string="")
    assert filed_code(client, key, lat="", long="")
    assert [(r.address, r.lat) for r in stored_requests(app)] == [
        (None, 34.64), ("قم، خیابان بهار، کوچه ۳", None)]


def test_a_post_to_another_format_is_a_404_and_files_nothing(app, open311):
    client, key = open311
    response = client.post(f"{BASE}/requests.csv", data=request_form(key))
    assert response.status_code == 404
    assert stored_requests(app) == []
