"""Helpers of the Open311 tests: the citizen processes deployed, keys issued, requests posted,
XML answers parsed, and the contact a citizen gave (which no answer may contain)."""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api_keys.keys import issue_api_key, revoke_api_key
from modeling.deploy import deploy_process
from models import CitizenRequest, User

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BASE = "/open311/v2"
# What a citizen tells about themselves: it goes to staff, never into an Open311 answer.
CONTACT = {"first_name": "زهرا", "last_name": "کاظمی‌نژاد", "phone": "09121234567",
           "email": "zahra.kazemi@example.org"}
CONTACT_TRACES = ("زهرا", "کاظمی‌نژاد", "09121234567", "zahra.kazemi@example.org",
                  "first_name", "last_name", "phone", "email", "contact")
DESCRIPTION = "چراغ‌های خیابان بهار از دیشب خاموش است"


def deploy_citizen_processes(app) -> None:
    """Deploy the 137 cycle and the complaints procedure, which Open311 services start."""
    session = app.extensions["db_sessions"]()
    for name in ("citizen_message_137.bpmn", "complaints.bpmn"):
        deploy_process(session, (PROCESSES / name).read_bytes(), filename=name)
    session.commit()
    session.close()


def issue_key(app, name: str = "FixMyStreet app") -> tuple[int, str]:
    """A key issued by the demo admin; (its id, the key)."""
    session = app.extensions["db_sessions"]()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    row, key = issue_api_key(session, name, admin)
    session.commit()
    key_id = row.id
    session.close()
    return key_id, key


def revoke_key(app, key_id: int) -> None:
    """Revoke a key as the demo admin."""
    session = app.extensions["db_sessions"]()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    revoke_api_key(session, key_id, admin)
    session.commit()
    session.close()


@pytest.fixture
def open311(app):
    """The citizen processes deployed and one key issued; yields (test client, key)."""
    deploy_citizen_processes(app)
    _, key = issue_key(app)
    return app.test_client(), key


def request_form(key: str | None, **overrides) -> dict:
    """A valid filing as a client sends it (form fields named as in the spec)."""
    form = {"api_key": key, "service_code": "service", "jurisdiction_id": "d1",
            "lat": "34.640000", "long": "50.875000", "address_string": "قم، خیابان بهار، کوچه ۳",
            "description": DESCRIPTION, "device_id": "device-7", "account_id": "",
            "media_url": "https://photos.example.org/lamp.jpg",
            "attribute[description_public]": "true",  # the app warned the citizen; they agreed
            **CONTACT}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post_request(client, key: str | None, fmt: str = "json", **overrides):
    """POST requests.<fmt>, form-encoded."""
    return client.post(f"{BASE}/requests.{fmt}", data=request_form(key, **overrides),
                       content_type="application/x-www-form-urlencoded")


def filed_code(client, key: str, fmt: str = "json", **overrides) -> str:
    """File a request; its service_request_id (the tracking code)."""
    response = post_request(client, key, fmt, **overrides)
    assert response.status_code == 201, response.get_data(as_text=True)
    if fmt == "xml":
        return xml_records(xml_of(response))[0]["service_request_id"]
    return response.get_json()[0]["service_request_id"]


def xml_of(response) -> ET.Element:
    """The parsed XML answer, after checking it declares UTF-8."""
    body = response.get_data()
    assert response.content_type.startswith("application/xml")
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>") or \
        body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    return ET.fromstring(body)


def xml_records(root: ET.Element) -> list[dict]:
    """Each child of the root as {tag: text}."""
    return [{child.tag: child.text for child in item} for item in root]


def json_errors(response) -> list[str]:
    """The descriptions of a JSON Open311 error answer, checking its shape."""
    body = response.get_json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} and e["code"] == response.status_code for e in body)
    return [e["description"] for e in body]


def stored_requests(app) -> list[CitizenRequest]:
    """Every filed request, oldest first."""
    session = app.extensions["db_sessions"]()
    rows = list(session.scalars(select(CitizenRequest).order_by(CitizenRequest.id)))
    for row in rows:  # the contact is stored sealed: opened while the session can (models.shredding)
        (row.address, row.contact_name, row.contact_phone, row.contact_email)
    session.close()
    return rows
