"""Who is told of an incident (programmes/staff/incidents.py through the engine hook
instance_failed): the holders of repair_instances in the instance's district or city-wide, in-app
and by e-mail with the process, the element, the failure in Persian and a link to the instance;
once per incident (a failed retry, or the timer's retries before the incident, tell no one again).

Fixture: tests/fixtures/incident_script.bpmn (Task_enter -> Script_compute `total =
int(amount) * 2` -> Task_review ...).
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from engine_support import deploy, district_id, ready_task, reload_instance, timer_rows, user
from models import OutboxMessage, StaffNotification, User, clock
from people.accounts import create_user, find_district, grant_role


@pytest.fixture
def incident_process(app):
    return deploy(app, "incident_script.bpmn")


@pytest.fixture
def district_owners(db):
    """process_owner_d1 and process_owner_d2: process owners of one district each."""
    for code in ("d1", "d2"):
        person = create_user(db, f"process_owner_{code}", "owner-pass-1234",
                             full_name=f"Process owner {code}", email=f"owner_{code}@example.org")
        grant_role(db, person, "process_owner", find_district(db, code))
    db.commit()


def failed_instance(db, amount="abc"):
    instance = runtime.start_instance(db, "t_incident", user(db, "pr_expert_d1"),
                                      district_id(db, "d1"), {"amount": amount})
    db.commit()
    runtime.complete_task(db, ready_task(db, instance.id, "Task_enter").id, user(db, "pr_expert_d1"), {})
    db.commit()
    return reload_instance(db, instance.id)


def incident_notices(db):
    """(username, event key) of every incident notification, by user name."""
    db.expire_all()
    rows = db.execute(select(User.username, StaffNotification.event_key)
                      .join(User, User.id == StaffNotification.user_id)
                      .where(StaffNotification.kind == "incident")).all()
    return sorted((name, key) for name, key in rows)


def incident_mail(db):
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_incident")
                           .order_by(OutboxMessage.id)))


def test_an_incident_tells_the_process_owners_and_administrators_who_may_repair_it(
        db, incident_process, district_owners):
    instance = failed_instance(db)
    told = incident_notices(db)
    assert {name for name, _key in told} == {"admin", "process_owner", "process_owner_d1"}
    assert len({key for _name, key in told}) == 1  # one event
    [row] = db.scalars(select(StaffNotification).where(
        StaffNotification.user_id == user(db, "process_owner_d1").id)).all()
    assert row.instance_id == instance.id and row.task_id is None
    assert row.params["element_name"] == "Compute the total"
    assert row.params["element"] == "Script_compute"
    assert "invalid literal for int()" in row.params["error_message"]
    assert row.params["process_name"] == instance.version.name


def test_the_incident_email_names_process_step_and_failure_in_persian_with_a_link(
        db, incident_process, district_owners):
    instance = failed_instance(db)
    mail = {m.recipient: m for m in incident_mail(db)}
    assert "owner_d1@example.org" in mail and "owner_d2@example.org" not in mail
    body = mail["owner_d1@example.org"].body
    assert f"/instances/{instance.id}" in body
    assert "«Compute the total»" in body
    assert "مقداری برای اسکریپت معتبر نیست" in body  # ValueError, said in Persian
    assert instance.version.name in mail["owner_d1@example.org"].subject


def test_staff_without_the_permission_and_owners_of_another_district_are_not_told(
        db, incident_process, district_owners):
    failed_instance(db)
    names = {name for name, _key in incident_notices(db)}
    assert "process_owner_d1" in names
    assert "process_owner_d2" not in names and "pr_expert_d1" not in names
    assert "auditor" not in names


def test_a_failed_retry_of_the_same_incident_tells_no_one_again(db, incident_process, district_owners):
    instance = failed_instance(db)
    before = incident_notices(db)
    mails = len(incident_mail(db))
    assert before and mails  # told once, when it began
    runtime.retry_instance(db, instance, user(db, "process_owner"), "try again")
    db.commit()
    assert reload_instance(db, instance.id).failure_count == 2
    assert incident_notices(db) == before and len(incident_mail(db)) == mails


def test_a_new_incident_after_a_repair_is_told_again(db, incident_process, district_owners):
    instance = failed_instance(db)
    owner = user(db, "process_owner")
    runtime.set_instance_data(db, instance, owner, {"amount": "4"}, "fixed", merge=True)
    runtime.retry_instance(db, instance, owner, "fixed")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "running"
    runtime.set_instance_data(db, instance, owner, {"amount": "x"}, "a new bad amount", merge=True)
    runtime.move_token(db, instance, owner, "Task_review", "Script_compute", "compute again")
    db.commit()
    assert reload_instance(db, instance.id).status == "error"
    keys = {key for name, key in incident_notices(db) if name == "process_owner_d1"}
    assert len(keys) == 2  # one per incident


def test_a_timer_step_failing_three_times_tells_once_when_it_becomes_an_incident(app, db, district_owners):
    from modeling.deploy import deploy_process

    fixture = Path(__file__).resolve().parent / "fixtures" / "timer_then_failing_script.bpmn"
    deploy_process(db, fixture.read_bytes(), filename=fixture.name)
    db.commit()
    started = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
    clock.set_now(started)
    instance = runtime.start_instance(db, "t_timer_retry", user(db, "process_owner"), district_id(db, "d1"),
                                      {"archive_down_until": (started + timedelta(days=1)).isoformat()})
    db.commit()
    for attempt in range(3):
        assert incident_notices(db) == []  # the retries with backoff are no incident yet
        [timer] = [t for t in timer_rows(db, instance.id) if t.status == "waiting"]
        clock.set_now(timer.due_at.replace(tzinfo=timezone.utc))
        assert runtime.fire_next_due_timers(db) == instance.id
        db.commit()
    assert reload_instance(db, instance.id).status == "error"
    assert [name for name, _key in incident_notices(db)] == ["admin", "process_owner", "process_owner_d1"]
