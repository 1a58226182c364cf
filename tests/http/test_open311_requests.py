"""Reading requests through Open311: one, a filtered list, by token; both formats; no contact."""
from datetime import datetime

import pytest
from sqlalchemy import select

from app.open311 import resources
from models import CitizenRequest, HumanTask, Instance, clock
from open311_support import (BASE, CONTACT_TRACES, DESCRIPTION, filed_code, json_errors,
                             post_request, xml_of, xml_records)
from open311_support import open311  # noqa: F401 (a fixture)

OLD, MID, NEW = datetime(2026, 8, 1, 7, 0), datetime(2026, 11, 15, 7, 0), datetime(2026, 11, 25, 7, 0)
ASKED_AT = datetime(2026, 11, 25, 8, 0)
SPEC_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code",
               "description", "agency_responsible", "service_notice", "requested_datetime",
               "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
               "lat", "long", "media_url"]


def _arrange(app, session_change) -> None:
    session = app.extensions["db_sessions"]()
    session_change(session)
    session.commit()
    session.close()


@pytest.fixture
def three(app, open311):
    """Requests filed on three days: an old one (d1, technical), one ten days ago (d2,
    complaint), one today (d1, service); the clock then stays an hour after the last."""
    client, key = open311
    codes = {}
    for name, moment, overrides in (("old", OLD, {"service_code": "technical"}),
                                    ("mid", MID, {"service_code": "complaint_service", "jurisdiction_id": "d2"}),
                                    ("new", NEW, {})):
        clock.set_now(moment)
        codes[name] = filed_code(client, key, **overrides)
    clock.set_now(ASKED_AT)
    return client, codes


def _ids(client, query: str = "", fmt: str = "json") -> list[str]:
    response = client.get(f"{BASE}/requests.{fmt}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "xml":
        return [r["service_request_id"] for r in xml_records(xml_of(response))]
    return [r["service_request_id"] for r in response.get_json()]


def test_one_request_is_a_list_of_one_with_every_spec_field_and_tehran_times(app, three):
    client, codes = three
    response = client.get(f"{BASE}/requests/{codes['new']}.json")
    assert response.status_code == 200
    [record] = response.get_json()
    assert list(record) == SPEC_FIELDS
    assert record["service_request_id"] == codes["new"]
    assert (record["status"], record["status_notes"]) == ("open", "در حال رسیدگی.")
    assert (record["service_code"], record["service_name"]) == ("service", "خدماتی")
    assert record["description"] == DESCRIPTION
    assert record["agency_responsible"] == "شهرداری منطقه ۱"
    assert record["requested_datetime"] == "2026-11-25T10:30:00+03:30"
    assert record["updated_datetime"] == "2026-11-25T10:30:00+03:30"
    # The intake is due MESSAGE_INTAKE_HOURS (2 h) after receipt: the only due date so far.
    assert record["expected_datetime"] == "2026-11-25T12:30:00+03:30"
    assert (record["lat"], record["long"]) == (34.64, 50.875)
    assert record["media_url"] == "https://photos.example.org/lamp.jpg"


def test_one_request_in_xml_is_well_formed_with_persian_intact(app, three):
    client, codes = three
    response = client.get(f"{BASE}/requests/{codes['mid']}.xml")
    assert response.status_code == 200
    body = response.get_data()
    assert DESCRIPTION.encode("utf-8") in body and "شهرداری منطقه ۲".encode("utf-8") in body
    root = xml_of(response)
    assert root.tag == "service_requests" and [item.tag for item in root] == ["request"]
    [record] = xml_records(root)
    assert list(record) == SPEC_FIELDS
    assert record["service_name"] == "شکایت از خدمات" and record["description"] == DESCRIPTION
    assert record["agency_responsible"] == "شهرداری منطقه ۲"
    assert record["requested_datetime"] == "2026-11-15T10:30:00+03:30"
    # a complaint is answered within 10 working days of its filing (its register task's due date)
    assert record["expected_datetime"] == "2026-11-29T10:30:00+03:30" and record["zipcode"] is None
    assert record["lat"] == "34.64" and record["long"] == "50.875"


def test_the_expected_datetime_is_the_working_time_deadline_of_the_open_step(app, three):
    client, codes = three

    def give_a_deadline(session):
        instance = session.scalars(select(Instance).where(Instance.tracking_code == codes["new"])).one()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == "ready")).first()
        task.due_at = datetime(2026, 11, 26, 9, 0)
    _arrange(app, give_a_deadline)
    [record] = client.get(f"{BASE}/requests/{codes['new']}.json").get_json()
    assert record["expected_datetime"] == "2026-11-26T12:30:00+03:30"


def test_an_unknown_request_is_a_404_in_either_format(app, three):
    client, _ = three
    response = client.get(f"{BASE}/requests/137-000000-XXXXXX.json")
    assert response.status_code == 404 and "137-000000-XXXXXX" in json_errors(response)[0]
    response = client.get(f"{BASE}/requests/nonsense.xml")
    assert response.status_code == 404
    assert xml_of(response).find("error").findtext("code") == "404"


def test_the_list_defaults_to_the_last_90_days_newest_first(app, three):
    client, codes = three
    assert _ids(client) == [codes["new"], codes["mid"]]
    assert _ids(client, fmt="xml") == [codes["new"], codes["mid"]]


def test_start_and_end_dates_in_w3c_form_choose_the_window(app, three):
    client, codes = three
    assert _ids(client, "?start_date=2026-07-01T00:00:00Z&end_date=2026-08-02T00:00:00Z") == [codes["old"]]
    assert _ids(client, "?start_date=2026-11-15T10:30:00%2B03:30") == [codes["new"], codes["mid"]]
    assert _ids(client, "?start_date=2026-11-15T10:30:01%2B03:30") == [codes["new"]]
    # Only an end: the 90 days before it.
    assert _ids(client, "?end_date=2026-11-20T00:00:00Z", "xml") == [codes["mid"]]
    # No offset: the city's local time.
    assert _ids(client, "?start_date=2026-11-25T10:30:00") == [codes["new"]]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_date_that_is_not_w3c_is_a_400(app, three, fmt):
    client, _ = three
    for query in ("?start_date=yesterday", "?end_date=2026-13-01T00:00:00Z", "?start_date=25/11/2026"):
        response = client.get(f"{BASE}/requests.{fmt}{query}")
        assert response.status_code == 400, query
        if fmt == "json":
            assert "W3C datetime" in json_errors(response)[0]
        else:
            assert "W3C datetime" in xml_of(response).find("error").findtext("description")


def test_a_list_of_request_ids_overrides_the_other_filters(app, three):
    client, codes = three
    query = f"?service_request_id={codes['old']},{codes['new']},137-000000-XXXXXX&status=closed&service_code=technical"
    assert _ids(client, query) == [codes["new"], codes["old"]]
    assert _ids(client, f"?service_request_id={codes['mid']}", "xml") == [codes["mid"]]


def test_service_codes_filter_as_a_comma_list(app, three):
    client, codes = three
    assert _ids(client, "?service_code=complaint_service") == [codes["mid"]]
    assert _ids(client, "?service_code=service,complaint_service") == [codes["new"], codes["mid"]]
    assert _ids(client, "?service_code=potholes") == []


def test_status_filters_open_and_closed_requests(app, three):
    client, codes = three

    def close_mid(session):
        request = session.scalars(select(CitizenRequest).where(
            CitizenRequest.tracking_code == codes["mid"])).one()
        # Only the status mapping matters here; closing through the workflow is the engine's.
        request.instance.status = "completed"
        request.instance.data = {**request.instance.data, "answer_text": "رسیدگی شد و نتیجه اعلام شد."}
    _arrange(app, close_mid)
    assert _ids(client, "?status=closed") == [codes["mid"]]
    assert _ids(client, "?status=open", "xml") == [codes["new"]]
    assert _ids(client, "?status=open,closed") == [codes["new"], codes["mid"]]
    [closed] = client.get(f"{BASE}/requests/{codes['mid']}.json").get_json()
    assert (closed["status"], closed["status_notes"]) == ("closed", "رسیدگی شد و نتیجه اعلام شد.")
    response = client.get(f"{BASE}/requests.json?status=pending")
    assert response.status_code == 400 and "open or closed" in json_errors(response)[0]


def test_a_jurisdiction_filters_by_district_and_an_unknown_one_is_a_400(app, three):
    client, codes = three
    assert _ids(client, "?jurisdiction_id=d2") == [codes["mid"]]
    assert _ids(client, "?jurisdiction_id=d1") == [codes["new"]]
    response = client.get(f"{BASE}/requests.xml?jurisdiction_id=d9")
    assert response.status_code == 400 and "d1, d2" in xml_of(response).find("error").findtext("description")
    response = client.get(f"{BASE}/requests/{codes['mid']}.json?jurisdiction_id=d1")
    assert response.status_code == 404


def test_the_list_stops_at_its_maximum_keeping_the_newest(app, three, monkeypatch):
    client, codes = three
    monkeypatch.setattr(resources, "MAX_RESULTS", 1)
    assert _ids(client) == [codes["new"]]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_gives_the_request_id_and_an_unknown_token_is_a_404(app, open311, fmt):
    client, key = open311
    answer = post_request(client, key).get_json()[0]
    response = client.get(f"{BASE}/tokens/{answer['token']}.{fmt}")
    assert response.status_code == 200
    records = response.get_json() if fmt == "json" else xml_records(xml_of(response))
    assert records == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    assert client.get(f"{BASE}/tokens/no-such-token.{fmt}").status_code == 404


def test_the_citizens_contact_is_in_no_answer(app, open311):
    client, key = open311
    posted = [post_request(client, key, fmt) for fmt in ("json", "xml", "json")]
    bodies = [response.get_data(as_text=True) for response in posted]
    answer = posted[-1].get_json()[0]
    code, token = answer["service_request_id"], answer["token"]
    for fmt in ("json", "xml"):
        for url in (f"/requests.{fmt}", f"/requests/{code}.{fmt}", f"/requests.{fmt}?status=open",
                    f"/requests.{fmt}?service_request_id={code}", f"/tokens/{token}.{fmt}"):
            response = client.get(BASE + url)
            assert response.status_code == 200
            bodies.append(response.get_data(as_text=True))
    assert len(client.get(f"{BASE}/requests.json").get_json()) == 3
    for body in bodies:
        for trace in CONTACT_TRACES:
            assert trace not in body, (trace, body[:300])
