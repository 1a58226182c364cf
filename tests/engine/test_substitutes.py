"""Substitutes and dated memberships in the engine: a substitute is offered the absent
person's tasks while the substitution runs, completes or claims them, and the event log names
both (the actor, and on_behalf_of the absent user)."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

import engine as runtime
from engine.runtime import task_actions
from engine_support import deploy, district_id, event_rows, ready_task, user
from models import HumanTask, clock
from models.errors import Forbidden
from people import access
from people.accounts import grant_role
from people.substitutes import end_substitution, name_substitute

NOW = datetime(2026, 12, 8, 8, 0)
APPROVE = {"decision": "approve", "reason": ""}


@pytest.fixture
def review(app):
    return deploy(app, "review_loop.bpmn")


def inbox_ids(db, username):
    return [t.id for t in db.scalars(access.inbox_query(user(db, username))).all()]


def started(db):
    instance = runtime.start_instance(db, "t_review", user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    return instance


def test_a_substitute_receives_and_completes_the_absent_persons_task_and_the_log_names_both(db, review):
    clock.set_now(NOW)
    instance = started(db)
    task = ready_task(db, instance.id, "Task_prepare")  # pr_expert of d1
    assert task.id not in inbox_ids(db, "deputy_d1")
    name_substitute(db, user(db, "pr_expert_d1"), user(db, "deputy_d1"), NOW - timedelta(hours=1),
                    NOW + timedelta(days=3), "leave")
    db.commit()
    assert task.id in inbox_ids(db, "deputy_d1")
    assert access.can_act_on_task(user(db, "deputy_d1"), task)
    assert task.id not in inbox_ids(db, "deputy_d2")  # nobody else's
    runtime.complete_task(db, task.id, user(db, "deputy_d1"), {})
    db.commit()
    done = db.get(HumanTask, task.id)
    assert done.completed_by.username == "deputy_d1"
    event = [e for e in event_rows(db, instance.id) if e.type == "task_completed"][-1]
    assert event.actor.username == "deputy_d1"
    assert event.data["on_behalf_of"] == "pr_expert_d1"


def test_a_holder_of_the_role_completing_in_their_own_right_notes_no_one(db, review):
    clock.set_now(NOW)
    instance = started(db)
    name_substitute(db, user(db, "pr_expert_d1"), user(db, "pr_head_d1"), NOW, NOW + timedelta(days=1))
    grant_role(db, user(db, "pr_head_d1"), "pr_expert", user(db, "pr_expert_d1").grants[0].district)
    db.commit()
    task = ready_task(db, instance.id, "Task_prepare")
    runtime.complete_task(db, task.id, user(db, "pr_head_d1"), {})
    db.commit()
    event = [e for e in event_rows(db, instance.id) if e.type == "task_completed"][-1]
    assert "on_behalf_of" not in event.data


def test_a_substitute_takes_over_a_task_claimed_by_the_absent_person(db, review):
    clock.set_now(NOW)
    instance = started(db)
    runtime.complete_task(db, ready_task(db, instance.id, "Task_prepare").id, user(db, "pr_expert_d1"), {})
    db.commit()
    review_task = ready_task(db, instance.id, "Task_review")  # pr_head of d1
    task_actions.claim_task(db, review_task.id, user(db, "pr_head_d1"))
    db.commit()
    name_substitute(db, user(db, "pr_head_d1"), user(db, "manager_d1"), NOW, NOW + timedelta(days=2))
    db.commit()
    assert review_task.id in inbox_ids(db, "manager_d1")  # assigned to the absent person
    task_actions.claim_task(db, review_task.id, user(db, "manager_d1"))
    db.commit()
    runtime.complete_task(db, review_task.id, user(db, "manager_d1"), APPROVE)
    db.commit()
    events = event_rows(db, instance.id)
    claimed = [e for e in events if e.type == "task_claimed"][-1]
    completed = [e for e in events if e.type == "task_completed"][-1]
    assert (claimed.actor.username, claimed.data["on_behalf_of"]) == ("manager_d1", "pr_head_d1")
    assert (completed.actor.username, completed.data["on_behalf_of"]) == ("manager_d1", "pr_head_d1")


def test_outside_its_period_a_substitution_offers_nothing(db, review):
    clock.set_now(NOW)
    instance = started(db)
    task = ready_task(db, instance.id, "Task_prepare")
    row = name_substitute(db, user(db, "pr_expert_d1"), user(db, "deputy_d1"),
                          NOW + timedelta(days=1), NOW + timedelta(days=2))
    db.commit()
    assert task.id not in inbox_ids(db, "deputy_d1")  # not begun
    with pytest.raises(Forbidden):
        runtime.complete_task(db, task.id, user(db, "deputy_d1"), {})
    db.rollback()
    clock.set_now(NOW + timedelta(days=1, hours=1))
    db.expire_all()
    assert task.id in inbox_ids(db, "deputy_d1")
    end_substitution(db, row.id)
    db.commit()
    db.expire_all()
    assert task.id not in inbox_ids(db, "deputy_d1")  # ended early
    assert not access.can_act_on_task(user(db, "deputy_d1"), db.get(HumanTask, task.id))


def test_a_grant_outside_its_dates_is_ignored_by_inbox_and_access(db, review):
    clock.set_now(NOW)
    instance = started(db)
    task = ready_task(db, instance.id, "Task_prepare")
    d1 = user(db, "pr_expert_d1").grants[0].district
    grant_role(db, user(db, "deputy_d2"), "pr_expert", d1, valid_from=NOW + timedelta(days=1),
               valid_until=NOW + timedelta(days=2))
    db.commit()
    deputy = user(db, "deputy_d2")
    assert task.id not in inbox_ids(db, "deputy_d2") and not access.can_act_on_task(deputy, task)
    assert not access.has_role(deputy, "pr_expert", d1.id)
    clock.set_now(NOW + timedelta(days=1, hours=2))
    assert task.id in inbox_ids(db, "deputy_d2") and access.can_act_on_task(deputy, task)
    clock.set_now(NOW + timedelta(days=2))
    assert task.id not in inbox_ids(db, "deputy_d2") and not access.can_act_on_task(deputy, task)
