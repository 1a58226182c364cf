"""Moving instances with an explicit activity mapping (engine.migration_mapping), the dry run,
the filters and the bulk move in batches (engine.migration_jobs)."""
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from engine.migration import migrate_instance, plan_migration
from engine.migration_jobs import (dry_run, run_migration_batch, run_migration_job, select_instances,
                                   start_migration_job)
from engine.migration_mapping import propose_mapping
from engine.spiff.version_switch import version_elements
from models import Event, HumanTask, Instance, MigrationJob, OperatorEvent
from models.errors import InvalidData
from people.accounts import find_district, find_user
from replay_support import assert_replays
from tests.conftest import deploy_file

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"


def start(db, key="migration_demo", district="d1"):
    instance = runtime.start_instance(db, key, find_user(db, f"pr_expert_{district}"),
                                      find_district(db, district).id)
    db.commit()
    return instance.id


def open_specs(db, instance_id):
    db.expire_all()
    return [r.task_spec for r in db.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready").order_by(HumanTask.id))]


def complete(db, instance_id, spec):
    [row] = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                               HumanTask.status == "ready", HumanTask.task_spec == spec))
    runtime.complete_task(db, row.id, find_user(db, "pr_expert_d1"), {})
    db.commit()


@pytest.fixture
def at_b(app, db):
    """An instance of v1 waiting at Task_B, and one waiting at Task_A."""
    v1 = deploy_file(app, MIGRATION / "v1.bpmn")
    waiting_b, waiting_a = start(db), start(db)
    complete(db, waiting_b, "Task_A")
    return v1, waiting_b, waiting_a


def test_a_task_whose_id_changed_but_name_stayed_is_proposed_and_moved_by_the_proposal(app, db, at_b):
    v1, waiting_b, _waiting_a = at_b
    target = deploy_file(app, MIGRATION / "renamed_id.bpmn")
    proposal = propose_mapping(version_elements(v1), version_elements(target))
    assert proposal["Task_B"] == "Task_Review" and proposal["Task_A"] == "Task_A"
    plan = plan_migration(db, db.get(Instance, waiting_b), target)
    assert [(old.id, new.id) for old, new in plan.moves] == [("Task_B", "Task_Review")]
    migrate_instance(db, waiting_b, target.id, find_user(db, "process_owner"))
    db.commit()
    assert open_specs(db, waiting_b) == ["Task_Review"]
    event = db.scalars(select(Event).where(Event.instance_id == waiting_b,
                                           Event.type == "instance_migrated")).one()
    assert event.data["mapping"]["Task_B"] == "Task_Review"
    assert_replays(db, waiting_b)
    complete(db, waiting_b, "Task_Review")
    assert db.get(Instance, waiting_b).status == "completed"
    assert_replays(db, waiting_b)


def test_a_task_whose_id_and_name_changed_is_refused_unmapped_then_moves_when_mapped_by_hand(app, db, at_b):
    v1, waiting_b, _waiting_a = at_b
    target = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    owner = find_user(db, "process_owner")
    plan = plan_migration(db, db.get(Instance, waiting_b), target)
    assert [(old.id, new) for old, new in plan.moves] == [("Task_B", None)]  # never by position
    assert "is mapped to no element" in plan.problems[0].message and "Task_B" in plan.problems[0].message
    with pytest.raises(runtime.MigrationRefused):
        migrate_instance(db, waiting_b, target.id, owner)
    db.rollback()
    assert db.get(Instance, waiting_b).process_version_id == v1.id
    migrate_instance(db, waiting_b, target.id, owner, mapping={"Task_B": "Task_Check"})
    db.commit()
    assert open_specs(db, waiting_b) == ["Task_Check"]
    assert_replays(db, waiting_b)
    complete(db, waiting_b, "Task_Check")
    assert db.get(Instance, waiting_b).status == "completed"
    assert_replays(db, waiting_b)


def test_a_dry_run_lists_each_instance_and_changes_nothing(app, db, at_b):
    v1, waiting_b, waiting_a = at_b
    target = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    events = db.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    instances = select_instances(db, "migration_demo", target)
    plans = dry_run(db, instances, target, {"Task_B": "Task_Check"})
    assert [(p.instance.id, [(o.id, n.id) for o, n in p.moves], p.problems) for p in plans] == [
        (waiting_b, [("Task_B", "Task_Check")], []), (waiting_a, [("Task_A", "Task_A")], [])]
    plans = dry_run(db, instances, target, {"Task_A": ""})
    assert [p.problems[0].element_id for p in plans] == ["Task_B", "Task_A"]  # B: no hand mapping
    db.commit()
    db.expire_all()
    assert {i.process_version_id for i in db.scalars(select(Instance))} == {v1.id}
    assert db.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) == events


def test_mapping_to_an_element_the_target_lacks_is_refused_before_anything(app, db, at_b):
    _v1, waiting_b, _waiting_a = at_b
    target = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    with pytest.raises(InvalidData) as refused:
        start_migration_job(db, "migration_demo", target, [waiting_b], find_user(db, "process_owner"),
                            mapping={"Task_B": "Task_Nowhere"})
    assert "Task_Nowhere" in str(refused.value)
    db.rollback()
    assert db.scalars(select(MigrationJob)).all() == []


def test_filters_choose_by_district_element_dates_status_and_ids(app, db, at_b):
    from datetime import date, timedelta
    v1, waiting_b, waiting_a = at_b
    elsewhere = start(db, district="d2")
    target = deploy_file(app, MIGRATION / "v2.bpmn")

    def chosen(**filters):
        return [i.id for i in select_instances(db, "migration_demo", target, **filters)]

    assert chosen() == [waiting_b, waiting_a, elsewhere]
    assert chosen(district_id=find_district(db, "d2").id) == [elsewhere]
    assert chosen(element="Task_B") == [waiting_b]
    assert chosen(ids=[waiting_a]) == [waiting_a]
    assert chosen(statuses=["error"]) == []
    assert chosen(started_from=date(2000, 1, 1), started_to=date(2000, 1, 2)) == []
    today = db.get(Instance, waiting_b).started_at.date()
    assert waiting_b in chosen(started_from=today - timedelta(days=1), started_to=today + timedelta(days=1))
    with pytest.raises(InvalidData):
        chosen(district_id=99999)
    with pytest.raises(InvalidData):
        chosen(statuses=["completed"])


def test_a_bulk_move_goes_in_batches_and_a_failing_instance_does_not_stop_the_others(app, db, at_b):
    _v1, waiting_b, waiting_a = at_b
    third = start(db)
    target = deploy_file(app, MIGRATION / "v2.bpmn")
    owner = find_user(db, "process_owner")
    broken = db.get(Instance, waiting_a)
    broken.state_json = "{not json"  # a state that cannot be read back: refused, with the reason
    db.commit()
    job = start_migration_job(db, "migration_demo", target, [third, waiting_a, waiting_b], owner,
                              reason="v2 for all")
    db.commit()
    job = run_migration_batch(db, job.id, owner, size=2)
    db.commit()
    assert (job.done, job.total, job.status) == (2, 3, "running")
    assert job.moved == [waiting_b] and list(job.refused) == [str(waiting_a)]
    assert job.refused[str(waiting_a)][0]["template"].startswith("The stored state cannot be read")
    job = run_migration_job(db, job.id, owner, size=2, commit=db.commit)
    assert (job.done, job.status, sorted(job.moved)) == (3, "finished", sorted([waiting_b, third]))
    types = [e.type for e in db.scalars(select(OperatorEvent).order_by(OperatorEvent.seq))]
    assert types[-2:] == ["instances_migration_started", "instances_migration_finished"]
    assert db.get(Instance, third).version.version == 2


def test_a_failing_retry_undoes_only_that_instances_move(app, db):
    deploy_file(app, MIGRATION / "error_v1.bpmn")
    first, second = start(db, "migration_error"), start(db, "migration_error")
    for instance_id in (first, second):
        complete(db, instance_id, "Task_A")
    assert {db.get(Instance, i).status for i in (first, second)} == {"error"}
    target = deploy_file(app, MIGRATION / "error_v2.bpmn")
    owner = find_user(db, "process_owner")

    def retry(session, instance, user, reason):
        if instance.id == first:
            raise RuntimeError("the retry failed")

    job = start_migration_job(db, "migration_error", target, [first, second], owner)
    job = run_migration_job(db, job.id, owner, after_move=retry, commit=db.commit)
    assert job.moved == [second] and "the retry failed" in str(job.refused[str(first)])
    db.expire_all()
    assert db.get(Instance, first).version.version == 1
    assert db.get(Instance, second).version.version == 2


def test_an_instance_in_error_is_moved_then_handed_to_the_retry(app, db):
    v1 = deploy_file(app, MIGRATION / "error_v1.bpmn")
    failed = start(db, "migration_error")
    complete(db, failed, "Task_A")
    assert db.get(Instance, failed).status == "error"
    target = deploy_file(app, MIGRATION / "error_v2.bpmn")
    plan = plan_migration(db, db.get(Instance, failed), target)
    assert [(o.id, n.id) for o, n in plan.moves] == [("Script_S", "Script_S")] and plan.problems == []
    retried = []
    migrate_instance(db, failed, target.id, find_user(db, "process_owner"),
                     after_move=lambda s, instance, user, reason: retried.append(instance.id))
    db.commit()
    db.expire_all()
    instance = db.get(Instance, failed)
    assert (instance.version.version, instance.status, retried) == (2, "error", [failed])
    assert instance.process_version_id != v1.id
    assert_replays(db, failed)


def test_an_open_task_mapped_to_an_element_of_another_kind_is_refused(app, db, at_b):
    v1, waiting_b, _waiting_a = at_b
    target = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    plan = plan_migration(db, db.get(Instance, waiting_b), target, {"Task_B": "EndEvent_1"})
    assert [p.element_id for p in plan.problems] == ["Task_B"]
    assert "an element of another kind" in plan.problems[0].message
    with pytest.raises(runtime.MigrationRefused):
        migrate_instance(db, waiting_b, target.id, find_user(db, "process_owner"), mapping={"Task_B": "EndEvent_1"})
    db.rollback()
    assert db.get(Instance, waiting_b).process_version_id == v1.id


def test_an_instance_in_error_moved_to_a_fixed_version_runs_on_after_the_retry(app, db):
    deploy_file(app, MIGRATION / "error_v1.bpmn")
    failed = start(db, "migration_error")
    complete(db, failed, "Task_A")
    assert db.get(Instance, failed).status == "error"
    target = deploy_file(app, MIGRATION / "error_v2.bpmn")
    migrate_instance(db, failed, target.id, find_user(db, "process_owner"), reason="fixed script")
    db.commit()
    db.expire_all()
    instance = db.get(Instance, failed)
    assert instance.version.version == 2 and instance.status in ("running", "completed")
    assert instance.data.get("score") == 1
    types = list(db.scalars(select(Event.type).where(Event.instance_id == failed).order_by(Event.seq)))
    assert types.index("instance_migrated") < types.index("instance_retried")
    assert_replays(db, failed)
