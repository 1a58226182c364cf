"""Driving instances of processes/*.bpmn through engine.runtime for the replay tests, and
checking that a replay matches and left the caller's session clean.

Self-contained (no other test support module) so the HTTP tests can import it as
tests.engine.replay_support. Tasks are completed with complete_task(access_checked=True) as an admin: who acts
does not matter to re-execution, only what each completion recorded.
"""
from pathlib import Path

from sqlalchemy import select

from app.scheduler import fire_due_timers
import engine as runtime
from modeling.deploy import deploy_process
from engine.replay.verify import verify_instance
from engine.spiff.workflow_tasks import find_task
from engine.spiff.workflows import load_workflow
from models import District, HumanTask, Instance, clock
from people.accounts import find_user

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def deploy(app, key: str):
    """Deploy processes/<key>.bpmn in its own committed transaction."""
    session = app.extensions["db_sessions"]()
    try:
        version, _ = deploy_process(session, (PROCESSES / f"{key}.bpmn").read_bytes(),
                                    filename=f"{key}.bpmn")
        session.commit()
        return version
    finally:
        session.close()


def start(db, key: str, data: dict | None = None, district: str = "d1",
          username: str = "admin") -> int:
    """Start an instance of a process in a district; its id."""
    where = db.scalars(select(District).where(District.code == district)).one()
    instance = runtime.start_instance_for(db, key, find_user(db, username), where, data)
    db.commit()
    return instance.id


def ready_rows(db, instance_id: int, spec: str | None = None) -> list[HumanTask]:
    db.expire_all()
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
    if spec:
        query = query.where(HumanTask.task_spec == spec)
    return list(db.scalars(query.order_by(HumanTask.id)))


def ready(db, instance_id: int) -> list[str]:
    return sorted(row.task_spec for row in ready_rows(db, instance_id))


def do(db, instance_id: int, spec: str, data: dict | None = None, username: str = "admin",
       row: HumanTask | None = None) -> None:
    """Complete the (one) ready task of this BPMN id, or the given row, and commit."""
    if row is None:
        rows = ready_rows(db, instance_id, spec)
        assert len(rows) == 1, (spec, ready(db, instance_id))
        row = rows[0]
    runtime.complete_task(db, row.id, find_user(db, username), data or {}, access_checked=True)
    db.commit()


def row_where(db, instance_id: int, spec: str, test) -> HumanTask:
    """The ready task of this BPMN id whose workflow data passes test (a multi-instance item)."""
    instance = db.get(Instance, instance_id)
    workflow = load_workflow(instance.state_json, instance.version)
    [row] = [r for r in ready_rows(db, instance_id, spec) if test(find_task(workflow, r.spiff_task_id).data)]
    return row


def fire_at(app, db, moment) -> int:
    """Move the clock to moment and let the scheduler fire what is due."""
    db.rollback()  # SQLite: let the scheduler's session write
    clock.set_now(moment)
    return fire_due_timers(app.extensions["db_sessions"])


def verified(db, instance_id: int):
    """verify_instance on fresh rows; asserts the replay left nothing pending in the session."""
    db.expire_all()
    replay = verify_instance(db, instance_id)
    assert not (db.new or db.dirty or db.deleted), (db.new, db.dirty, db.deleted)
    return replay


def assert_replays(db, instance_id: int):
    """The instance replays to its stored state; the replay."""
    replay = verified(db, instance_id)
    assert replay.matches, (replay.first_divergence, replay.reason)
    assert (replay.first_divergence, replay.reason) == (None, None)
    return replay
