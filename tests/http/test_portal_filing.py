"""The citizens' portal: filing a request or complaint (/p/requests/new), with its checks."""
import io

import pytest
from portal_support import (FILED, PNG_1PX, deploy_citizen_processes, file_on_portal,
                            instance_of, outbox_of, request_row)
from path_support import ready_task
from sqlalchemy import func, select

from models import Instance


@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    return app.test_client()


def instance_count(app) -> int:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalar(select(func.count(Instance.id)))
    finally:
        session.close()


def test_the_portal_home_lists_what_a_citizen_can_do_without_logging_in(citizen):
    page = citizen.get("/p/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for link in ("/p/requests/new", "/p/track", "/p/meetings/new"):
        assert f'href="{link}"' in text
    assert 'dir="rtl"' in text


def test_a_filed_request_starts_the_137_cycle_in_its_district_with_a_tracking_code(app, citizen):
    code, key = file_on_portal(citizen)
    assert code.startswith("137-") and len(key) == 8
    instance = instance_of(app, code)
    assert instance.process_key == "citizen_message_137" and instance.district.code == "d1"
    assert instance.data["channel"] == "web" and instance.data["category"] == "service"
    assert instance.data["citizen_phone"] == "09123456789"  # Persian digits read
    assert instance.started_by.username == "citizen-portal"
    assert ready_task(app, instance.id, "Task_register_message").role == "intake_operator"


def test_the_code_and_key_are_sent_to_the_citizen_by_sms_and_email(app, citizen):
    code, _key = file_on_portal(citizen)
    assert outbox_of(app, instance_of(app, code).id) == [
        ("tracking_code_issued", "sms", "09123456789"),
        ("tracking_code_issued", "email", "maryam@example.org")]


def test_a_complaint_goes_to_the_complaint_procedure_with_its_own_code(app, citizen):
    code, _key = file_on_portal(citizen, service_code="complaint_employee")
    instance = instance_of(app, code)
    assert code.startswith("101-") and instance.process_key == "complaints"
    assert instance.data["complaint_type"] == "employee" and instance.data["channel"] == "website"
    assert ready_task(app, instance.id, "Task_register_complaint")


@pytest.mark.parametrize("changes, field", [
    ({"description": "  "}, "description"),
    ({"service_code": "potholes"}, "service_code"),
    ({"district": "d9"}, "district"),
    ({"address": "", "lat": "", "lon": ""}, "address"),
    ({"lat": "95", "lon": "50"}, "location"),
    ({"lat": "35.7"}, "location"),
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"contact_email": "not-an-address"}, "contact_email"),
    ({"description": "x" * 4001}, "description"),
])
def test_a_bad_field_is_marked_and_nothing_is_filed(app, citizen, changes, field):
    response = citizen.post("/p/requests/new", data={**FILED, **changes},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in page
    assert instance_count(app) == 0


def test_a_point_on_the_map_is_enough_without_an_address(app, citizen):
    code, _key = file_on_portal(citizen, address="", lat="۳۴٫۶۴", lon="50.87")
    row = request_row(app, code)
    assert (row.lat, row.lon, row.address) == (34.64, 50.87, None)


def test_an_anonymous_request_is_filed_and_followed_with_its_key(app, citizen):
    code, key = file_on_portal(citizen, contact_name="", contact_phone="", contact_email="")
    assert outbox_of(app, instance_of(app, code).id) == []
    other = app.test_client()
    assert other.post("/p/track", data={"code": code, "check": key.lower()}).status_code == 303


def test_a_photo_is_kept_only_when_it_is_really_a_jpeg_or_png(app, citizen):
    fake = citizen.post("/p/requests/new", data={**FILED, "photo": (io.BytesIO(b"MZ\x90 not an image"), "cat.png")},
                        content_type="multipart/form-data")
    assert fake.status_code == 400 and 'data-testid="error-photo"' in fake.get_data(as_text=True)
    code, _key = file_on_portal(citizen, photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    assert request_row(app, code).photo_type == "image/png"


def test_a_photo_over_two_megabytes_is_refused(app, citizen):
    big = b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)
    response = citizen.post("/p/requests/new", data={**FILED, "photo": (io.BytesIO(big), "big.jpg")},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and 'data-testid="error-photo"' in response.get_data(as_text=True)
    assert instance_count(app) == 0


def test_a_body_far_over_the_cap_is_refused_before_it_is_read(app, citizen):
    huge = b"0" * (3 * 1024 * 1024)
    response = citizen.post("/p/requests/new", data={**FILED, "photo": (io.BytesIO(huge), "x.jpg")},
                            content_type="multipart/form-data")
    assert response.status_code == 413
    assert citizen.post("/p/track", data={"code": "x" * 70_000}).status_code == 413
    assert instance_count(app) == 0


def test_staff_of_the_district_see_the_photo_and_another_district_does_not(app, citizen, login):
    code, _key = file_on_portal(citizen, photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    instance = instance_of(app, code)
    own = login("intake_operator_d1").get(f"/instances/{instance.id}/photo")
    assert own.status_code == 200 and own.data == PNG_1PX and own.mimetype == "image/png"
    assert login("intake_operator_d2").get(f"/instances/{instance.id}/photo").status_code in (403, 404)


def test_citizen_text_is_escaped_where_staff_read_it(app, citizen, login):
    code, _key = file_on_portal(citizen, description='<script>alert("x")</script><b>bold</b>')
    instance = instance_of(app, code)
    operator = login("intake_operator_d1")
    task = ready_task(app, instance.id, "Task_register_message")
    for url in (f"/tasks/{task.id}", f"/instances/{instance.id}", "/"):
        page = operator.get(url).get_data(as_text=True)
        assert '<script>alert("x")' not in page and "<b>bold</b>" not in page, url
    assert "&lt;script&gt;" in operator.get(f"/tasks/{task.id}").get_data(as_text=True)
