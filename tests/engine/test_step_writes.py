"""How a step writes (issue 21): the instance row by one Core UPDATE with its row_version check,
the events by one insert at the end of the flush, the open tasks read as ids and only the rows
the session lacks loaded; and what one completion costs, pinned so that a regression fails.
"""
import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

import engine as runtime
from app import task_service
from engine.events import append_event, verify_chain
from engine_support import deploy, district_id, event_rows, ready_specs, ready_task, reload_instance, user
from models import Event, HumanTask, Instance
from models.errors import Conflict
from test_step_queries import recorded

# Statements of one completion of review_loop's first task in a fresh session (engine level):
# the task with its instance's state, the actor's substitutions, the working calendar's version
# (workcal.store: a change on another node counts at once), the instance's open task ids, the
# two reads of the staff notification of the task it opened (who it is offered to, their
# channels: nobody can have been told of a task opened in this step); the instance UPDATE
# (Core, version-checked), the completed task's UPDATE, the events' INSERT, the new task's
# INSERT (Core, RETURNING its id).
STATEMENTS_PER_COMPLETION = 10


def start(db, process_key="t_review"):
    instance = runtime.start_instance(db, process_key, user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    return instance


def read_before_another_step(instance):
    """The session holds the instance as it was before another transaction's step: one
    row_version behind the database (what a concurrent commit between read and write leaves)."""
    set_committed_value(instance, "row_version", instance.row_version - 1)


def fresh_completion(app, task_id, username="pr_expert_d1", data=None):
    """Complete a task as a request would (a fresh session); the statements it sent."""
    with app.extensions["db_sessions"]() as session:
        actor = user(session, username)
        with recorded(app, session) as (statements, flushes):
            runtime.complete_task(session, task_id, actor, data or {})
        session.commit()
    return [s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))], flushes


def test_a_completion_costs_a_pinned_number_of_statements(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    statements, flushes = fresh_completion(app, task_id)
    assert len(statements) == STATEMENTS_PER_COMPLETION, statements
    assert len(flushes) == 1
    [instance_update] = [s for s in statements if s.startswith("UPDATE instances")]
    assert "row_version" in instance_update.split(" WHERE ")[1]  # the optimistic check
    # The open tasks are read as ids: the completed one is the session's own object.
    [open_read] = [s for s in statements
                   if s.startswith("SELECT") and "FROM human_tasks" in s and "state_json" not in s]
    assert open_read.startswith("SELECT human_tasks.id, human_tasks.spiff_task_id FROM")
    db.expire_all()
    assert reload_instance(db, instance.id).row_version == 3  # inserted, started, this step
    assert verify_chain(event_rows(db, instance.id)) is None


def test_a_concurrent_change_of_the_instance_answers_conflict_and_writes_nothing(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        actor = user(session, "pr_expert_d1")
        held = runtime.get_task(session, task_id, actor, with_state=True)  # the row is read
        events_before = held.instance.last_event_seq
        read_before_another_step(held.instance)
        # The Core UPDATE of the step finds no row of the version read: StaleDataError, which
        # the task service answers as 409 after rolling back.
        with pytest.raises(Conflict):
            task_service.complete_task(session, task_id, actor, {})
        # Nothing pending survives the rollback: no later flush writes an event of the step.
        assert "engine.pending_events" not in session.info
        assert session.get(HumanTask, task_id).status == "ready"
        assert held.instance.last_event_seq == events_before


def test_the_step_raises_stale_data_when_the_instance_moved_on(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    held = ready_task(db, instance.id, "Task_prepare")
    read_before_another_step(held.instance)
    with pytest.raises(StaleDataError):
        runtime.complete_task(db, held.id, user(db, "pr_expert_d1"), {})
    assert db.info.get("engine.pending_events")  # the step's events, never written


def test_the_instance_changed_again_after_the_step_is_written_with_the_next_version(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    version = reload_instance(db, instance.id).row_version
    done = runtime.complete_task(db, task_id, user(db, "pr_expert_d1"), {})
    done.instance.title = "changed by a hook after the step"
    append_event(db, done.instance, "note", data={"why": "after the step"})
    db.commit()
    db.expire_all()
    row = reload_instance(db, instance.id)
    assert (row.title, row.row_version) == ("changed by a hook after the step", version + 2)
    events = event_rows(db, instance.id)
    assert [e.type for e in events][-2:] == ["task_completed", "note"]
    assert verify_chain(events) is None
    assert (row.last_event_seq, row.last_event_sha256) == (events[-1].seq, events[-1].sha256)


def test_events_appended_in_a_rolled_back_savepoint_are_not_written(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    before = [e.seq for e in event_rows(db, instance.id)]
    row = reload_instance(db, instance.id)
    with pytest.raises(RuntimeError):
        with db.begin_nested():
            append_event(db, row, "note", data={"n": 1})
            raise RuntimeError("the step failed")
    db.expire_all()
    row = reload_instance(db, instance.id)
    append_event(db, row, "note", data={"n": 2})
    db.commit()
    events = event_rows(db, instance.id)
    assert [e.seq for e in events] == before + [before[-1] + 1]
    assert events[-1].data == {"n": 2} and verify_chain(events) is None


def test_an_open_task_the_session_does_not_hold_is_loaded_and_stays_open(app, db):
    """Parallel branches: completing one leaves the other's row open (read from the index)."""
    deploy(app, "parallel_lanes.bpmn")
    instance = start(db, "t_parallel")
    task_id = ready_task(db, instance.id, "Task_pr").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        done = runtime.complete_task(session, task_id, user(session, "pr_expert_d1"), {})
        assert [t.task_spec for t in runtime.open_tasks(session, done.instance)] == ["Task_complaints"]
        session.commit()
    assert ready_specs(db, instance.id) == ["Task_complaints"]
    assert db.scalar(select(HumanTask.status).where(HumanTask.id == task_id)) == "completed"
    assert db.scalar(select(Event.type).where(Event.instance_id == instance.id)
                     .order_by(Event.seq.desc()).limit(1)) == "task_completed"


def test_a_notification_template_is_compiled_once_and_again_when_its_text_changes():
    """A step that queues a notice rendered it from a freshly compiled template each time."""
    from notifications import outbox
    context = {"tracking_code": "137-1", "track_url": "https://example.org/t/1"}
    first = outbox.render_notification("tracking_code_issued", "sms", context)
    misses = outbox._compiled.cache_info().misses
    assert outbox.render_notification("tracking_code_issued", "sms", context) == first
    assert outbox._compiled.cache_info().misses == misses  # served compiled
    edited = outbox._compiled("{{ tracking_code }} (edited)")  # another text: compiled anew
    assert edited.render(context) == "137-1 (edited)"
    assert outbox._compiled.cache_info().misses == misses + 1


def test_a_task_the_step_opened_is_a_clean_session_row_read_without_queries(app, db):
    """Its row is written by a Core INSERT: the object is in the session as loaded, with its
    id, instance and district, so the API answer and the notifications ask nothing more."""
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        done = runtime.complete_task(session, task_id, user(session, "pr_expert_d1"), {})
        [opened] = runtime.open_tasks(session, done.instance)
        with recorded(app, session) as (statements, _flushes):
            seen = (opened.id, opened.instance.id, opened.district.code, opened.assignee,
                    opened.completed_by, opened.status, opened.due_at is None)
        assert statements == [] and opened in session and opened not in session.dirty
        assert runtime.opened_in_transaction(session, opened)
        assert session.get(HumanTask, opened.id) is opened
        opened.status = "cancelled"  # a later change is an ORM UPDATE as for any loaded row
        session.flush()
        session.commit()
    assert seen[:2] == (opened.id, instance.id) and seen[2] == "d1"
    assert db.scalar(select(HumanTask.status).where(HumanTask.id == seen[0])) == "cancelled"


def test_a_task_opened_in_a_rolled_back_savepoint_leaves_the_session(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    with pytest.raises(RuntimeError):
        with db.begin_nested():
            done = runtime.complete_task(db, task_id, user(db, "pr_expert_d1"), {})
            [opened] = runtime.open_tasks(db, done.instance)
            assert opened in db
            raise RuntimeError("the step's caller failed")
    assert opened not in db and not runtime.opened_in_transaction(db, opened)
    db.expire_all()
    assert ready_specs(db, instance.id) == ["Task_prepare"]
    assert runtime.open_tasks(db, reload_instance(db, instance.id))[0].id == task_id
