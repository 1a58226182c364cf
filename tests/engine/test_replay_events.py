"""Re-execution of the other kinds of events: messages with their payload, an instance stopped
by an error (test fixtures, not processes/)."""
from pathlib import Path

from sqlalchemy import select, update

import engine as runtime
from engine.core import engine_of
from models import Event
from people.accounts import find_district, find_user
from replay_support import assert_replays, verified
from tests.conftest import deploy_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def started(app, db, name: str, key: str) -> int:
    deploy_file(app, FIXTURES / name)
    instance = runtime.start_instance(db, key, find_user(db, "pr_expert_d1"), find_district(db, "d1").id)
    db.commit()
    return instance.id


def test_a_delivered_message_replays_with_its_payload_and_a_forged_payload_diverges_there(app, db):
    instance = started(app, db, "message_wait.bpmn", "message_wait")
    runtime.send_message(db, instance, find_user(db, "pr_expert_d1"), "citizen_reply", {"text": "ممنون"})
    db.commit()
    replay = assert_replays(db, instance)
    [step] = [s for s in replay.steps if s.type == "message_received"]
    assert step.submitted == {"text": "ممنون"} and step.ran_element
    assert "Task_read_reply" in step.active
    event = db.scalars(select(Event).where(Event.instance_id == instance,
                                           Event.type == "message_received")).one()
    db.execute(update(Event.__table__).where(Event.__table__.c.id == event.id).values(
        data={"name": "citizen_reply", "payload": {"text": "جعلی"}}))
    db.commit()
    forged = verified(db, instance)
    assert forged.first_divergence == event.seq and "key reply is" in forged.reason
    db.execute(update(Event.__table__).where(Event.__table__.c.id == event.id).values(
        data={"name": "other_message", "payload": {}}))
    db.commit()
    assert verified(db, instance).reason == (f"Event {event.seq} delivers the message "
                                             "other_message, but nothing waits for it at that point.")


def test_an_instance_stopped_by_a_failing_script_replays_to_its_error(app, db, monkeypatch):
    monkeypatch.setattr(engine_of(db), "script_timeout_seconds", 0.2)
    instance = started(app, db, "runtime_infinite_loop.bpmn", "t_infinite_loop")
    replay = assert_replays(db, instance)
    assert replay.status == "error"
    assert [s.type for s in replay.steps][-1] == "instance_error"

