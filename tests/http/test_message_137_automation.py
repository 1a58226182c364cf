"""The 137 referral sent to the office automation (issue 22, MESSAGE_137_REFERRAL_TARGET):
with `automation` the referral goes once (one idempotency key) to the connector
office_automation, a loopback partner here, and the automation's signed answer through
POST /api/v1/inbound/messages moves the message on exactly as the unit's inbox reply does;
with `both` the first answer wins and the other path is withdrawn; with the automation down
the call becomes an incident while the escalation timers still run; with `inbox` (the default)
nothing is sent. Dates: message_137_support."""
import hashlib
import hmac
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import retry_instance
from models import Instance, Timer, clock
from modeling.validation import check_diagram
from people.accounts import find_user
from programmes.messages137.automation import ensure_automation_connector

from connector_support import Partner, add_connector, call_rows, events_of, run_calls
from message_137_support import (DEPUTY_DUE, INTAKE, PROCESS, REFERRED, deploy_messages, fire_at,
                                 referred_message)
from path_support import drive, ready_specs
from replay_support import assert_replays

URL = "/api/v1/inbound/messages"
SECRET_SHOWN = re.compile(r'data-testid="new-partner-secret">([^<]+)<')
PARAMETERS = "tracking_code, category, description, district, unit, reply_due_at"
ANSWER = {"reply_kind": "resolved", "reply_text": "لامپ کوچه در اتوماسیون اداری تعویض شد."}
INBOX_REPLY = {"reply_text": "لامپ تعویض شد."}


@pytest.fixture
def target(app, monkeypatch):
    """Set MESSAGE_137_REFERRAL_TARGET of the running app (read when a message is referred)."""
    def set_target(value):
        monkeypatch.setattr(app.extensions["bpmn_engine"].message_clock, "referral_target", value)
    return set_target


@pytest.fixture
def automation(app, db, login):
    """The office automation on the loopback: its connector and its partner secret."""
    deploy_messages(app)
    response = login("admin").post("/admin/inbound-partners", data={
        "code": "office-automation", "name": "اتوماسیون اداری",
        "message_names": "office_automation_answer", "correlation_variable": "automation_letter_number"})
    assert response.status_code == 201, response.get_data(as_text=True)[-1500:]
    secret = SECRET_SHOWN.search(response.get_data(as_text=True)).group(1)
    with Partner(["ok"]) as partner:
        add_connector(db, name="office_automation", title="اتوماسیون اداری", parameters=PARAMETERS,
                      base_url=partner.url, path_template="/letters", headers="", body_template="",
                      response_mapping="automation_letter_number=data.number")
        partner.secret = secret
        yield partner


def _answer(client, secret, instance_id, payload, message_id="oa-1", letter="L-1"):
    raw = json.dumps({"message_id": message_id, "message": "office_automation_answer",
                      "instance_id": instance_id, "correlation_key": letter, "payload": payload}).encode()
    timestamp = str(int(clock.now().timestamp()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return client.post(URL, data=raw, content_type="application/json",
                       headers={"X-Partner": "office-automation", "X-Timestamp": timestamp,
                                "X-Signature": f"sha256={signature}"})


def _instance(db, instance_id) -> Instance:
    db.expire_all()
    return db.get(Instance, instance_id)


def _snapshot(db, instance_id):
    instance = _instance(db, instance_id)
    return (instance.status, dict(instance.data), len(events_of(db, instance_id)),
            [(c.status, c.attempts) for c in call_rows(db, instance_id)])


def _tracking_page(app, code) -> str:
    client = app.test_client()
    assert client.post("/p/track", data={"code": code, "check": INTAKE["citizen_phone"][-4:]}).status_code == 303
    return client.get(f"/p/track/{code}").get_data(as_text=True)


def test_an_automation_referral_is_sent_once_and_its_signed_answer_moves_the_message_on(app, db, automation, target):
    target("automation")
    message = referred_message(db)
    # No inbox task: the referral waits for its call, made by the scheduler after commit.
    assert ready_specs(app, message.id) == []
    assert automation.requests == []
    [call] = call_rows(db, message.id)
    assert (call.connector, call.task_spec, call.status) == (
        "office_automation", "Service_refer_to_automation", "pending")

    assert run_calls(app) == 1
    assert run_calls(app) == 0  # made once
    [request] = automation.requests
    assert request["path"] == "/letters"
    assert request["headers"]["Idempotency-Key"] == call.idempotency_key
    body = request["body"]
    assert (body["tracking_code"], body["category"], body["district"], body["unit"]) == (
        message.tracking_code, "service", "d1", "d1-services")  # the unit message_137_unit names
    assert body["description"] == INTAKE["description"] and body["reply_due_at"].startswith("2026-12-14T10:00")
    instance = _instance(db, message.id)
    assert instance.data["automation_letter_number"] == "L-1"
    assert instance.data["automation_receipt"] == {"data": {"number": "L-1", "state": "registered"}}
    # The escalation timer runs while the automation works on it.
    assert [(t.task_spec, t.status) for t in db.scalars(select(Timer).where(Timer.instance_id == message.id))] \
        == [("Timer_no_reply_72h", "waiting")]

    clock.set_now(REFERRED + timedelta(hours=3))
    response = _answer(app.test_client(), automation.secret, message.id, ANSWER)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["delivered"] is True
    # Exactly as the unit's reply: the citizen is called for feedback with the answer.
    assert ready_specs(app, message.id) == ["Task_feedback_call"]
    instance = _instance(db, message.id)
    assert (instance.data["reply_kind"], instance.data["reply_text"]) == ("resolved", ANSWER["reply_text"])
    assert instance.data["replied_via"] == "office_automation"
    assert [t.status for t in db.scalars(select(Timer).where(Timer.instance_id == message.id))] == ["cancelled"]
    page = _tracking_page(app, message.tracking_code)
    assert re.findall(r'data-step="(\w+)"', page) == ["received", "referred", "replied"]
    assert ANSWER["reply_text"] in page
    assert_replays(db, message.id)  # the call's outcome and the answer re-apply from the log


def test_an_automation_determination_reports_the_planned_work_and_date(app, db, automation, target):
    target("automation")
    message = referred_message(db)
    run_calls(app)
    answer = {"reply_kind": "scheduled", "reply_text": "در برنامه کار است.",
              "planned_work": "تعویض پایه چراغ", "planned_date": "2026-12-20"}
    assert _answer(app.test_client(), automation.secret, message.id, answer).status_code == 200
    assert ready_specs(app, message.id) == ["Task_confirm_planned_work"]
    instance = _instance(db, message.id)
    assert (instance.data["reply_kind"], instance.data["planned_date"]) == ("scheduled", "2026-12-20")
    assert "determination_text" in instance.data
    page = _tracking_page(app, message.tracking_code)
    assert re.findall(r'data-step="(\w+)"', page)[-1] == "planned"
    assert "تعویض پایه چراغ" in page


def test_an_answer_with_the_wrong_letter_number_is_refused_and_changes_nothing(app, db, automation, target):
    target("automation")
    message = referred_message(db)
    run_calls(app)
    before = _snapshot(db, message.id)
    response = _answer(app.test_client(), automation.secret, message.id, ANSWER, letter="L-999")
    assert response.status_code == 409
    assert _snapshot(db, message.id) == before


def test_with_both_the_inbox_reply_first_withdraws_the_wait_and_a_late_answer_is_409(app, db, login, automation, target):
    target("both")
    message = referred_message(db)
    assert ready_specs(app, message.id) == ["Task_executive_reply"]
    assert run_calls(app) == 1
    assert len(automation.requests) == 1

    drive(login("department_head_d1"), message.id, "Task_executive_reply", INBOX_REPLY)
    assert ready_specs(app, message.id) == ["Task_feedback_call"]
    before = _snapshot(db, message.id)
    late = _answer(app.test_client(), automation.secret, message.id, ANSWER)
    assert late.status_code == 409
    assert "office_automation_answer" not in late.get_json().get("waiting_for", [])
    assert _snapshot(db, message.id) == before
    assert _instance(db, message.id).data["reply_text"] == INBOX_REPLY["reply_text"]


def test_with_both_a_reply_before_the_call_is_made_cancels_the_call(app, db, login, automation, target):
    target("both")
    message = referred_message(db)
    drive(login("department_head_d1"), message.id, "Task_executive_reply", INBOX_REPLY)
    assert [c.status for c in call_rows(db, message.id)] == ["cancelled"]
    assert run_calls(app) == 0
    assert automation.requests == []


def test_with_both_the_automation_answer_first_withdraws_the_inbox_task(app, db, automation, target):
    target("both")
    message = referred_message(db)
    run_calls(app)
    assert _answer(app.test_client(), automation.secret, message.id, ANSWER).status_code == 200
    assert ready_specs(app, message.id) == ["Task_feedback_call"]
    db.expire_all()
    reply_rows = [e for e in events_of(db, message.id, "task_completed") if e.task_spec == "Task_executive_reply"]
    assert reply_rows == []
    assert _instance(db, message.id).data["reply_text"] == ANSWER["reply_text"]


def test_with_the_automation_down_the_call_retries_while_the_escalation_fires_then_is_an_incident(app, db, automation, target):
    target("automation")
    automation.plan = ["500"]
    message = referred_message(db)
    db.rollback()
    assert run_calls(app) == 1
    clock.set_now(REFERRED + timedelta(seconds=30))
    assert run_calls(app) == 1
    [call] = call_rows(db, message.id)
    assert (call.status, call.attempts) == ("pending", 2)
    # While the call waits for its next attempt, the 72 hours pass: the deputy is asked.
    assert fire_at(app, db, DEPUTY_DUE) == 1
    assert ready_specs(app, message.id) == ["Task_deputy_followup"]
    assert run_calls(app) == 1  # the last attempt
    assert len(automation.requests) == 3
    assert len({r["headers"]["Idempotency-Key"] for r in automation.requests}) == 1
    [call] = call_rows(db, message.id)
    assert (call.status, call.attempts) == ("failed", 3)
    instance = _instance(db, message.id)
    assert (instance.status, instance.failed_element) == ("error", "Service_refer_to_automation")
    assert events_of(db, message.id, "service_call_failed")

    # Repaired: the automation is back and the incident is retried with the same key.
    automation.plan = ["ok"]
    retry_instance(db, instance, find_user(db, "admin"), "the office automation is back")
    db.commit()
    assert run_calls(app) == 1
    assert automation.requests[-1]["headers"]["Idempotency-Key"] == call.idempotency_key
    assert _instance(db, message.id).data["automation_letter_number"] == "L-1"
    assert ready_specs(app, message.id) == ["Task_deputy_followup"]  # the deputy's task, kept
    assert _answer(app.test_client(), automation.secret, message.id, ANSWER).status_code == 200
    assert ready_specs(app, message.id) == ["Task_feedback_call"]
    assert_replays(db, message.id)


def test_with_the_inbox_target_nothing_is_sent_and_the_unit_replies_as_before(app, db, login, automation, target):
    target("inbox")
    message = referred_message(db)
    assert ready_specs(app, message.id) == ["Task_executive_reply"]
    assert call_rows(db, message.id) == []
    assert run_calls(app) == 0
    late = _answer(app.test_client(), automation.secret, message.id, ANSWER)
    assert late.status_code == 409
    drive(login("department_head_d1"), message.id, "Task_executive_reply", INBOX_REPLY)
    assert ready_specs(app, message.id) == ["Task_feedback_call"]
    assert automation.requests == []


def test_an_unknown_referral_target_stops_the_app_at_start(database_url):
    from app import create_app
    with pytest.raises(ValueError, match="MESSAGE_137_REFERRAL_TARGET"):
        create_app({"DATABASE_URL": database_url, "TESTING": True, "MESSAGE_137_REFERRAL_TARGET": "fax"})


def test_the_referral_setting_is_inbox_by_default(app):
    assert app.config["MESSAGE_137_REFERRAL_TARGET"] == "inbox"
    assert app.extensions["bpmn_engine"].message_clock.message_referral_target() == "inbox"


def test_the_shipped_diagram_passes_the_studio_check_once_setup_made_the_placeholder_connector(db):
    xml = PROCESS.read_bytes()
    # Without a connector office_automation the studio names the service task that needs it.
    assert [(p.kind, p.element_id) for p in check_diagram(db, xml)] == [
        ("connector", "Service_refer_to_automation")]
    assert ensure_automation_connector(db) is True
    assert check_diagram(db, xml) == []
    assert ensure_automation_connector(db) is False  # an administrator's connector is kept


@pytest.mark.parametrize("payload", [
    {"reply_kind": "resolved", "reply_text": "  "},
    {"reply_kind": "resolved"},
    {"reply_kind": "maybe", "reply_text": "پاسخ"},
    {"reply_kind": "scheduled", "reply_text": "در برنامه است.", "planned_work": "آسفالت"},
    {"reply_kind": "scheduled", "reply_text": "در برنامه است.", "planned_work": "آسفالت",
     "planned_date": "next week"},
    {"reply_kind": "resolved", "reply_text": "x" * 4001},
    {"reply_kind": "resolved", "reply_text": "پاسخ\x00\x1b[2J"},
], ids=["blank text", "no text", "unknown kind", "no date", "not a date", "too long", "control characters"])
def test_an_answer_the_reply_form_would_refuse_is_refused_and_changes_nothing(app, db, automation, target, payload):
    target("automation")
    message = referred_message(db)
    run_calls(app)
    before = _snapshot(db, message.id)
    response = _answer(app.test_client(), automation.secret, message.id, payload)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]
    assert _snapshot(db, message.id) == before
    # The same message id with a usable answer is then taken.
    assert _answer(app.test_client(), automation.secret, message.id, ANSWER).status_code == 200


def _d1_scores(db, now):
    from programmes.messages137.scores import district_scores
    db.expire_all()
    [score] = [s for s in district_scores(db, date(2026, 12, 1), date(2026, 12, 31), now=now)
               if s.code == "d1"]
    return score


def test_the_district_scores_count_the_automation_answer_as_the_reply_of_its_round(app, db, automation, target):
    target("automation")
    message = referred_message(db)
    run_calls(app)
    score = _d1_scores(db, REFERRED + timedelta(hours=1))
    assert (score.received, score.open, score.answered_on_spot) == (1, 1, 0)
    late = REFERRED + timedelta(hours=30)  # the service category's 24 hours are past
    score = _d1_scores(db, late)
    assert (score.open, score.open_overdue, score.working_days_late) == (1, 1, 1)
    clock.set_now(late)
    assert _answer(app.test_client(), automation.secret, message.id, ANSWER).status_code == 200
    score = _d1_scores(db, late + timedelta(hours=1))
    assert (score.answered_on_spot, score.answered_on_time, score.answered_late, score.open) == (0, 0, 1, 0)
    assert [r.tracking_code for r in score.late_replies] == [message.tracking_code]


def test_with_both_the_scores_count_one_reply_per_round_whichever_came_first(app, db, login, automation, target):
    target("both")
    message = referred_message(db)
    run_calls(app)
    score = _d1_scores(db, REFERRED + timedelta(hours=30))
    assert (score.open, score.working_days_late) == (1, 1)  # one round late, not two
    clock.set_now(REFERRED + timedelta(hours=2))
    assert _answer(app.test_client(), automation.secret, message.id, ANSWER).status_code == 200
    score = _d1_scores(db, REFERRED + timedelta(hours=3))
    assert (score.answered_on_spot, score.answered_on_time, score.open) == (0, 1, 0)
