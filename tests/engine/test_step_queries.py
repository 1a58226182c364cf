"""What one step costs the database: the event chain head on the instance row, one flush,
no query of events or timers a step does not need, big columns left out of task queries,
and one query to authenticate an API token.

Each runtime call is followed by a commit, as the request boundary would do.
"""
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, update

import engine as runtime

from engine.runtime import task_actions
from models.errors import Conflict
from engine.events import verify_chain
from engine.runtime.timers import fire_next_due_timers
from engine_support import (deploy, district_id, event_rows, ready_task, reload_instance,
                            timer_rows, user)
from models import HumanTask, Instance
from people.accounts import create_user, find_district, grant_role, issue_api_token, user_for_token

APPROVE = {"decision": "approve", "reason": ""}


@contextmanager
def recorded(app, session):
    """Statements sent to the database and flushes of the session inside the block."""
    statements, flushes = [], []
    engine = app.extensions["db_engine"]

    def on_execute(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()))

    def on_flush(session_, context):
        flushes.append(1)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(session, "after_flush", on_flush)
    try:
        yield statements, flushes
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(session, "after_flush", on_flush)


def start(db, process_key="t_review"):
    instance = runtime.start_instance(db, process_key, user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    return instance


def selects_from(statements, table):
    return [s for s in statements if s.startswith("SELECT") and f"FROM {table} " in s + " "]


def assert_head_is_newest_event(db, instance_id):
    events = event_rows(db, instance_id)
    instance = reload_instance(db, instance_id)
    assert verify_chain(events) is None
    assert (instance.last_event_seq, instance.last_event_sha256) == (events[-1].seq, events[-1].sha256)


def test_a_completion_reads_no_events_nor_timers_and_flushes_once(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:  # as a request: a fresh session
        actor = user(session, "pr_expert_d1")  # what authentication loaded
        with recorded(app, session) as (statements, flushes):
            runtime.complete_task(session, task_id, actor, {})
        session.commit()
    assert selects_from(statements, "events") == []
    assert selects_from(statements, "timers") == []  # no timer waits in this process
    assert len(flushes) == 1
    writes = [s.split(" (")[0].split(" SET")[0] for s in statements if not s.startswith(("SELECT", "BEGIN"))]
    assert sorted(writes) == ["INSERT INTO events", "INSERT INTO human_tasks",
                              "UPDATE human_tasks", "UPDATE instances"]
    # The task with its instance's state in one query, whom the actor stands in for now
    # (people.access.on_behalf_of), the working calendar's version (one primary-key read, so a
    # calendar changed on another node counts here at once: workcal.store), then the instance's
    # open tasks; then the staff notification of the task it opened (programmes.staff): who it
    # is offered to and their channels (written at the commit). Nobody can have been told of a
    # task opened in this step, so that is not asked.
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 6 and ".state_json" in selects[0], selects
    assert ["FROM substitutions " in selects[1], "FROM cache_versions " in selects[2],
            "FROM users " in selects[4],
            "FROM notification_preferences " in selects[5]] == [True] * 4, selects[1:]
    assert selects_from(statements, "staff_notifications") == []
    assert_head_is_newest_event(db, instance.id)


def test_a_start_writes_its_first_events_without_reading_the_log(app, db):
    deploy(app, "review_loop.bpmn")
    actor = user(db, "pr_expert_d1")
    with recorded(app, db) as (statements, flushes):
        instance = runtime.start_instance(db, "t_review", actor, district_id(db, "d1"))
    db.commit()
    assert selects_from(statements, "events") == selects_from(statements, "timers") == []
    assert selects_from(statements, "human_tasks") == []  # a new instance has none yet
    assert len(flushes) == 2  # the instance's id for its events, then the step
    assert_head_is_newest_event(db, instance.id)


def test_the_chain_head_follows_every_kind_of_event(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    assert_head_is_newest_event(db, instance.id)
    head = user(db, "pr_head_d1")
    runtime.complete_task(db, ready_task(db, instance.id, "Task_prepare").id, user(db, "pr_expert_d1"), {})
    db.commit()
    task_id = ready_task(db, instance.id, "Task_review").id
    for action in (task_actions.claim_task, task_actions.unclaim_task, task_actions.claim_task):
        action(db, task_id, head)
        db.commit()
        assert_head_is_newest_event(db, instance.id)
    runtime.complete_task(db, task_id, head, APPROVE)
    db.commit()
    assert reload_instance(db, instance.id).status == "completed"
    assert [e.type for e in event_rows(db, instance.id)][-2:] == ["task_completed", "instance_completed"]
    assert_head_is_newest_event(db, instance.id)


def test_an_instance_without_a_known_head_reads_it_once_from_the_log(app, db):
    """A row written outside the engine (an import, a bench generator) has NULL columns."""
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    db.execute(update(Instance).where(Instance.id == instance.id).values(
        last_event_seq=None, last_event_sha256=None, waiting_timer_count=None))
    db.commit()
    db.expire_all()
    task = ready_task(db, instance.id, "Task_prepare")
    with recorded(app, db) as (statements, _):
        runtime.complete_task(db, task.id, user(db, "pr_expert_d1"), {})
    db.commit()
    assert len(selects_from(statements, "events")) == 1
    assert len(selects_from(statements, "timers")) == 1
    assert [e.seq for e in event_rows(db, instance.id)] == [1, 2]
    assert_head_is_newest_event(db, instance.id)
    assert reload_instance(db, instance.id).waiting_timer_count == 0


def test_the_timer_count_decides_whether_a_step_reads_the_timer_table(app, db):
    deploy(app, "timer_boundary_interrupting.bpmn")
    instance = start(db, "t_timer_interrupting")
    [timer] = timer_rows(db, instance.id)
    assert timer.status == "waiting"
    assert reload_instance(db, instance.id).waiting_timer_count == 1
    # The deadline passes: the timer fires, the work is withdrawn, the escalation is offered.
    assert fire_next_due_timers(db, now=timer.due_at) == instance.id
    db.commit()
    assert reload_instance(db, instance.id).waiting_timer_count == 0
    assert [t.status for t in timer_rows(db, instance.id)] == ["fired"]
    task = ready_task(db, instance.id, "Task_escalation")
    with recorded(app, db) as (statements, _):
        runtime.complete_task(db, task.id, user(db, "district_mayor_d1"), {})
    db.commit()
    assert selects_from(statements, "timers") == []


def test_task_queries_leave_the_state_and_the_bpmn_file_out(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        with recorded(app, session) as (statements, _):
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
            assert rows[0].instance.title and rows[0].instance.version.version == 1
        [query] = [s for s in statements if s.startswith("SELECT")]
        assert "state_json" not in query and "bpmn_xml" not in query
        # Loaded when asked for.
        assert rows[0].instance.state_json.startswith("{")
        assert "<bpmn:definitions" in rows[0].instance.version.bpmn_xml


def test_an_api_token_is_checked_with_one_query_that_brings_the_grants(app, db):
    token = issue_api_token(db, user(db, "pr_head_d1"))
    db.commit()
    db.expire_all()
    db.close()
    with recorded(app, db) as (statements, _):
        found = user_for_token(db, token)
        grants = [(g.role, g.district.code if g.district else None) for g in found.grants]
    assert found.username == "pr_head_d1" and ("pr_head", "d1") in grants
    assert len([s for s in statements if s.startswith("SELECT")]) == 1
    assert user_for_token(db, token + "x") is None


@pytest.mark.committed  # two threads, a session each
def test_two_claims_of_one_task_at_once_give_one_claim_and_one_conflict(app, db):
    """Both append to the instance's event chain: the version check of the instance row lets
    one commit and turns the other into a Conflict, never a broken or forked chain."""
    deploy(app, "review_loop.bpmn")
    second = create_user(db, "pr_expert_d1_b", "second-user-pass", full_name="کارشناس دوم")
    grant_role(db, second, "pr_expert", find_district(db, "d1"))
    db.commit()
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    sessions = app.extensions["db_sessions"]
    barrier, results = threading.Barrier(2), [None, None]

    def claim(i, username):
        session = sessions()
        try:
            actor = user(session, username)
            runtime.get_task(session, task_id, actor)  # both have read the instance row
            session.commit()
            barrier.wait(timeout=10)
            task_actions.claim_task(session, task_id, actor)
            session.commit()
            results[i] = "claimed"
        except Conflict as exc:
            session.rollback()
            results[i] = exc
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = exc
        finally:
            session.close()

    threads = [threading.Thread(target=claim, args=(i, name))
               for i, name in enumerate(("pr_expert_d1", "pr_expert_d1_b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, results)).count("claimed") == 1, results
    [other] = [r for r in results if r != "claimed"]
    assert isinstance(other, Conflict), repr(other)
    events = event_rows(db, instance.id)
    assert [e.type for e in events] == ["instance_started", "task_claimed"]
    assert_head_is_newest_event(db, instance.id)



def test_the_tasks_a_step_leaves_open_are_known_without_another_query(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        done = runtime.complete_task(session, task_id, user(session, "pr_expert_d1"), {})
        with recorded(app, session) as (statements, _):
            left_open = runtime.open_tasks(session, done.instance)
        assert [t.task_spec for t in left_open] == ["Task_review"] and left_open[0].id is not None
        assert statements == []
        session.commit()
        # After the commit other transactions may have acted: the index is read again.
        with recorded(app, session) as (statements, _):
            again = runtime.open_tasks(session, done.instance)
        assert [t.task_spec for t in again] == ["Task_review"]
        assert selects_from(statements, "human_tasks")


def test_tasks_left_open_by_a_rolled_back_step_are_forgotten(app, db):
    deploy(app, "review_loop.bpmn")
    instance = start(db)
    task_id = ready_task(db, instance.id, "Task_prepare").id
    db.rollback()
    with app.extensions["db_sessions"]() as session:
        done = runtime.complete_task(session, task_id, user(session, "pr_expert_d1"), {})
        instance_row = done.instance
        session.rollback()
        assert [t.task_spec for t in runtime.open_tasks(session, instance_row)] == ["Task_prepare"]
