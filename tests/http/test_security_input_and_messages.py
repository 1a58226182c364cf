"""Issue 19, "safe to put on the internet": each finding of the review replayed through HTTP.

Messages from outside only as the diagram declares (externalMessageRole); ids, page numbers
and dates out of range answer 400/404, never 500; control characters are refused in every
text input (app/input_guard.py) and Open311's XML stays well-formed; the API starts an
instance only with the start data its diagram declares; the portal's follow-up key leaves the
session cookie once shown; /reports/137 renders in both languages; draft_regulation starts."""
import re
import xml.etree.ElementTree as ET
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from app.scheduler import fire_due_timers
from models import CitizenRequest, Event, HumanTask, Instance, Timer, clock, utcnow
from models.errors import BpmnValidationError
from people.accounts import find_district
from http_support import PROCESSES
from open311_support import BASE, post_request, stored_requests
from open311_support import open311  # noqa: F401 (a fixture)
from portal_support import FILED, deploy_citizen_processes
from mardom_salam_support import add_request, deploy_all, hold_meeting, make_meeting, up_to_meeting
from message_scores_support import build_messages
from test_every_page_in_both_languages import USERS, client_for

HUGE = 2**63
MESSAGE_WAIT = PROCESSES.parent / "tests" / "fixtures" / "message_wait.bpmn"


# ------------------------------------------------------------------ messages from outside

def test_the_closing_message_of_mardom_salam_is_refused_from_the_api_and_nothing_changes(app, db, api):
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    add_request(db, meeting)  # a request with no answer yet: the programme must not close
    hold_meeting(db, meeting)
    iid = meeting.instance_id
    events_before = db.scalar(select(Instance.last_event_seq).where(Instance.id == iid))
    db.rollback()
    for username in ("pr_expert_d1", "district_mayor_d1", "communications_office"):
        response = api(username).post(f"/api/v1/instances/{iid}/messages",
                                      json={"name": "mardom_salam_all_answered"})
        assert response.status_code == 403, (username, response.get_json())
        assert response.get_json()["error"]
    db.expire_all()
    instance = db.get(Instance, iid)
    assert instance.status == "running" and instance.last_event_seq == events_before
    assert not db.scalars(select(Event).where(Event.instance_id == iid,
                                              Event.type == "message_received")).all()


def test_a_declared_message_is_delivered_only_to_a_holder_of_its_role(arrange, api):
    arrange.deploy(MESSAGE_WAIT)
    iid = arrange.start("d1", process="message_wait")
    url = f"/api/v1/instances/{iid}/messages"
    # A member of the district without the role the catch event names: refused.
    assert api("district_mayor_d1").post(url, json={"name": "citizen_reply"}).status_code == 403
    assert arrange.open_tasks(iid) == []
    assert api("pr_expert_d1").post(url, json={"name": "citizen_reply"}).status_code == 200
    assert [t.task_spec for t in arrange.open_tasks(iid)] == ["Task_read_reply"]


def test_external_message_role_naming_no_role_or_on_a_task_is_refused_at_deploy():
    from engine.spiff.parsing import parse_definition
    xml = MESSAGE_WAIT.read_text(encoding="utf-8")
    with pytest.raises(BpmnValidationError) as caught:
        parse_definition(xml.replace('value="pr_expert"', 'value="nobody"').encode(), check_forms=False)
    assert any("externalMessageRole" in e.message for e in caught.value.errors)
    with pytest.raises(BpmnValidationError):
        parse_definition(xml.replace('value="pr_expert"', 'value="auditor"').encode(), check_forms=False)
    moved = xml.replace('<bpmn:userTask id="Task_read_reply" name="خواندن پاسخ">',
                        '<bpmn:userTask id="Task_read_reply" name="خواندن پاسخ"><bpmn:extensionElements>'
                        '<spiffworkflow:properties><spiffworkflow:property name="externalMessageRole" '
                        'value="pr_expert" /></spiffworkflow:properties></bpmn:extensionElements>')
    with pytest.raises(BpmnValidationError):
        parse_definition(moved.encode(), check_forms=False)


def test_no_shipped_diagram_lets_the_api_send_mardom_salams_closing_message():
    text = (PROCESSES / "mardom_salam.bpmn").read_text(encoding="utf-8")
    catch = re.search(r'<bpmn:intermediateCatchEvent id="Event_all_answered".*?</bpmn:intermediateCatchEvent>',
                      text, re.S).group(0)
    assert "externalMessageRole" not in catch


# ------------------------------------------------------------------ ids, pages, dates

def _id_urls(app) -> list[tuple[str, str]]:
    """(method, URL with 2^63 for every int argument) of every route taking an int."""
    urls = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IntegerConverter"]
        if not ints:
            continue
        url = rule.rule
        for name in rule.arguments:
            value = str(HUGE) if name in ints else {"fmt": "json", "ext": "png"}.get(name, "x")
            url = re.sub(r"<(?:[^:<>]+(?:\([^)]*\))?:)?%s>" % name, value, url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def test_every_id_route_answers_404_to_an_id_of_2_to_the_63(app, login, api):
    urls = _id_urls(app)
    assert len(urls) > 40
    staff, token = login("central_pr"), api("central_pr")
    app.config["WTF_CSRF_ENABLED"] = False  # so that every POST reaches the guard (put back after)
    failures = []
    for method, url in urls:
        if url.startswith("/api/"):
            response = token.get(url) if method == "GET" else token.client.open(
                url, method=method, json={}, headers=token.headers)  # POST, PATCH (incidents)
        else:
            response = staff.get(url) if method == "GET" else staff.post(url, data={})
        if response.status_code != 404:
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, failures


def test_a_huge_page_or_district_id_answers_400_not_500(arrange, api, login):
    token = api("pr_expert_d1")
    for query in (f"page={HUGE}", f"per_page={HUGE}", "page=99999999999999999999"):
        assert token.get(f"/api/v1/tasks?{query}").status_code == 400, query
    assert token.get("/api/v1/tasks?page=2147483647").status_code == 200
    browser = login("pr_expert_d1")
    assert browser.get(f"/?page={HUGE}").status_code == 400
    assert browser.get("/?page=%2B99999999999").status_code == 400  # a sign, as int() reads it
    assert browser.get("/", query_string={"page": "۹" * 11}).status_code == 400  # Persian digits
    assert browser.get(f"/?district={HUGE}").status_code == 400
    assert browser.get("/?district=d1").status_code == 200
    response = token.post("/api/v1/processes/complaints/instances", json={"district": HUGE})
    assert response.status_code == 400 and arrange.instance_count() == 0


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                    "9999-12-31T23:59:59", "0001-01-01"])
def test_extreme_open311_dates_answer_400(open311, moment):
    client, _key = open311
    for name in ("start_date", "end_date"):
        response = client.get(f"{BASE}/requests.json", query_string={name: moment})
        assert response.status_code == 400, (name, moment, response.get_data(as_text=True))
        assert name in response.get_json()[0]["description"]


# ------------------------------------------------------------------ control characters

def test_nul_in_the_api_json_is_refused_and_nothing_starts(arrange, api):
    token = api("pr_expert_d1")
    response = token.post("/api/v1/processes/complaints/instances",
                          json={"district": "d1", "title": "a\x00b"})
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]
    assert arrange.instance_count() == 0


def test_nul_in_a_portal_form_or_path_is_refused_with_a_persian_page(app):
    deploy_citizen_processes(app)
    client = app.test_client()
    response = client.post("/p/requests/new", data={**FILED, "description": "چراغ\x00 خاموش"})
    assert response.status_code == 400
    assert "کاراکتر" in response.get_data(as_text=True)
    assert client.get("/p/track/137-%00").status_code == 400
    assert client.get("/p/track?code=%00").status_code == 400
    with app.app_context():
        assert stored_requests(app) == []


def test_open311_refuses_control_characters_and_its_xml_parses_after_the_post(app, db, open311):
    client, key = open311
    refused = post_request(client, key, "xml", description="line\x0bfeed\x00")
    assert refused.status_code == 400
    ET.fromstring(refused.get_data())  # the error list is well-formed XML too
    assert stored_requests(app) == []
    assert post_request(client, key, "json", description="ok\tthen\nnext line").status_code == 201
    # Text stored before the guard (a control character in the row) is left out of the XML.
    [row] = db.scalars(select(CitizenRequest)).all()
    row.description = "bad\x01text\x1f"
    db.commit()
    listed = client.get(f"{BASE}/requests.xml")
    assert listed.status_code == 200
    root = ET.fromstring(listed.get_data())
    assert root.find("request/description").text == "badtext"


# ------------------------------------------------------------------ start data, follow-up key

def test_the_api_start_takes_only_the_fields_of_the_start_form(arrange, api):
    client = api("pr_expert_d1")
    url = "/api/v1/processes/complaints/instances"
    # What the process computes itself (its deadline, the moment of receipt) is not start data.
    response = client.post(url, json={"district": "d1", "data": {
        "subject": "چراغ خاموش", "answer_due_at": "2000-01-01", "received_at": "2000-01-01"}})
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == {"answer_due_at", "received_at"}
    assert arrange.instance_count() == 0
    # The fields of the form the instance opens with (complaint_register) are: a draft there.
    response = client.post(url, json={"district": "d1", "data": {"subject": "چراغ خاموش",
                                                                 "channel": "phone"}})
    assert response.status_code == 201 and response.get_json()["data"]["subject"] == "چراغ خاموش"


def test_the_follow_up_key_leaves_the_session_cookie_once_shown(app):
    deploy_citizen_processes(app)
    client = app.test_client()
    response = client.post("/p/requests/new", data=FILED, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/p/requests/filed").get_data(as_text=True)
    key = re.search(r'data-testid="follow-key">([^<]+)<', page).group(1)
    with client.session_transaction() as cookie:
        assert key not in str(dict(cookie)) and "portal_filed" not in cookie
        assert cookie["portal_followed"]  # the browser still follows its request
    assert client.get("/p/requests/filed").status_code == 302


# ------------------------------------------------------------------ pages that answered 500

def test_the_137_scores_render_in_persian_and_english_for_every_role(app, db):
    build_messages(app, db)
    db.rollback()
    for username in USERS:
        for lang in ("fa", "en"):
            response = client_for(app, username, lang).get("/reports/137?month=1405/09")
            assert response.status_code in (200, 302, 403), (username, lang, response.status_code)
    page = client_for(app, "central_pr", "fa").get("/reports/137?month=1405/09").get_data(as_text=True)
    assert "رضایت (٪)" in page and "%" not in re.sub(r"<[^>]+>", "", page.split("<main")[-1])


@pytest.mark.parametrize("how", ["api", "page"])
def test_draft_regulation_started_from_the_api_or_the_start_page_waits_for_its_comments(app, db, api, login, how):
    from tests.conftest import deploy_file
    deploy_file(app, PROCESSES / "draft_regulation.bpmn")
    if how == "api":
        response = api("pr_expert_d1").post("/api/v1/processes/draft_regulation/instances",
                                            json={"district": "d1"})
        assert response.status_code == 201, response.get_json()
        iid = response.get_json()["id"]
    else:
        district_id = find_district(db, "d1").id
        db.rollback()
        browser = login("pr_expert_d1")
        page = browser.get("/processes").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = browser.post("/processes/draft_regulation/start",
                                data={"csrf_token": token, "district": district_id})
        assert response.status_code == 303 and "/instances/" in response.headers["Location"], \
            browser.get("/processes").get_data(as_text=True)[-3000:]
        iid = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    db.rollback()
    db.expire_all()
    instance = db.get(Instance, iid)
    assert instance.status == "running", instance.error_message
    assert instance.waiting_timer_count == 1
    assert not db.scalars(select(HumanTask).where(HumanTask.instance_id == iid)).all()
    # The default comment period: seven days.
    timer = db.scalars(select(Timer).where(Timer.instance_id == iid)).one()
    assert abs(timer.due_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=5)
    # At its end the review opens, and its page shows (there is no draft page to link to).
    db.rollback()
    clock.set_now(timer.due_at.replace(tzinfo=timezone.utc) + timedelta(minutes=1))
    fire_due_timers(app.extensions["db_sessions"])
    db.expire_all()
    [review] = db.scalars(select(HumanTask).where(HumanTask.instance_id == iid)).all()
    assert (review.task_spec, review.status) == ("Task_review_comments", "ready")
    review_id = review.id
    assert login("department_head_d1").get(f"/tasks/{review_id}").status_code == 200
