"""Running instances through engine.runtime: the task index, forms, gateways, sub-processes,
the event log, claiming, district scoping, and the sandbox at run time.

Each runtime call is followed by a commit, as the request boundary would do.
"""
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

import engine as runtime

from engine.runtime import task_actions
from models.errors import Conflict, Forbidden, InvalidData
from engine.events import verify_chain
from engine.spiff.parsing import content_sha256
from engine.core import engine_of
from engine_support import (deploy, district_id, event_count, event_rows, fixture_bytes,
                            ready_specs, ready_task, reload_instance, task_rows, user)
from models import ProcessVersion, utcnow
from people.accounts import create_user, find_district, grant_role

PERSIAN = re.compile(r"[\u0600-\u06FF]")
RETURN = {"decision": "return", "reason": "پاسخ کامل نیست."}
APPROVE = {"decision": "approve", "reason": ""}


@pytest.fixture
def review(app):
    return deploy(app, "review_loop.bpmn")


def start(db, process_key="t_review", username="pr_expert_d1", district="d1", data=None):
    instance = runtime.start_instance(db, process_key, user(db, username), district_id(db, district),
                                      data)
    db.commit()
    return instance


def complete(db, instance_id, task_spec, username, data=None):
    task = ready_task(db, instance_id, task_spec)
    done = runtime.complete_task(db, task.id, user(db, username), data)
    db.commit()
    return done


def second_user(db, username, role, district_code, full_name):
    """Another holder of a role (district_code None: city-wide)."""
    new = create_user(db, username, "second-user-pass", full_name=full_name)
    grant_role(db, new, role, find_district(db, district_code) if district_code else None)
    db.commit()
    return new


# ---------------------------------------------------------------- the task index

def test_start_indexes_the_first_task_with_role_district_form_and_due_date(db, review):
    before = utcnow()
    instance = start(db)
    after = utcnow()
    assert instance.status == "running"
    assert instance.process_version_id == review.id
    [task] = task_rows(db, instance.id)
    assert (task.task_spec, task.status, task.lane, task.role) == \
        ("Task_prepare", "ready", "pr_expert", "pr_expert")
    assert task.district_id == district_id(db, "d1")
    assert task.form_key is None
    # dueInHours = 24
    assert before + timedelta(hours=24) <= task.due_at <= after + timedelta(hours=24)
    assert [e.type for e in event_rows(db, instance.id)] == ["instance_started"]


def test_completing_a_task_indexes_the_next_one_from_its_lane_and_form(db, review):
    instance = start(db)
    done = complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    assert done.status == "completed"
    assert done.completed_by.username == "pr_expert_d1"
    review_task = ready_task(db, instance.id, "Task_review")
    # The lane is the Persian title of pr_head; the form comes from formKey; no due date.
    assert (review_task.lane, review_task.role) == ("مسئول روابط عمومی", "pr_head")
    assert review_task.form_key == "complaint_review"
    assert review_task.due_at is None
    assert ready_specs(db, instance.id) == ["Task_review"]


@pytest.mark.parametrize("data, field", [({}, "decision"), ({"decision": "maybe"}, "decision"),
                                         ({"decision": "approve", "reason": "x" * 2001}, "reason")])
def test_invalid_data_is_refused_per_field_in_persian_and_changes_nothing(db, review, data, field):
    instance = start(db)
    complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    task = ready_task(db, instance.id, "Task_review")
    row_version, events = reload_instance(db, instance.id).row_version, event_count(db, instance.id)
    state = reload_instance(db, instance.id).state_json

    with pytest.raises(InvalidData) as caught:
        runtime.complete_task(db, task.id, user(db, "pr_head_d1"), data)
    assert caught.value.status == 400
    assert set(caught.value.details) == {field}
    assert PERSIAN.search(caught.value.details[field]), caught.value.details
    # Nothing was changed even before the rollback (the queries below autoflush)...
    assert event_count(db, instance.id) == events
    assert db.get(type(task), task.id).status == "ready"
    db.rollback()
    # ...nor after it.
    again = reload_instance(db, instance.id)
    assert (again.row_version, again.state_json) == (row_version, state)
    assert event_count(db, instance.id) == events
    assert ready_task(db, instance.id, "Task_review").id == task.id


# ---------------------------------------------------------------- gateways and sub-processes

def test_exclusive_gateway_goes_back_on_return_and_ends_on_approve(db, review):
    instance = start(db)
    complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    complete(db, instance.id, "Task_review", "pr_head_d1", RETURN)
    assert ready_specs(db, instance.id) == ["Task_prepare"]
    assert reload_instance(db, instance.id).status == "running"

    complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    complete(db, instance.id, "Task_review", "pr_head_d1", APPROVE)
    done = reload_instance(db, instance.id)
    assert done.status == "completed"
    assert done.completed_at is not None
    assert ready_specs(db, instance.id) == []
    assert [t.task_spec for t in task_rows(db, instance.id)] == \
        ["Task_prepare", "Task_review", "Task_prepare", "Task_review"]
    assert all(t.status == "completed" for t in task_rows(db, instance.id))
    assert event_rows(db, instance.id)[-1].type == "instance_completed"


def test_parallel_gateway_offers_both_lanes_at_once_and_the_join_waits_for_both(app, db):
    deploy(app, "parallel_lanes.bpmn")
    instance = start(db, "t_parallel")
    assert ready_specs(db, instance.id) == ["Task_complaints", "Task_pr"]
    roles = {t.task_spec: t.role for t in task_rows(db, instance.id, "ready")}
    assert roles == {"Task_pr": "pr_expert", "Task_complaints": "complaints_expert"}

    complete(db, instance.id, "Task_pr", "pr_expert_d1")
    assert ready_specs(db, instance.id) == ["Task_complaints"]  # the join waits
    complete(db, instance.id, "Task_complaints", "complaints_expert_d1")
    assert ready_specs(db, instance.id) == ["Task_after_join"]
    assert ready_task(db, instance.id, "Task_after_join").role == "pr_head"
    complete(db, instance.id, "Task_after_join", "pr_head_d1")
    assert reload_instance(db, instance.id).status == "completed"


def test_call_activity_and_embedded_subprocess_tasks_are_indexed_and_complete(app, db):
    deploy(app, "call_activity.bpmn")
    instance = start(db, "t_caller", username="pr_head_d1")
    called = ready_task(db, instance.id, "Task_in_called")
    # The lane of the called process is the Persian title of pr_expert.
    assert (called.role, called.form_key) == ("pr_expert", "complaint_review")
    with pytest.raises(InvalidData):
        runtime.complete_task(db, called.id, user(db, "pr_expert_d1"), {})
    db.rollback()
    complete(db, instance.id, "Task_in_called", "pr_expert_d1", APPROVE)

    embedded = ready_task(db, instance.id, "Task_in_embedded")
    assert embedded.role == "pr_head"  # the lane of the sub-process element
    complete(db, instance.id, "Task_in_embedded", "pr_head_d1")
    assert reload_instance(db, instance.id).status == "completed"
    assert ready_specs(db, instance.id) == []


# ---------------------------------------------------------------- the event log

def test_event_log_is_a_hash_chain_and_holds_the_submitted_data(db, review):
    instance = start(db, data={"citizen": "مریم"})
    complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    complete(db, instance.id, "Task_review", "pr_head_d1", RETURN)
    complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    complete(db, instance.id, "Task_review", "pr_head_d1", APPROVE)

    events = event_rows(db, instance.id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.type for e in events] == ["instance_started"] + ["task_completed"] * 4 + \
        ["instance_completed"]
    assert events[0].data["data"] == {"citizen": "مریم"}
    completed = [e for e in events if e.type == "task_completed"]
    assert [e.task_spec for e in completed] == ["Task_prepare", "Task_review"] * 2
    assert completed[1].data["data"] == RETURN
    assert completed[3].data["data"] == APPROVE
    assert completed[1].actor.username == "pr_head_d1"
    assert verify_chain(events) is None

    # The check would notice a rewritten entry (not saved: the session is rolled back).
    completed[1].data = {**completed[1].data, "data": APPROVE}
    assert verify_chain(events) == completed[1].seq
    db.rollback()


# ---------------------------------------------------------------- claims

def test_claim_unclaim_and_reassign(db, review):
    instance = start(db)
    other = second_user(db, "pr_expert_d1_b", "pr_expert", "d1", "کارشناس دوم")
    task = ready_task(db, instance.id, "Task_prepare")
    first = user(db, "pr_expert_d1")

    task_actions.claim_task(db, task.id, first)
    db.commit()
    assert ready_task(db, instance.id, "Task_prepare").assignee_id == first.id

    # Another holder of the role can neither take nor complete a claimed task.
    with pytest.raises(Conflict) as caught:
        runtime.complete_task(db, task.id, user(db, "pr_expert_d1_b"), {})
    assert caught.value.status == 409 and "claimed by" in caught.value.message
    assert first.display_name in caught.value.message
    db.rollback()
    with pytest.raises(Conflict):
        task_actions.claim_task(db, task.id, user(db, "pr_expert_d1_b"))
    db.rollback()
    with pytest.raises(Forbidden):
        task_actions.unclaim_task(db, task.id, user(db, "pr_expert_d1_b"))
    db.rollback()

    task_actions.unclaim_task(db, task.id, first)
    db.commit()
    assert ready_task(db, instance.id, "Task_prepare").assignee_id is None

    # Reassigning needs a target who holds the task's role in its district.
    for target in ("pr_head_d1", "pr_expert_d2", "nobody_here"):
        with pytest.raises(InvalidData):
            task_actions.reassign_task(db, task.id, first, target)
        db.rollback()
        assert ready_task(db, instance.id, "Task_prepare").assignee_id is None
    task_actions.reassign_task(db, task.id, first, "pr_expert_d1_b")
    db.commit()
    assert ready_task(db, instance.id, "Task_prepare").assignee_id == other.id
    with pytest.raises(Conflict) as caught:
        runtime.complete_task(db, task.id, user(db, "pr_expert_d1"), {})
    assert "claimed by کارشناس دوم" in caught.value.message
    db.rollback()

    runtime.complete_task(db, task.id, user(db, "pr_expert_d1_b"), {})
    db.commit()
    types = [e.type for e in event_rows(db, instance.id)]
    assert types == ["instance_started", "task_claimed", "task_unclaimed", "task_reassigned",
                     "task_completed"]
    assert event_rows(db, instance.id)[3].data == {"to": "pr_expert_d1_b"}


# ---------------------------------------------------------------- districts

def test_user_of_another_district_is_forbidden(db, review):
    instance = start(db)
    task = ready_task(db, instance.id, "Task_prepare")
    stranger = user(db, "pr_expert_d2")  # same role, other district
    for action in (lambda: runtime.get_task(db, task.id, stranger),
                   lambda: runtime.complete_task(db, task.id, stranger, {}),
                   lambda: task_actions.claim_task(db, task.id, stranger)):
        with pytest.raises(Forbidden) as caught:
            action()
        assert caught.value.status == 403
        db.rollback()
    assert ready_task(db, instance.id, "Task_prepare").assignee_id is None
    assert [e.type for e in event_rows(db, instance.id)] == ["instance_started"]
    assert runtime.get_task(db, task.id, user(db, "pr_expert_d1")).id == task.id


def test_city_wide_role_holder_acts_in_every_district(app, db):
    deploy(app, "central_review.bpmn")
    central = user(db, "central_pr")
    for district in ("d1", "d2"):
        instance = start(db, "t_central", username="central_pr", district=district)
        task = ready_task(db, instance.id, "Task_first")
        assert (task.role, task.district_id) == ("central_pr", district_id(db, district))
        assert runtime.get_task(db, task.id, central).id == task.id
        task_actions.claim_task(db, task.id, central)
        db.commit()
        runtime.complete_task(db, task.id, central, {})
        db.commit()
        assert reload_instance(db, instance.id).status == "completed"


def test_city_wide_grant_of_a_district_role_works_in_both_districts(db, review):
    second_user(db, "pr_expert_city", "pr_expert", None, "کارشناس ستاد")
    for district in ("d1", "d2"):
        instance = start(db, username="pr_expert_city", district=district)
        complete(db, instance.id, "Task_prepare", "pr_expert_city")
        assert ready_specs(db, instance.id) == ["Task_review"]


def test_completing_an_already_completed_task_names_who_completed_it(db, review):
    instance = start(db)
    second_user(db, "pr_expert_d1_b", "pr_expert", "d1", "کارشناس دوم")
    task = complete(db, instance.id, "Task_prepare", "pr_expert_d1")
    events = event_count(db, instance.id)
    for username in ("pr_expert_d1", "pr_expert_d1_b"):
        with pytest.raises(Conflict) as caught:
            runtime.complete_task(db, task.id, user(db, username), {})
        assert caught.value.status == 409
        assert caught.value.message == \
            f"This task was already completed by {user(db, 'pr_expert_d1').display_name}."
        db.rollback()
    assert event_count(db, instance.id) == events
    assert ready_specs(db, instance.id) == ["Task_review"]


# ---------------------------------------------------------------- the sandbox at run time

def test_script_that_escapes_only_at_run_time_fails_the_instance_and_runs_nothing(db):
    marker = Path(f"/tmp/pwned_{uuid.uuid4().hex}")
    xml = fixture_bytes("runtime_escape.bpmn").replace(b"PWNED_PATH", str(marker).encode())
    # Stored directly: deploy would refuse this file, a row from elsewhere must not run either.
    version = ProcessVersion(process_key="t_runtime_escape", version=1, name="escape",
                             content_sha256=content_sha256(xml), bpmn_xml=xml.decode("utf-8"),
                             lanes={"pr_expert": "pr_expert"}, forms={})
    db.add(version)
    db.commit()
    try:
        instance = start(db, "t_runtime_escape")
        again = reload_instance(db, instance.id)
        assert not marker.exists()
        assert again.status == "error"
        assert "refused by the sandbox" in again.error_message
        assert "__import__" in again.error_message
        assert ready_specs(db, instance.id) == []
        events = event_rows(db, instance.id)
        assert events[-1].type == "instance_error"
        assert events[-1].data["message"] == again.error_message
        assert verify_chain(events) is None
    finally:
        marker.unlink(missing_ok=True)


def test_endless_script_is_stopped_by_the_time_limit_and_fails_the_instance(app, db, monkeypatch):
    deploy(app, "runtime_infinite_loop.bpmn")
    monkeypatch.setattr(engine_of(db), "script_timeout_seconds", 0.3)
    instance = start(db, "t_infinite_loop")
    again = reload_instance(db, instance.id)
    assert again.status == "error"
    assert "longer than 0.3 s" in again.error_message
    assert ready_specs(db, instance.id) == []
    assert event_rows(db, instance.id)[-1].type == "instance_error"
