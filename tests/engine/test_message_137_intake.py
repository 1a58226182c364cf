"""137 intake: a tracking code at once, the answer on the spot, the reply deadline by category
(MESSAGE_DEADLINE_HOURS), counted in calendar hours (MESSAGE_CLOCK). Dates: message_137_support."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

from engine.core import engine_of
from programmes.messages137 import tracking as citizen_messages
from engine.deadlines import ReplyDeadlines
from engine_support import event_rows, reload_instance, task_rows
from message_137_support import (DEPUTY_DUE, INTAKE, REFERRED, SERVICE_DUE, TECHNICAL_DUE, complete,
                                 deploy_messages, ready, referred_message, start_message)
from models import clock
from modeling.decisions import deploy_decisions

DEADLINE_TABLE = Path(__file__).resolve().parents[2] / "processes" / "decisions" / "message_137_deadline.dmn"

CODE = re.compile(r"^137-\d{6}-[0-9A-HJKMNP-TV-Z]{6}$")


def test_a_started_message_has_a_unique_tracking_code_in_its_row_its_data_and_its_history(app, db):
    deploy_messages(app)
    clock.set_now(REFERRED)
    first, second = start_message(db), start_message(db)
    assert CODE.match(first.tracking_code) and first.tracking_code.startswith("137-050922-")
    assert first.tracking_code != second.tracking_code
    [task] = task_rows(db, first.id, "ready")
    assert task.task_spec == "Task_register_message" and task.role == "intake_operator"
    assert reload_instance(db, first.id).data["tracking_code"] == first.tracking_code
    issued = [e for e in event_rows(db, first.id) if e.type == "tracking_code_issued"]
    assert [e.data["tracking_code"] for e in issued] == [first.tracking_code]


def test_a_tracking_code_is_found_however_it_is_typed(app, db):
    deploy_messages(app)
    message = start_message(db)
    code = message.tracking_code
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")).lower().replace("-", " ")
    assert citizen_messages.find_by_tracking_code(db, persian).id == message.id
    assert citizen_messages.find_by_tracking_code(db, "137-000000-ZZZZZZ") is None
    assert citizen_messages.normalise_tracking_code("not a code") is None


def test_a_complaint_registered_by_staff_gets_its_own_tracking_code(app, db, complaints):
    import engine as runtime
    from engine_support import district_id, user
    instance = runtime.start_instance(db, "complaints", user(db, "pr_expert_d1"), district_id(db, "d1"))
    assert instance.tracking_code.startswith("101-") and instance.data["tracking_code"] == instance.tracking_code


def test_a_message_answered_on_the_spot_is_closed_and_archived_without_referral(app, db):
    deploy_messages(app)
    message = start_message(db)
    complete(db, message.id, "Task_register_message",
             {**INTAKE, "outcome": "answered", "on_spot_answer": "ساعت کاری اداره گفته شد."})
    closed = reload_instance(db, message.id)
    assert closed.status == "completed"
    assert closed.data["classification"] == {"category": "service", "channel": "phone",
                                             "closure": "answered_on_spot", "referral_rounds": 0}
    assert [t.task_spec for t in task_rows(db, message.id)] == ["Task_register_message"]


@pytest.mark.parametrize("category, due", [("service", SERVICE_DUE), ("technical", TECHNICAL_DUE),
                                           ("urban_planning", DEPUTY_DUE)])
def test_the_executive_units_reply_is_due_in_calendar_hours_by_category(app, db, category, due):
    deploy_messages(app)
    message = referred_message(db, category)
    [reply_task] = task_rows(db, message.id, "ready")
    assert (reply_task.task_spec, reply_task.role) == ("Task_executive_reply", "department_head")
    assert reply_task.due_at == due
    assert reload_instance(db, message.id).data["reply_hours"] == \
        {"service": 24, "technical": 48, "urban_planning": 72}[category]


def test_the_deadlines_by_category_come_from_the_decision_table_and_the_settings_fill_the_rest(app, db, monkeypatch):
    # Issue 23: the table message_137_deadline (processes/decisions/) decides by category; a
    # category it leaves open (its last rule gives null) takes MESSAGE_DEADLINE_HOURS, whose
    # unknown categories get its longest deadline.
    deploy_messages(app)
    monkeypatch.setattr(engine_of(db), "deadlines", ReplyDeadlines("service=48,technical=72"))
    message = referred_message(db, "service")
    assert task_rows(db, message.id, "ready")[0].due_at == SERVICE_DUE  # the table's 24 hours
    assert reload_instance(db, message.id).data["decisions"]["message_137_deadline"]["matched_rules"] == [
        "Rule_service"]
    session = app.extensions["db_sessions"]()
    leaves_open = DEADLINE_TABLE.read_bytes().replace(
        b'<outputEntry id="LiteralExpression_urban_planning"><text>72</text>',
        b'<outputEntry id="LiteralExpression_urban_planning"><text>null</text>')
    deploy_decisions(session, leaves_open, None, file_name=DEADLINE_TABLE.name)
    session.commit()
    session.close()
    monkeypatch.setattr(engine_of(db), "deadlines", ReplyDeadlines("service=48,technical=60"))
    other = referred_message(db, "urban_planning")
    assert task_rows(db, other.id, "ready")[0].due_at == DEPUTY_DUE - timedelta(hours=12)  # settings: 60
    assert ready(db, other.id) == ["Task_executive_reply"]


def test_the_app_reads_the_deadlines_from_its_configuration(database_url):
    from app import create_app
    app = create_app({"DATABASE_URL": database_url, "TESTING": True,
                      "MESSAGE_DEADLINE_HOURS": "service=12,technical=36,urban_planning=60"})
    helpers = app.extensions["bpmn_engine"].script_helpers()
    assert helpers["reply_deadline_hours"]("service") == 12
    assert helpers["reply_deadline_hours"]("technical") == 36
    with pytest.raises(ValueError, match="not a number"):
        create_app({"DATABASE_URL": database_url, "TESTING": True,
                    "MESSAGE_DEADLINE_HOURS": "service=soon"})


def test_the_app_reads_the_137_clock_and_rules_from_its_configuration(database_url):
    from app import create_app
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "MESSAGE_CLOCK": "working",
                      "MESSAGE_INTAKE_HOURS": 4, "MESSAGE_CALL_ATTEMPTS": 5})
    clock_ = app.extensions["bpmn_engine"].message_clock
    assert clock_.working and clock_.message_rule("intake_hours") == 4
    assert app.extensions["bpmn_engine"].script_helpers()["message_rule"]("call_attempts") == 5
    with pytest.raises(ValueError, match="MESSAGE_CLOCK"):
        create_app({"DATABASE_URL": database_url, "TESTING": True, "MESSAGE_CLOCK": "lunar"})
    with pytest.raises(ValueError, match="MESSAGE_INTAKE_HOURS"):
        create_app({"DATABASE_URL": database_url, "TESTING": True, "MESSAGE_INTAKE_HOURS": -1})
