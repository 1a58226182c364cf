"""137 determination (Qom 004): the executive unit's reply either resolves the message or says
what will be done and by when; the citizen is told (with the Solar Hijri date), the message
stays open until that date with its own follow-up task, and the deputy is asked when the date
passes without the work confirmed. Dates: message_137_support (referral Sunday 1405/09/22 10:00)."""
from datetime import datetime, timedelta

from sqlalchemy import select

from engine_support import reload_instance, task_rows, timer_rows
from message_137_support import (REFERRED, TEHRAN, complete, deploy_messages, fire_at, ready,
                                 referred_message, statuses)
from models import CitizenRequest, OutboxMessage, clock
from programmes.citizens.tracking import citizen_timeline
from programmes.messages137.determination import determination_notice, work_done_notice
from programmes.messages137.scores import district_scores

PLANNED = {"reply_kind": "scheduled", "reply_text": "درخواست آسفالت بررسی شد.",
           "planned_work": "آسفالت کوچه ۱۲", "planned_date": "1405/09/29"}  # Sunday 2026-12-20
END_OF_PLANNED_DAY = datetime(2026, 12, 20, 20, 30)  # naive UTC = Monday 1405/09/30 00:00 Tehran


def answers_told(db, instance_id) -> list[str]:
    db.expire_all()
    return [m.body for m in db.scalars(select(OutboxMessage).where(
        OutboxMessage.instance_id == instance_id, OutboxMessage.template == "answer_ready",
        OutboxMessage.channel == "sms").order_by(OutboxMessage.id))]


def determined(db):
    message = referred_message(db, "technical")
    clock.set_now(REFERRED + timedelta(hours=5))
    complete(db, message.id, "Task_executive_reply", PLANNED)
    return message


def test_a_determination_is_told_to_the_citizen_with_its_solar_date_and_keeps_the_message_open(app, db):
    deploy_messages(app)
    message = determined(db)
    assert reload_instance(db, message.id).status == "running"
    assert ready(db, message.id) == ["Task_confirm_planned_work"]
    [follow_up] = task_rows(db, message.id, "ready")
    assert (follow_up.role, follow_up.due_at) == ("department_head", END_OF_PLANNED_DAY)
    [told] = answers_told(db, message.id)
    assert "آسفالت کوچه ۱۲" in told and "۱۴۰۵/۰۹/۲۹" in told
    # The referral's escalation stopped: the determination is the reply the hours ask for.
    assert [(t.task_spec, t.status) for t in timer_rows(db, message.id)] == [
        ("Timer_no_reply_72h", "cancelled"), ("Timer_planned_date_passed", "waiting")]


def test_the_deputy_is_asked_when_the_planned_date_passes_without_the_work_done(app, db):
    deploy_messages(app)
    message = determined(db)
    assert fire_at(app, db, END_OF_PLANNED_DAY - timedelta(minutes=1)) == 0
    assert fire_at(app, db, END_OF_PLANNED_DAY) == 1
    assert ready(db, message.id) == ["Task_confirm_planned_work", "Task_planned_work_deputy"]
    complete(db, message.id, "Task_confirm_planned_work",
             {"work_status": "done", "work_note": "آسفالت شد."})
    assert statuses(db, message.id, "Task_planned_work_deputy") == ["cancelled"]
    assert ready(db, message.id) == ["Task_feedback_call"]


def test_a_new_date_tells_the_citizen_again_and_follows_up_on_that_date(app, db):
    deploy_messages(app)
    message = determined(db)
    clock.set_now(datetime(2026, 12, 20, 9, 0, tzinfo=TEHRAN))
    complete(db, message.id, "Task_confirm_planned_work",
             {"work_status": "new_date", "planned_date": "1405/10/06", "work_note": "قیر نرسید."})
    [again] = task_rows(db, message.id, "ready")
    assert (again.task_spec, again.due_at) == ("Task_confirm_planned_work", datetime(2026, 12, 27, 20, 30))
    first, second = answers_told(db, message.id)
    assert "۱۴۰۵/۰۹/۲۹" in first and "۱۴۰۵/۱۰/۰۶" in second
    assert fire_at(app, db, END_OF_PLANNED_DAY + timedelta(days=1)) == 0  # the old date no longer counts
    clock.set_now(datetime(2026, 12, 26, 12, 0, tzinfo=TEHRAN))
    complete(db, message.id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "آسفالت شد."})
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert reload_instance(db, message.id).data["reply_text"].startswith("اقدام تعیین‌شده انجام شد")


def test_a_resolved_reply_goes_straight_to_the_feedback_call(app, db):
    deploy_messages(app)
    message = referred_message(db)
    complete(db, message.id, "Task_executive_reply", {"reply_text": "لامپ تعویض شد."})  # resolved by default
    assert ready(db, message.id) == ["Task_feedback_call"]
    assert reload_instance(db, message.id).data["reply_kind"] == "resolved"


def test_a_planned_date_in_the_past_is_refused(app, db):
    import pytest
    from models.errors import InvalidData
    deploy_messages(app)
    message = referred_message(db)
    with pytest.raises(InvalidData) as refused:
        complete(db, message.id, "Task_executive_reply", {**PLANNED, "planned_date": "1405/09/01"})
    assert "planned_date" in refused.value.details
    db.rollback()
    with pytest.raises(InvalidData) as refused:
        complete(db, message.id, "Task_executive_reply", {**PLANNED, "planned_date": ""})
    assert "planned_date" in refused.value.details


def test_scores_count_determinations_on_time_and_work_done_on_the_planned_date(app, db):
    deploy_messages(app)
    on_date = determined(db)
    late = determined(db)
    clock.set_now(datetime(2026, 12, 20, 12, 0, tzinfo=TEHRAN))
    complete(db, on_date.id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "انجام شد."})
    complete(db, late.id, "Task_confirm_planned_work",
             {"work_status": "new_date", "planned_date": "1405/10/06", "work_note": "قیر نرسید."})
    day = datetime(2026, 12, 20).date()
    [d1] = [s for s in district_scores(db, day.replace(day=13), day,
                                       now=datetime(2026, 12, 20, 9, 0)) if s.code == "d1"]
    assert (d1.received, d1.answered_on_time, d1.planned, d1.determined_on_time,
            d1.planned_done_on_date, d1.planned_overdue) == (2, 2, 2, 2, 1, 0)
    [later] = [s for s in district_scores(db, day.replace(day=13), day.replace(day=28),
                                          now=datetime(2026, 12, 28, 21, 0)) if s.code == "d1"]
    assert (later.planned, later.planned_done_on_date, later.planned_overdue) == (2, 1, 1)


def test_the_citizens_texts_say_the_work_and_the_date_in_persian_digits():
    text = determination_notice("نصب تابلو", "2026-12-20", "بررسی شد.")
    assert text == "بررسی شد.؛ اقدام تعیین‌شده: نصب تابلو؛ تاریخ انجام: ۱۴۰۵/۰۹/۲۹."
    assert work_done_notice("نصب تابلو", "") == "اقدام تعیین‌شده انجام شد: نصب تابلو."


def test_the_deputys_follow_up_of_a_missed_date_shows_what_was_promised(app, db):
    from engine.runtime.task_data import task_data
    from engine_support import ready_task
    deploy_messages(app)
    message = determined(db)
    fire_at(app, db, END_OF_PLANNED_DAY)
    deputy = ready_task(db, message.id, "Task_planned_work_deputy")
    assert "۱۴۰۵/۰۹/۲۹" in task_data(db, deputy)["determination_text"]


def test_a_determination_with_a_missed_date_and_a_new_one_re_executes_as_recorded(app, db):
    from replay_support import assert_replays
    deploy_messages(app)
    message = determined(db)
    fire_at(app, db, END_OF_PLANNED_DAY)
    clock.set_now(END_OF_PLANNED_DAY + timedelta(hours=10))
    complete(db, message.id, "Task_confirm_planned_work",
             {"work_status": "new_date", "planned_date": "1405/10/06", "work_note": "قیر نرسید."})
    complete(db, message.id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "انجام شد."})
    complete(db, message.id, "Task_feedback_call", {"satisfied": "unreachable"})
    fire_at(app, db, END_OF_PLANNED_DAY + timedelta(hours=35))
    complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
    assert reload_instance(db, message.id).status == "completed"
    assert_replays(db, message.id)


def test_the_citizens_timeline_shows_the_determination_then_the_work_done(app, db):
    deploy_messages(app)
    message = determined(db)
    request = db.scalars(select(CitizenRequest).where(CitizenRequest.instance_id == message.id)).one()
    planned = [step for step in citizen_timeline(db, request) if step.code == "planned"]
    assert len(planned) == 1 and "آسفالت کوچه ۱۲" in planned[0].text and "۱۴۰۵/۰۹/۲۹" in planned[0].text
    complete(db, message.id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "آسفالت شد."})
    done = citizen_timeline(db, request)[-1]
    assert done.code == "work_done" and "آسفالت کوچه ۱۲" in done.text
