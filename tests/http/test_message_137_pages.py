"""The 137 cycle through the web app and the API: intake shows the tracking code at once,
the district boundary holds, and the API starts a message with its data."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from modeling.deploy import deploy_process
from http_support import page_text
from models import District, HumanTask, Instance

PROCESS = Path(__file__).resolve().parents[2] / "processes" / "citizen_message_137.bpmn"
CODE = re.compile(r"137-\d{6}-[0-9A-HJKMNP-TV-Z]{6}")
INTAKE = {"channel": "web", "category": "urban_planning", "description": "ساخت‌وساز بدون پروانه",
          "location": "بلوار کشاورز", "citizen_phone": "09121112233", "outcome": "referred"}


@pytest.fixture
def messages(app):
    session = app.extensions["db_sessions"]()
    version, _ = deploy_process(session, PROCESS.read_bytes(), filename=PROCESS.name)
    session.commit()
    session.close()
    return version


def district_id(db, code):
    found = db.scalars(select(District).where(District.code == code)).one().id
    db.rollback()  # on SQLite every transaction holds the write lock: let the requests in
    return found


def one(db, query):
    """One row, read in a transaction of its own (closed before the next request)."""
    db.expire_all()
    row = db.scalars(query).one()
    db.expunge(row)  # keeps its loaded values: reading them starts no transaction
    db.rollback()
    return row


def start_on_the_staff_page(browser, db, code="d1"):
    response = browser.post("/processes/citizen_message_137/start",
                            data={"district": district_id(db, code)}, follow_redirects=True)
    assert response.status_code == 200
    return page_text(response)


def test_intake_on_the_staff_page_shows_the_tracking_code_at_once(app, db, login, messages):
    operator = login("intake_operator_d1")
    page = start_on_the_staff_page(operator, db)
    instance = one(db, select(Instance))
    assert instance.tracking_code and CODE.fullmatch(instance.tracking_code)
    assert f"کد رهگیری: {instance.tracking_code}" in page  # the flash message
    assert 'data-testid="tracking-code"' in page
    # The intake form shows it too, read-only, for the operator to read out.
    task = one(db, select(HumanTask).where(HumanTask.instance_id == instance.id))
    form = page_text(operator.get(f"/tasks/{task.id}"))
    assert instance.tracking_code in form
    done = operator.post(f"/tasks/{task.id}", data={**INTAKE, "tracking_code": "137-000000-AAAAAA"})
    assert done.status_code == 302
    assert one(db, select(Instance)).tracking_code == instance.tracking_code  # read-only
    reply = one(db, select(HumanTask).where(HumanTask.instance_id == instance.id,
                                            HumanTask.status == "ready"))
    assert (reply.task_spec, reply.role) == ("Task_executive_reply", "department_head")
    assert reply.due_at is not None


def test_an_operator_of_another_district_cannot_see_the_message(app, db, login, messages):
    start_on_the_staff_page(login("intake_operator_d1"), db, "d1")
    instance = one(db, select(Instance))
    task = one(db, select(HumanTask).where(HumanTask.instance_id == instance.id))
    other = login("intake_operator_d2")
    assert other.get(f"/instances/{instance.id}").status_code == 403
    assert other.get(f"/tasks/{task.id}").status_code == 403
    assert instance.tracking_code not in page_text(other.get("/instances"))
    assert f"/tasks/{task.id}" not in page_text(other.get("/"))
    # The operator of district 1 sees it in the inbox.
    assert f"/tasks/{task.id}" in page_text(login("intake_operator_d1").get("/"))


def test_the_api_starts_a_message_with_its_data_and_returns_the_tracking_code(app, db, api, messages):
    client = api("intake_operator_d1")
    response = client.post("/api/v1/processes/citizen_message_137/instances",
                           json={"district": "d1", "data": {k: v for k, v in INTAKE.items()
                                                            if k != "outcome"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert CODE.fullmatch(body["tracking_code"])
    assert body["data"]["tracking_code"] == body["tracking_code"]
    [intake] = body["open_tasks"]
    assert intake["task"] == "Task_register_message"
    # The operator's task starts from what the portal sent.
    shown = client.get(f"/api/v1/tasks/{intake['id']}").get_json()["data"]
    assert shown["description"] == INTAKE["description"] and shown["channel"] == "web"
    done = client.post(f"/api/v1/tasks/{intake['id']}/complete", json={"data": INTAKE})
    assert done.status_code == 200, done.get_json()
    assert [t["task"] for t in done.get_json()["instance"]["open_tasks"]] == ["Task_executive_reply"]
    assert api("intake_operator_d2").get(f"/api/v1/instances/{body['id']}").status_code == 403
