"""Incidents (engine.runtime.incidents): an instance whose script fails on bad data becomes an
incident; an operator sets the data with a reason (a diff in the chain), retries, moves the
token, suspends and resumes (tasks refused, timers wait), cancels; the replay and the
re-execution verification understand every one of these events.

Fixture: tests/fixtures/incident_script.bpmn (Task_enter -> Script_compute `total =
int(amount) * 2` -> Task_review with a one-day boundary timer -> Task_escalation).
"""
from datetime import timedelta

import pytest

import engine as runtime
from engine.events import verify_chain
from engine_support import (deploy, district_id, event_rows, ready_specs, ready_task,
                            reload_instance, task_rows, timer_rows, user)
from models import utcnow
from models.errors import Conflict, Forbidden, InvalidData
from people.accounts import create_user, find_district, grant_role


@pytest.fixture
def incident_process(app):
    return deploy(app, "incident_script.bpmn")


def failed_instance(db, amount="abc"):
    """An instance whose script failed on amount (committed)."""
    instance = runtime.start_instance(db, "t_incident", user(db, "pr_expert_d1"),
                                      district_id(db, "d1"), {"amount": amount})
    db.commit()
    task = ready_task(db, instance.id, "Task_enter")
    runtime.complete_task(db, task.id, user(db, "pr_expert_d1"), {})
    db.commit()
    return reload_instance(db, instance.id)


def owner(db):
    return user(db, "process_owner")


def verified(db, instance_id):
    replay = runtime.verify_instance(db, instance_id)
    assert replay.matches, replay.reason
    return replay


def test_a_failing_script_makes_an_incident_with_element_time_and_count(db, incident_process):
    instance = failed_instance(db)
    assert instance.status == "error"
    assert "invalid literal for int()" in instance.error_message  # English, as raised
    assert (instance.failed_element, instance.failed_element_name) == ("Script_compute", "Compute the total")
    assert instance.failure_count == 1 and instance.failed_at is not None
    assert [i.id for i in runtime.list_incidents(db, owner(db))] == [instance.id]
    assert runtime.count_incidents(db, owner(db)) == 1
    assert runtime.count_incidents(db, user(db, "pr_expert_d1")) == 0
    verified(db, instance.id)


def test_retry_without_a_fix_keeps_the_incident_with_one_failure_more(db, incident_process):
    instance = failed_instance(db)
    runtime.retry_instance(db, instance, owner(db), "try again")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "error" and instance.failure_count == 2
    assert [e.type for e in event_rows(db, instance.id)][-2:] == ["instance_retried", "instance_error"]
    verified(db, instance.id)


def test_set_data_records_a_diff_and_retry_runs_on(db, incident_process):
    instance = failed_instance(db)
    changes = runtime.set_instance_data(db, instance, owner(db), {"amount": "4", "note": "fixed"},
                                        "the citizen's amount was mistyped")
    db.commit()
    assert changes == {"added": {"note": "fixed"}, "changed": {"amount": {"old": "abc", "new": "4"}}}
    event = event_rows(db, instance.id)[-1]
    assert event.type == "instance_data_set" and event.actor_id == owner(db).id
    assert event.data == {"reason": "the citizen's amount was mistyped", "changes": changes}
    instance = reload_instance(db, instance.id)
    assert instance.status == "error" and instance.data["amount"] == "4"
    verified(db, instance.id)

    runtime.retry_instance(db, instance, owner(db), "data fixed")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "running" and instance.data["total"] == 8
    assert instance.failure_count == 0 and instance.error_message is None
    assert ready_specs(db, instance.id) == ["Task_review"]
    replay = verified(db, instance.id)
    steps = {s.type: s for s in replay.steps}
    assert ("amount", "abc", "4") in steps["instance_data_set"].changes
    assert steps["instance_data_set"].submitted["reason"] == "the citizen's amount was mistyped"
    assert steps["instance_retried"].actor_name == owner(db).display_name
    assert verify_chain(event_rows(db, instance.id)) is None


def test_set_data_removes_keys_and_refuses_no_change_and_non_objects(db, incident_process):
    instance = failed_instance(db)
    with pytest.raises(InvalidData):
        runtime.set_instance_data(db, instance, owner(db), ["not", "an", "object"], "why")
    with pytest.raises(InvalidData):
        runtime.set_instance_data(db, instance, owner(db), {"amount": "abc"}, "why")
    with pytest.raises(InvalidData):
        runtime.set_instance_data(db, instance, owner(db), {"amount": "5"}, "  ")
    db.rollback()
    changes = runtime.set_instance_data(db, instance, owner(db), {}, "start over")
    db.commit()
    assert changes == {"removed": {"amount": "abc"}}
    assert "amount" not in reload_instance(db, instance.id).data
    verified(db, instance.id)


def test_move_token_skips_the_failing_script_to_the_review(db, incident_process):
    instance = failed_instance(db)
    runtime.move_token(db, instance, owner(db), "Script_compute", "Task_review", "compute by hand")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "running" and ready_specs(db, instance.id) == ["Task_review"]
    assert [t.status for t in timer_rows(db, instance.id)] == ["waiting"]
    verified(db, instance.id)
    # And back: the review is cancelled (its timer too) and the amount entered again.
    runtime.move_token(db, instance, owner(db), "Task_review", "Task_enter", "enter it again")
    db.commit()
    assert ready_specs(db, instance.id) == ["Task_enter"]
    assert [t.status for t in timer_rows(db, instance.id)] == ["cancelled"]
    runtime.set_instance_data(db, instance, owner(db), {"amount": "2"}, "the right amount",
                              merge=True)
    db.commit()
    task = ready_task(db, instance.id, "Task_enter")
    runtime.complete_task(db, task.id, user(db, "pr_expert_d1"), {})
    db.commit()
    assert reload_instance(db, instance.id).data["total"] == 4
    moved = [e for e in event_rows(db, instance.id) if e.type == "token_moved"]
    assert [(e.data["from"], e.data["to"], e.data["reason"]) for e in moved] == [
        ("Script_compute", "Task_review", "compute by hand"), ("Task_review", "Task_enter", "enter it again")]
    verified(db, instance.id)


@pytest.mark.parametrize("source, target", [("Nowhere", "Task_review"), ("Script_compute", "Nowhere"),
                                            ("Script_compute", "Deadline"), ("Task_review", "Task_enter")])
def test_move_token_refuses_unknown_elements_non_activities_and_tokens_not_there(
        db, incident_process, source, target):
    instance = failed_instance(db)
    seq = instance.last_event_seq
    with pytest.raises(InvalidData):
        runtime.move_token(db, instance, owner(db), source, target, "why")
    db.rollback()
    assert reload_instance(db, instance.id).last_event_seq == seq


def test_suspend_refuses_completion_and_keeps_timers_waiting_until_resume(db, incident_process):
    instance = failed_instance(db, amount="3")
    assert instance.status == "running"
    review = ready_task(db, instance.id, "Task_review")
    runtime.suspend_instance(db, instance, owner(db), "waiting for the court's ruling")
    db.commit()
    assert task_rows(db, instance.id, "ready") == []  # out of every inbox
    with pytest.raises(Conflict, match="suspended"):
        runtime.complete_task(db, review.id, user(db, "pr_expert_d1"), {})
    db.rollback()
    # The review's deadline comes and goes: the timer waits, it is not cancelled.
    assert runtime.fire_next_due_timers(db, now=utcnow() + timedelta(days=3)) is None
    db.commit()
    assert [t.status for t in timer_rows(db, instance.id)] == ["suspended"]
    verified(db, instance.id)

    runtime.resume_instance(db, reload_instance(db, instance.id), owner(db), "ruling given")
    db.commit()
    assert ready_specs(db, instance.id) == ["Task_review"]
    assert [t.status for t in timer_rows(db, instance.id)] == ["waiting"]
    assert runtime.fire_next_due_timers(db, now=utcnow() + timedelta(days=3)) == instance.id
    db.commit()
    assert ready_specs(db, instance.id) == ["Task_escalation"]
    types = [e.type for e in event_rows(db, instance.id)]
    assert types[-3:] == ["instance_suspended", "instance_resumed", "timer_fired"]
    verified(db, instance.id)


def test_a_timer_of_a_suspended_instance_claimed_by_the_scheduler_waits(db, incident_process):
    instance = failed_instance(db, amount="3")
    instance.status = "suspended"  # suspended after the scheduler read its timer as waiting
    db.commit()
    runtime.fire_next_due_timers(db, now=utcnow() + timedelta(days=3))
    db.commit()
    assert [t.status for t in timer_rows(db, instance.id)] == ["suspended"]


def test_cancel_cancels_tasks_and_timers_and_verifies(db, incident_process):
    instance = failed_instance(db, amount="3")
    runtime.cancel_instance(db, instance, owner(db), "the citizen withdrew")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "cancelled"
    assert {t.status for t in task_rows(db, instance.id)} == {"completed", "cancelled"}
    assert [t.status for t in timer_rows(db, instance.id)] == ["cancelled"]
    assert event_rows(db, instance.id)[-1].data == {"reason": "the citizen withdrew"}
    with pytest.raises(Conflict):
        runtime.resume_instance(db, instance, owner(db), "no")
    verified(db, instance.id)


def test_a_cancelled_incident_leaves_the_list_and_verifies(db, incident_process):
    instance = failed_instance(db)
    runtime.cancel_instance(db, instance, owner(db), "duplicate")
    db.commit()
    assert runtime.count_incidents(db, owner(db)) == 0
    verified(db, instance.id)


def test_wrong_status_and_missing_reason_are_refused(db, incident_process):
    running = failed_instance(db, amount="3")
    with pytest.raises(Conflict):
        runtime.retry_instance(db, running, owner(db), "nothing failed")
    with pytest.raises(Conflict):
        runtime.resume_instance(db, running, owner(db), "not suspended")
    with pytest.raises(InvalidData):
        runtime.suspend_instance(db, running, owner(db), "")
    with pytest.raises(InvalidData):
        runtime.cancel_instance(db, running, owner(db), None)


def test_only_holders_of_repair_instances_in_the_district_may_act(db, incident_process):
    instance = failed_instance(db)
    with pytest.raises(Forbidden):
        runtime.retry_instance(db, instance, user(db, "pr_expert_d1"), "why")
    other = create_user(db, "admin_d2_incidents", "admin-d2-pass", full_name="Admin D2")
    grant_role(db, other, "admin", find_district(db, "d2"))
    db.commit()
    with pytest.raises(Forbidden):
        runtime.cancel_instance(db, instance, other, "not mine")
    assert runtime.list_incidents(db, other) == [] and runtime.count_incidents(db, other) == 0
    assert runtime.count_incidents(db, user(db, "admin")) == 1


def test_a_failing_post_script_of_a_user_task_is_retried_after_a_data_fix(app, db):
    deploy(app, "incident_post_script.bpmn")
    instance = runtime.start_instance(db, "t_incident_post", user(db, "pr_expert_d1"),
                                      district_id(db, "d1"), {"amount": "3"})
    db.commit()
    runtime.complete_task(db, ready_task(db, instance.id, "Task_enter").id, user(db, "pr_expert_d1"), {})
    runtime.set_instance_data(db, instance, owner(db), {"divisor": "0"}, "a bad divisor", merge=True)
    db.commit()
    runtime.complete_task(db, ready_task(db, instance.id, "Task_review").id, user(db, "pr_expert_d1"), {})
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "error" and instance.failed_element == "Task_review"
    assert "division by zero" in instance.error_message
    verified(db, instance.id)
    runtime.set_instance_data(db, instance, owner(db), {"divisor": "2"}, "the right divisor", merge=True)
    runtime.retry_instance(db, instance, owner(db))
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "completed" and instance.data["checked"] == 0.5
    verified(db, instance.id)


def test_a_timer_step_that_failed_three_times_is_fixed_by_setting_data_and_retrying(app, db):
    """The issue's case: the step after a timer fails on every attempt (engine.runtime.timers
    retries it with backoff), becomes an incident, and is repaired by set data + retry."""
    from datetime import datetime, timezone
    from pathlib import Path

    from models import clock
    from modeling.deploy import deploy_process

    fixture = Path(__file__).resolve().parent / "fixtures" / "timer_then_failing_script.bpmn"
    deploy_process(db, fixture.read_bytes(), filename=fixture.name)
    db.commit()
    started = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
    clock.set_now(started)
    instance = runtime.start_instance(db, "t_timer_retry", owner(db), district_id(db, "d1"),
                                      {"archive_down_until": (started + timedelta(days=1)).isoformat()})
    db.commit()
    moment = started
    for _attempt in range(3):
        [timer] = [t for t in timer_rows(db, instance.id) if t.status == "waiting"]
        moment = timer.due_at.replace(tzinfo=timezone.utc)
        clock.set_now(moment)
        assert runtime.fire_next_due_timers(db) == instance.id
        db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "error" and instance.failed_element == "Script_call_archive"
    assert [i.id for i in runtime.list_incidents(db, owner(db))] == [instance.id]

    clock.set_now(moment + timedelta(minutes=5))
    runtime.set_instance_data(db, instance, owner(db), {"archive_down_until": started.isoformat()},
                              "the archive is back; no need to wait", merge=True)
    runtime.retry_instance(db, instance, owner(db), "archive reachable again")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "running" and ready_specs(db, instance.id) == ["Task_after_archive"]
    assert runtime.count_incidents(db, owner(db)) == 0
    verified(db, instance.id)
