"""Shared helpers of the engine tests: fixture files, users, districts, task and event rows.

The tests call the engine's runtime (engine.runtime) with a session and commit after each call,
the way a request or scheduler job does at its boundary.
"""
from pathlib import Path

from sqlalchemy import func, select

from modeling.deploy import deploy_process
from models import Event, HumanTask, Instance, Timer
from people.accounts import find_district, find_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def deploy(app, name: str):
    """Deploy tests/fixtures/<name> in its own committed transaction; return the version."""
    session = app.extensions["db_sessions"]()
    try:
        version, _ = deploy_process(session, fixture_bytes(name), filename=name)
        session.commit()
        return version
    finally:
        session.close()


def user(session, username: str):
    found = find_user(session, username)
    assert found is not None, username
    return found


def district_id(session, code: str) -> int:
    return find_district(session, code).id


def task_rows(session, instance_id: int, status: str | None = None) -> list[HumanTask]:
    query = select(HumanTask).where(HumanTask.instance_id == instance_id)
    if status is not None:
        query = query.where(HumanTask.status == status)
    session.expire_all()
    return list(session.scalars(query.order_by(HumanTask.id)))


def ready_task(session, instance_id: int, task_spec: str) -> HumanTask:
    """The one ready task row of this element (fails if there is not exactly one)."""
    rows = [t for t in task_rows(session, instance_id, "ready") if t.task_spec == task_spec]
    assert len(rows) == 1, [(t.task_spec, t.status) for t in task_rows(session, instance_id)]
    return rows[0]


def ready_specs(session, instance_id: int) -> list[str]:
    return sorted(t.task_spec for t in task_rows(session, instance_id, "ready"))


def event_rows(session, instance_id: int) -> list[Event]:
    session.expire_all()
    return list(session.scalars(select(Event).where(Event.instance_id == instance_id)
                                .order_by(Event.seq)))


def event_count(session, instance_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event)
                          .where(Event.instance_id == instance_id))


def timer_rows(session, instance_id: int) -> list[Timer]:
    session.expire_all()
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id)
                                .order_by(Timer.id)))


def reload_instance(session, instance_id: int) -> Instance:
    session.expire_all()
    return session.get(Instance, instance_id)
