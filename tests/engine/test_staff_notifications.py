"""What staff are told of their work (notifications/staff.py, programmes/staff/events.py): a task
offered to them, an escalation, a task due soon and overdue, the daily digest; once per event
per person, in the step's (or job's) transaction, e-mail held in quiet hours except escalations.

The 137 calendar of message_137_support, counted in working hours here (MESSAGE_CLOCK=working,
so that due dates fall inside working days): referred Sunday 1405/09/22 (2026-12-13) 10:00
Tehran; a service message's reply is due Wednesday 1405/09/25 13:00 (SERVICE_DUE, 09:30 UTC).
Seven working hours before it (the due-soon window): Tuesday 13:00 Tehran.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.scheduler import staff_notices_job
import engine as runtime
from engine_support import ready_task, user
import pytest

from engine.deadlines import MessageClock
from message_137_support import (INTAKE, deploy_messages, fire_at, referred_message, start_message)
from message_137_support import WORKING_DEPUTY_DUE as DEPUTY_DUE
from message_137_support import WORKING_MANAGER_DUE as MANAGER_DUE
from message_137_support import WORKING_SERVICE_DUE as SERVICE_DUE
from models import HumanTask, OutboxMessage, StaffNotification, clock
from notifications.staff import preferences_of, save_preferences
from people.access import users_offered
from programmes.staff.events import (notify_due_soon, notify_overdue, notify_step,
                                     send_digests)

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.fixture(autouse=True)
def working_hours_clock(app, monkeypatch):
    """The 137 hours as working hours: these tests are about working days, not the 137 clock."""
    monkeypatch.setattr(app.extensions["bpmn_engine"], "message_clock", MessageClock("working"))


def told(db, kind=None, username=None):
    """(kind, username, task spec or None) of every staff notification, in order."""
    db.expire_all()
    rows = db.scalars(select(StaffNotification).order_by(StaffNotification.id)).all()
    out = []
    for row in rows:
        name = db.get(type(user(db, "deputy_d1")), row.user_id).username
        task = db.get(HumanTask, row.task_id) if row.task_id else None
        if (kind is None or row.kind == kind) and (username is None or name == username):
            out.append((row.kind, name, task.task_spec if task else None))
    return out


def staff_mail(db, template=None):
    """(template, channel, recipient) of every staff message in the outbox."""
    db.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.template.like("staff_%"))
    if template:
        query = query.where(OutboxMessage.template == template)
    return [(m.template, m.channel, m.recipient) for m in db.scalars(query.order_by(OutboxMessage.id))]


def at_tehran(*args) -> datetime:
    return datetime(*args, tzinfo=TEHRAN)


def test_users_offered_are_the_holders_of_the_tasks_role_in_its_district_or_city_wide(app, db):
    deploy_messages(app)
    message = referred_message(db)
    task = ready_task(db, message.id, "Task_executive_reply")
    assert [u.username for u in users_offered(db, task)] == ["department_head_d1"]
    task.assignee_id = user(db, "department_head_d1").id
    assert [u.username for u in users_offered(db, task)] == ["department_head_d1"]


def test_a_referral_tells_the_executive_unit_once_in_app_and_by_email_not_the_operator_who_started(app, db):
    deploy_messages(app)
    message = referred_message(db)
    assert told(db) == [("offered", "department_head_d1", "Task_executive_reply")]
    assert staff_mail(db) == [("staff_offered", "email", "department_head_d1@example.org")]
    body = db.scalars(select(OutboxMessage.body).where(OutboxMessage.template == "staff_offered")).one()
    task = ready_task(db, message.id, "Task_executive_reply")
    assert f"/tasks/{task.id}" in body and message.tracking_code in body


def test_running_the_step_hook_again_tells_no_one_twice(app, db):
    deploy_messages(app)
    message = referred_message(db)
    task = ready_task(db, message.id, "Task_executive_reply")
    notify_step(db, message, None, [task], False)
    db.commit()
    assert len(told(db)) == 1 and len(staff_mail(db)) == 1


def test_a_step_that_rolls_back_tells_no_one(app, db):
    deploy_messages(app)
    clock.set_now(at_tehran(2026, 12, 13, 10, 0))
    message = start_message(db)
    [task] = runtime.open_tasks(db, message)
    runtime.complete_task(db, task.id, user(db, "intake_operator_d1"), INTAKE)
    db.flush()
    assert told(db) != []  # written in the step's transaction...
    db.rollback()
    assert told(db) == [] and staff_mail(db) == []  # ...and gone with it


def test_the_escalation_at_72_working_hours_tells_the_deputy(app, db):
    deploy_messages(app)
    referred_message(db)
    fire_at(app, db, DEPUTY_DUE)
    assert told(db, "escalation") == [("escalation", "deputy_d1", "Task_deputy_followup")]
    assert staff_mail(db, "staff_escalation") == [("staff_escalation", "email", "deputy_d1@example.org")]


def test_at_96_hours_the_manager_gets_one_email_and_the_inspection_office_its_escalation(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, MANAGER_DUE)
    assert sorted(told(db, "escalation")) == [
        ("escalation", "central_inspection", "Task_inspection_followup"),
        ("escalation", "deputy_d1", "Task_deputy_followup"),
        ("escalation", "manager_d1", "Task_manager_followup")]
    to_manager = db.scalars(select(OutboxMessage.template).where(
        OutboxMessage.instance_id == message.id,
        OutboxMessage.recipient == "manager_d1@example.org")).all()
    assert to_manager == ["escalation_to_manager"]  # the managers' e-mail, not a second one
    assert ("staff_escalation", "email", "central_inspection@example.org") in staff_mail(db)


def test_an_escalation_at_night_is_sent_at_once(app, db):
    deploy_messages(app)
    referred_message(db)
    night = DEPUTY_DUE + timedelta(hours=8)  # 20:00 Tehran: the timer fires late
    fire_at(app, db, night)
    [message] = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_escalation")).all()
    assert message.next_attempt_at == night


def test_due_soon_tells_in_app_within_the_last_working_day_once(app, db):
    deploy_messages(app)
    referred_message(db)
    assert notify_due_soon(db, at_tehran(2026, 12, 15, 12, 59)) == 0
    assert notify_due_soon(db, at_tehran(2026, 12, 15, 13, 1)) == 1
    db.commit()
    assert notify_due_soon(db, at_tehran(2026, 12, 15, 14, 0)) == 0
    assert told(db, "due_soon") == [("due_soon", "department_head_d1", "Task_executive_reply")]
    assert staff_mail(db, "staff_due_soon") == []  # in-app only by default


def test_overdue_tells_once_after_the_due_moment(app, db):
    deploy_messages(app)
    referred_message(db)
    assert notify_overdue(db, SERVICE_DUE - timedelta(minutes=1)) == 0
    clock.set_now(SERVICE_DUE + timedelta(minutes=1))
    assert notify_overdue(db) == 1
    db.commit()
    assert notify_overdue(db, SERVICE_DUE + timedelta(hours=1)) == 0
    assert told(db, "overdue") == [("overdue", "department_head_d1", "Task_executive_reply")]
    assert staff_mail(db, "staff_overdue") == [("staff_overdue", "email", "department_head_d1@example.org")]


def test_an_overdue_email_in_quiet_hours_waits_for_the_next_working_morning(app, db):
    deploy_messages(app)
    referred_message(db)
    clock.set_now(at_tehran(2026, 12, 16, 20, 0))  # Wednesday evening; Thursday and Friday off
    assert notify_overdue(db) == 1
    [message] = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_overdue")).all()
    assert message.next_attempt_at == datetime(2026, 12, 19, 4, 0)  # Saturday 07:30 Tehran


def test_the_scheduler_job_tells_of_due_and_overdue_work_and_a_second_run_adds_nothing(app, db):
    deploy_messages(app)
    referred_message(db)
    db.rollback()
    clock.set_now(SERVICE_DUE + timedelta(minutes=5))
    assert staff_notices_job(app.extensions["db_sessions"]) == {"due_soon": 0, "overdue": 1, "digest": 1}
    assert staff_notices_job(app.extensions["db_sessions"]) == {"due_soon": 0, "overdue": 0, "digest": 0}


def test_the_digest_comes_at_the_start_of_the_working_day_with_what_is_due_and_overdue(app, db):
    deploy_messages(app)
    message = referred_message(db)
    assert send_digests(db, at_tehran(2026, 12, 16, 7, 0)) == 0  # before the office opens
    assert send_digests(db, at_tehran(2026, 12, 16, 7, 45)) == 1
    db.commit()
    assert send_digests(db, at_tehran(2026, 12, 16, 9, 0)) == 0  # once a day
    [digest] = db.scalars(select(StaffNotification).where(StaffNotification.kind == "digest")).all()
    assert digest.user_id == user(db, "department_head_d1").id
    task = ready_task(db, message.id, "Task_executive_reply")
    assert [item["task_id"] for item in digest.params["due_today"]] == [task.id]
    assert digest.params["overdue"] == []
    [mail] = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_digest")).all()
    assert mail.recipient == "department_head_d1@example.org" and message.tracking_code in mail.body
    assert "مهلت امروز (۱):" in mail.body and "مهلت گذشته" not in mail.body
    assert f"/tasks/{task.id}" in mail.body and "۱۴۰۵/۰۹/۲۵ ۱۳:۰۰" in mail.body  # due, Solar Hijri
    assert send_digests(db, at_tehran(2026, 12, 17, 8, 0)) == 0  # Thursday: no working day
    assert send_digests(db, at_tehran(2026, 12, 19, 8, 0)) == 1  # Saturday: now overdue
    db.commit()
    saturday = db.scalars(select(StaffNotification).where(StaffNotification.kind == "digest")
                          .order_by(StaffNotification.id.desc())).first()
    assert len(saturday.params["overdue"]) == 1 and saturday.params["due_today"] == []


def test_each_person_s_digest_lists_their_own_work_and_people_without_any_get_none(app, db):
    deploy_messages(app)
    first = referred_message(db)
    second = start_message(db, "d2")
    [intake] = runtime.open_tasks(db, second)
    runtime.complete_task(db, intake.id, user(db, "intake_operator_d2"), INTAKE)
    db.commit()
    assert send_digests(db, at_tehran(2026, 12, 16, 7, 45)) == 2
    db.commit()
    digests = {db.get(type(user(db, "deputy_d1")), row.user_id).username: row.params
               for row in db.scalars(select(StaffNotification).where(StaffNotification.kind == "digest"))}
    assert set(digests) == {"department_head_d1", "department_head_d2"}
    assert [i["task_id"] for i in digests["department_head_d1"]["due_today"]] == \
        [ready_task(db, first.id, "Task_executive_reply").id]
    assert [i["task_id"] for i in digests["department_head_d2"]["due_today"]] == \
        [ready_task(db, second.id, "Task_executive_reply").id]


def test_preferences_choose_the_channels_of_each_kind(app, db):
    deploy_messages(app)
    head = user(db, "department_head_d1")
    head.phone = "09120001111"
    save_preferences(db, head, {"offered": {"sms"}, "overdue": set()})
    db.commit()
    assert preferences_of(db, head)["offered"] == {"sms"}
    assert preferences_of(db, head)["escalation"] == set()  # saved: every kind, none left out
    referred_message(db)
    assert staff_mail(db) == [("staff_offered", "sms", "09120001111")]
    assert told(db) == [("offered", "department_head_d1", "Task_executive_reply")]  # in-app always
    clock.set_now(SERVICE_DUE + timedelta(minutes=1))
    notify_overdue(db)
    assert staff_mail(db, "staff_overdue") == []


def test_a_digest_by_sms_is_one_short_line_with_the_counts(app, db):
    deploy_messages(app)
    head = user(db, "department_head_d1")
    head.phone = "09120001111"
    save_preferences(db, head, {"digest": {"sms"}})
    db.commit()
    referred_message(db)
    send_digests(db, at_tehran(2026, 12, 19, 8, 0))  # Saturday: the reply is overdue
    [sms] = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_digest")).all()
    assert (sms.channel, sms.recipient) == ("sms", "09120001111")
    assert "۱ مهلت گذشته، ۰ با مهلت امروز" in sms.body and len(sms.body) < 160


def test_a_planned_date_passed_without_the_work_done_is_an_escalation_to_the_deputy(app, db):
    from message_137_support import REFERRED, complete
    deploy_messages(app)
    message = referred_message(db, "technical")
    clock.set_now(REFERRED + timedelta(hours=5))
    complete(db, message.id, "Task_executive_reply", {
        "reply_kind": "scheduled", "reply_text": "بررسی شد.", "planned_work": "آسفالت کوچه ۱۲",
        "planned_date": "1405/09/29"})
    fire_at(app, db, datetime(2026, 12, 20, 20, 30))  # the end of 1405/09/29, Tehran
    assert ("escalation", "deputy_d1", "Task_planned_work_deputy") in told(db, "escalation")
