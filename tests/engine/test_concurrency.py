"""Two people completing the same task at the same moment: exactly one wins, the other gets a
Conflict (409) naming the winner, and the instance moves on exactly once.

Each thread has its own session (or its own Flask test client); a barrier releases both at once.
Runs on SQLite (writers queue on BEGIN IMMEDIATE) and PostgreSQL (optimistic row_version).
"""
import threading

import pytest
from sqlalchemy import select

import engine as runtime
from models.errors import Conflict
from engine.events import verify_chain
from engine.spiff.workflows import load_workflow, ready_human_tasks
from engine_support import (deploy, district_id, event_rows, ready_specs, ready_task,
                            reload_instance, user)
from app import task_service
from app.demo import DEMO_PASSWORD
from models import HumanTask
from people.accounts import create_user, find_district, grant_role

# Two threads, each with a session (or a test client) of its own, race on committed rows.
pytestmark = pytest.mark.committed

ROUNDS = 10
HTTP_ROUNDS = 5
APPROVE = {"decision": "approve", "reason": ""}


@pytest.fixture
def review(app):
    return deploy(app, "review_loop.bpmn")


def add_holder(db, username, role, full_name):
    """A second holder of a role in d1."""
    holder = create_user(db, username, DEMO_PASSWORD, full_name=full_name)
    grant_role(db, holder, role, find_district(db, "d1"))
    db.commit()
    return holder


def run_together(count, work):
    """Run work(i) in count threads released together by a barrier; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            results[i] = work(i, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a completing thread hung"
    return results


def test_two_sessions_completing_the_same_task_at_once_one_wins_one_gets_conflict(app, db, review):
    add_holder(db, "pr_expert_d1_b", "pr_expert", "کارشناس دوم")
    usernames = ("pr_expert_d1", "pr_expert_d1_b")
    names = {u: user(db, u).display_name for u in usernames}
    sessions = app.extensions["db_sessions"]
    outcomes = []

    for _ in range(ROUNDS):
        instance = runtime.start_instance(db, "t_review", user(db, "pr_expert_d1"), district_id(db, "d1"))
        db.commit()
        task = ready_task(db, instance.id, "Task_prepare")
        task_id, spiff_task_id = task.id, task.spiff_task_id
        db.rollback()  # no open transaction in this thread while the two race (SQLite locks)

        def complete(i, barrier, task_id=task_id):
            session = sessions()
            try:
                actor = user(session, usernames[i])
                session.commit()  # end the read: on SQLite an open transaction holds the write lock
                barrier.wait(timeout=10)
                try:
                    task_service.complete_task(session, task_id, actor, {})
                    session.commit()
                    return "completed"
                except Conflict as exc:
                    session.rollback()
                    return exc
            finally:
                session.close()

        results = run_together(2, complete)
        winners = [usernames[i] for i, r in enumerate(results) if r == "completed"]
        losers = [r for r in results if r != "completed"]
        assert len(winners) == 1, results
        [conflict] = losers
        assert isinstance(conflict, Conflict), repr(conflict)  # never another kind of error
        assert conflict.status == 409
        [winner] = winners
        assert (f"already completed by {names[winner]}" in conflict.message
                or "instance changed" in conflict.message), conflict.message
        outcomes.append(conflict.message.split(" by ")[0] if " by " in conflict.message else "changed")

        db.expire_all()
        done = db.get(HumanTask, task_id)
        assert done.status == "completed"
        assert done.completed_by.username == winner
        events = event_rows(db, instance.id)
        completions = [e for e in events if e.type == "task_completed"
                       and e.spiff_task_id == spiff_task_id]
        assert len(completions) == 1
        assert completions[0].actor.username == winner
        assert verify_chain(events) is None
        # The stored state loads and shows the next task exactly once, as does the index.
        stored = reload_instance(db, instance.id)
        assert [t.task_spec for t in ready_human_tasks(load_workflow(stored.state_json))] == ["Task_review"]
        assert ready_specs(db, instance.id) == ["Task_review"]
        db.rollback()
    print("conflict messages:", {m: outcomes.count(m) for m in set(outcomes)})


def test_two_clients_posting_complete_at_once_get_one_200_and_one_409(app, db, api, review):
    add_holder(db, "pr_head_d1_b", "pr_head", "مسئول دوم")
    usernames = ("pr_head_d1", "pr_head_d1_b")
    clients = [api(u) for u in usernames]
    names = {u: user(db, u).display_name for u in usernames}
    db.commit()

    for _ in range(HTTP_ROUNDS):
        instance = runtime.start_instance(db, "t_review", user(db, "pr_expert_d1"), district_id(db, "d1"))
        db.commit()
        runtime.complete_task(db, ready_task(db, instance.id, "Task_prepare").id,
                              user(db, "pr_expert_d1"), {})
        db.commit()
        task_id = ready_task(db, instance.id, "Task_review").id
        db.rollback()  # no open transaction in this thread while the two race (SQLite locks)

        def post(i, barrier, task_id=task_id):
            barrier.wait(timeout=10)
            response = clients[i].post(f"/api/v1/tasks/{task_id}/complete", json={"data": APPROVE})
            return response.status_code, response.get_json()

        results = run_together(2, post)
        assert all(isinstance(r, tuple) for r in results), results
        assert sorted(status for status, _ in results) == [200, 409], results
        winner = usernames[[status for status, _ in results].index(200)]
        _, body = next(r for r in results if r[0] == 409)
        # The API's error shape, in Persian (no Accept-Language), naming who completed the task.
        assert body["details"] == {"completed_by": winner}, body
        assert names[winner] in body["error"], body

        db.expire_all()
        assert db.get(HumanTask, task_id).completed_by.username == winner
        events = event_rows(db, instance.id)
        assert [e.type for e in events].count("task_completed") == 2  # prepare + review, once each
        assert [e.type for e in events].count("instance_completed") == 1
        assert verify_chain(events) is None
        assert reload_instance(db, instance.id).status == "completed"
        assert db.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                  HumanTask.status == "ready")).all() == []
        db.rollback()
