"""Moving running instances to a newer version (engine.migration), and re-executing
a moved instance across its move (engine.replay.verify)."""
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from models.errors import Forbidden
from engine.migration import (MigrationRefused, check_migration, migrate_instance,
                                       migrate_instances)
from models import Event, HumanTask, Instance
from people.accounts import find_district, find_user
from replay_support import assert_replays
from tests.conftest import deploy_file

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"
KEY = "migration_demo"


@pytest.fixture
def versions(app):
    """v1, v2 (B renamed, C added after B), v3 (A removed) of migration_demo."""
    return [deploy_file(app, MIGRATION / f"v{n}.bpmn") for n in (1, 2, 3)]


def start_on_v1(app, db):
    """Start an instance while v1 is the latest version (deploy the others afterwards)."""
    instance = runtime.start_instance(db, KEY, find_user(db, "pr_expert_d1"),
                                      find_district(db, "d1").id)
    db.commit()
    return instance.id


def open_rows(db, instance_id):
    db.expire_all()
    return list(db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.status == "ready").order_by(HumanTask.id)))


def complete(db, instance_id, spec):
    [row] = [r for r in open_rows(db, instance_id) if r.task_spec == spec]
    runtime.complete_task(db, row.id, find_user(db, "pr_expert_d1"), {"note": spec})
    db.commit()


@pytest.fixture
def at_a(app, db):
    """(instance waiting at A on v1, instance waiting at B on v1, v1, v2, v3)."""
    v1 = deploy_file(app, MIGRATION / "v1.bpmn")
    first, second = start_on_v1(app, db), start_on_v1(app, db)
    complete(db, second, "Task_A")
    v2 = deploy_file(app, MIGRATION / "v2.bpmn")
    v3 = deploy_file(app, MIGRATION / "v3.bpmn")
    return first, second, v1, v2, v3


def test_an_instance_at_a_moves_to_v2_keeps_its_task_and_reaches_the_new_task_c(app, db, at_a):
    first, _second, v1, v2, _v3 = at_a
    [row_before] = open_rows(db, first)
    owner = find_user(db, "process_owner")
    assert check_migration(db, db.get(Instance, first), v2) == []
    migrate_instance(db, first, v2.id, owner)
    db.commit()
    db.expire_all()
    instance = db.get(Instance, first)
    assert (instance.process_version_id, instance.version.version) == (v2.id, 2)
    [row] = open_rows(db, first)
    assert (row.id, row.spiff_task_id, row.role) == (row_before.id, row_before.spiff_task_id, "pr_expert")
    event = db.scalars(select(Event).where(Event.instance_id == first).order_by(Event.seq.desc())).first()
    assert event.type == "instance_migrated" and event.actor_id == owner.id
    assert event.data == {"from_version": 1, "to_version": 2, "from_sha256": v1.content_sha256,
                          "to_sha256": v2.content_sha256, "mapping": {"Task_A": "Task_A"}}
    complete(db, first, "Task_A")
    [row_b] = open_rows(db, first)
    assert (row_b.task_spec, row_b.name) == ("Task_B", "B: بررسی و تأیید")  # v2's label
    complete(db, first, "Task_B")
    assert [r.task_spec for r in open_rows(db, first)] == ["Task_C"]
    assert_replays(db, first)
    complete(db, first, "Task_C")
    db.expire_all()
    assert db.get(Instance, first).status == "completed"
    replay = assert_replays(db, first)
    assert "instance_migrated" in [s.type for s in replay.steps]


def test_an_instance_at_b_moves_and_its_open_row_takes_the_new_label(app, db, at_a):
    _first, second, _v1, v2, _v3 = at_a
    migrate_instance(db, second, v2.id, find_user(db, "process_owner"))
    db.commit()
    [row] = open_rows(db, second)
    assert (row.task_spec, row.name) == ("Task_B", "B: بررسی و تأیید")
    complete(db, second, "Task_B")
    assert [r.task_spec for r in open_rows(db, second)] == ["Task_C"]
    assert_replays(db, second)


def test_v3_without_a_refuses_an_instance_waiting_at_a_and_names_a(app, db, at_a):
    first, _second, v1, _v2, v3 = at_a
    events_before = db.scalar(select(Instance.last_event_seq).where(Instance.id == first))
    problems = check_migration(db, db.get(Instance, first), v3)
    assert [(p.element_id, p.name) for p in problems] == [("Task_A", "A: ثبت")]
    assert "A: ثبت" in problems[0].message and "Task_A" in problems[0].message
    with pytest.raises(MigrationRefused) as refused:
        migrate_instance(db, first, v3.id, find_user(db, "process_owner"))
    assert "Task_A" in str(refused.value) and refused.value.status == 409
    db.rollback()
    db.expire_all()
    instance = db.get(Instance, first)
    assert instance.process_version_id == v1.id and instance.last_event_seq == events_before


def test_an_instance_past_the_removed_task_moves_to_v3_and_replays(app, db, at_a):
    _first, second, _v1, _v2, v3 = at_a  # A completed: dropped from the state, counted
    migrate_instance(db, second, v3.id, find_user(db, "process_owner"))
    db.commit()
    assert [r.task_spec for r in open_rows(db, second)] == ["Task_B"]
    assert_replays(db, second)
    complete(db, second, "Task_B")
    assert [r.task_spec for r in open_rows(db, second)] == ["Task_C"]
    assert_replays(db, second)


def test_many_at_once_one_moves_one_is_refused(app, db, at_a):
    first, second, v1, _v2, v3 = at_a
    migrated, refused = migrate_instances(db, [first, second], v3.id, find_user(db, "process_owner"))
    db.commit()
    assert migrated == [second]
    assert list(refused) == [first] and [p.element_id for p in refused[first]] == ["Task_A"]
    db.expire_all()
    assert db.get(Instance, first).process_version_id == v1.id
    assert db.get(Instance, second).process_version_id == v3.id
    assert [e.type for e in db.scalars(select(Event).where(Event.instance_id == first))].count(
        "instance_migrated") == 0


def test_not_newer_other_process_and_finished_are_refused(app, db, at_a):
    first, second, v1, v2, _v3 = at_a
    owner = find_user(db, "process_owner")
    migrate_instance(db, first, v2.id, owner)
    db.commit()
    instance = db.get(Instance, first)
    assert "not newer" in check_migration(db, instance, v2)[0].message
    assert "not newer" in check_migration(db, instance, v1)[0].message
    db.rollback()  # SQLite: let the deploy's session write
    other = deploy_file(app, Path(__file__).resolve().parents[1] / "fixtures" / "versioned_v1.bpmn")
    assert "belongs to the process t_versioned" in check_migration(db, instance, other)[0].message
    complete(db, second, "Task_B")
    db.expire_all()
    assert "not running" in check_migration(db, db.get(Instance, second), v2)[0].message


def test_only_a_process_owner_may_migrate(app, db, at_a):
    first, _second, _v1, v2, _v3 = at_a
    for username in ("admin", "pr_expert_d1", "auditor"):
        with pytest.raises(Forbidden):
            migrate_instance(db, first, v2.id, find_user(db, username))
        with pytest.raises(Forbidden):
            migrate_instances(db, [first], v2.id, find_user(db, username))


def test_a_137_message_inside_its_referral_sub_process_moves_with_its_timers(app, db):
    """An embedded sub-process with a user task and a waiting timer: ids and due moments stay."""
    from modeling.deploy import deploy_process
    from message_137_support import PROCESS, deploy_messages, referred_message, reply
    from models import Timer
    deploy_messages(app)
    instance_id = referred_message(db).id
    timers_before = sorted((t.spiff_task_id, t.task_spec, t.due_at) for t in db.scalars(
        select(Timer).where(Timer.instance_id == instance_id, Timer.status == "waiting")))
    assert [t[1] for t in timers_before] == ["Timer_no_reply_72h"]
    [reply_row] = [r for r in open_rows(db, instance_id) if r.task_spec == "Task_executive_reply"]
    xml = PROCESS.read_bytes().replace("پاسخ و اقدام واحد اجرایی".encode(),
                                       "پاسخ و اقدام واحد اجرایی (نو)".encode(), 1)
    v2, created = deploy_process(db, xml, filename="citizen_message_137.bpmn")
    db.commit()
    assert created and v2.version == 2
    migrate_instance(db, instance_id, v2.id, find_user(db, "process_owner"))
    db.commit()
    db.expire_all()
    timers_after = sorted((t.spiff_task_id, t.task_spec, t.due_at) for t in db.scalars(
        select(Timer).where(Timer.instance_id == instance_id, Timer.status == "waiting")))
    assert timers_after == timers_before
    [row] = [r for r in open_rows(db, instance_id) if r.task_spec == "Task_executive_reply"]
    assert (row.id, row.name, row.role) == (reply_row.id, "پاسخ و اقدام واحد اجرایی (نو)", reply_row.role)
    assert_replays(db, instance_id)
    reply(db, instance_id)
    assert "Task_feedback_call" in [r.task_spec for r in open_rows(db, instance_id)]
    assert_replays(db, instance_id)
