"""Open311 privacy (issue 18): complaints about staff, meeting requests and Mardom Salam items
are never shown to the public or another client; a public request's description is shown only
when the citizen agreed after the portal's warning."""
import re

import pytest
from sqlalchemy import select

from open311_support import BASE, DESCRIPTION, issue_key, post_request, xml_of, xml_records
from portal_support import FILED, deploy_citizen_processes, file_on_portal, request_row

from models import CitizenRequest


@pytest.fixture
def client(app):
    deploy_citizen_processes(app)
    return app.test_client()


def _listed(client, query="") -> list[str]:
    return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json{query}").get_json()]


def _listed_xml(client, query="") -> list[str]:
    return [r["service_request_id"] for r in xml_records(xml_of(client.get(f"{BASE}/requests.xml{query}")))]


def _assert_never_shown(client, code):
    assert code not in _listed(client) and code not in _listed_xml(client)
    assert _listed(client, f"?service_request_id={code}") == []
    assert client.get(f"{BASE}/requests/{code}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{code}.xml").status_code == 404


def test_a_staff_complaint_filed_through_open311_is_shown_only_to_the_client_that_filed_it(app, client):
    _, key = issue_key(app)
    _, other_key = issue_key(app, "another app")
    response = post_request(client, key, service_code="complaint_employee")
    assert response.status_code == 201
    code = response.get_json()[0]["service_request_id"]
    _assert_never_shown(client, code)
    assert client.get(f"{BASE}/requests/{code}.json?api_key={other_key}").status_code == 404
    [own] = client.get(f"{BASE}/requests/{code}.json?api_key={key}").get_json()
    assert own["service_request_id"] == code


def test_a_staff_complaint_filed_on_the_portal_is_never_shown_even_with_the_consent_ticked(app, client):
    code, _ = file_on_portal(client, service_code="complaint_employee", description_public="1")
    assert request_row(app, code).description_public is False
    _assert_never_shown(client, code)


def test_a_meeting_request_is_never_shown(app, client):
    form = {"district": "d1", "applicant_name": "علی رضایی", "phone": "09121234567",
            "subject": "آب‌گرفتگی کوچه", "description": "هر بار باران می‌بارد کوچه آب می‌گیرد."}
    response = client.post("/p/meetings/new", data=form)
    assert response.status_code == 303
    code = re.search(r'data-testid="tracking-code">([^<]+)<',
                     client.get(response.headers["Location"]).get_data(as_text=True)).group(1)
    _assert_never_shown(client, code)


def test_a_mardom_salam_item_is_never_shown(app, client):
    code, _ = file_on_portal(client, description_public="1")
    assert code in _listed(client)
    session = app.extensions["db_sessions"]()
    # What programmes.mardom_salam files for a 137 item raised at a mosque meeting: its channel.
    session.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).one().channel = "mardom_salam"
    session.commit()
    session.close()
    _assert_never_shown(client, code)


def test_the_description_is_public_only_with_the_citizens_consent(app, client):
    agreed, _ = file_on_portal(client, description="چاله بزرگ در خیابان", description_public="1")
    withheld, _ = file_on_portal(client, description="لامپ خیابان سوخته")
    records = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").get_json()}
    assert records[agreed]["description"] == "چاله بزرگ در خیابان"
    assert records[withheld]["description"] is None
    body = client.get(f"{BASE}/requests.xml").get_data(as_text=True) + \
        client.get(f"{BASE}/requests/{withheld}.json").get_data(as_text=True)
    assert "لامپ خیابان سوخته" not in body and "چاله بزرگ در خیابان" in body
    assert (request_row(app, agreed).description_public, request_row(app, withheld).description_public) == (True, False)


def test_the_filing_page_warns_that_the_description_will_be_public_and_asks_consent(client):
    text = client.get("/p/requests/new").get_data(as_text=True)
    assert 'data-testid="public-warning"' in text and "فهرست عمومی" in text
    assert 'type="checkbox" id="description_public" name="description_public" value="1"' in text
    assert " checked" not in text.split('id="description_public"')[1].split(">")[0]


def test_a_refused_filing_keeps_the_consent_ticked(client):
    response = client.post("/p/requests/new", data={**FILED, "description": "", "description_public": "1"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'name="description_public" value="1" checked' in response.get_data(as_text=True)


def test_an_open311_client_gives_consent_with_the_attribute_or_the_description_is_withheld(app, client):
    _, key = issue_key(app)
    without = post_request(client, key, **{"attribute[description_public]": None}).get_json()[0]["service_request_id"]
    declined = post_request(client, key, **{"attribute[description_public]": "false"}).get_json()[0]["service_request_id"]
    agreed = post_request(client, key).get_json()[0]["service_request_id"]
    records = {r["service_request_id"]: r["description"] for r in client.get(f"{BASE}/requests.json").get_json()}
    assert records == {without: None, declined: None, agreed: DESCRIPTION}
