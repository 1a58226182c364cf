"""Stored workflow states: written without the process spec (the version's cached spec is put
back on load), and states stored before that change (SpiffWorkflow's full format, spec
included) still load and run.

Each runtime call is followed by a commit, as the request boundary would do.
"""
import json
from pathlib import Path

import pytest

import engine as runtime
from engine.harness import complete_ready_task, ready_task_ids, workflow_from_bpmn
from engine.spiff.workflows import (SPEC_SHA256_KEY, VERSION_KEY, dump_workflow, load_workflow,
                                    ready_human_tasks, run_engine, specs_for)
from engine_support import (deploy, district_id, fixture_bytes, ready_specs, ready_task,
                            reload_instance, user)
from models import ProcessVersion

# The state of tests/fixtures/call_activity.bpmn right after start (a ready task inside the
# called process), as the engine stored it before states left the spec out.
STATE_WITH_SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "states" / "call_activity_with_spec.json"
APPROVE = {"decision": "approve", "reason": ""}


def start(db, process_key, username="pr_expert_d1"):
    instance = runtime.start_instance(db, process_key, user(db, username), district_id(db, "d1"))
    db.commit()
    return instance


def complete(db, instance_id, task_spec, username, data=None):
    runtime.complete_task(db, ready_task(db, instance_id, task_spec).id, user(db, username), data)
    db.commit()


def test_a_stored_state_leaves_the_spec_out_and_names_its_version(app, db):
    version = deploy(app, "review_loop.bpmn")
    instance = start(db, "t_review")
    complete(db, instance.id, "Task_prepare", "pr_expert_d1")

    stored = reload_instance(db, instance.id)
    state = json.loads(stored.state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    assert state[SPEC_SHA256_KEY] == version.content_sha256
    assert state[VERSION_KEY]  # SpiffWorkflow migrates states by it

    workflow = load_workflow(stored.state_json, stored.version)
    assert workflow.spec is specs_for(stored.version)[0]  # the cached spec, not a rebuilt one
    assert [t.task_spec for t in ready_human_tasks(workflow)] == ["Task_review"]


def test_a_call_activity_state_leaves_out_the_called_process_spec_too(app, db):
    deploy(app, "call_activity.bpmn")
    instance = start(db, "t_caller", username="pr_head_d1")
    stored = reload_instance(db, instance.id)
    state = json.loads(stored.state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(state["subprocesses"]) == 1
    workflow = load_workflow(stored.state_json, stored.version)
    assert [t.task_spec for t in ready_human_tasks(workflow)] == ["Task_in_called"]
    assert set(workflow.subprocess_specs) == set(specs_for(stored.version)[1])


def test_a_state_stored_with_its_spec_still_loads(app):
    version = deploy(app, "call_activity.bpmn")
    old = STATE_WITH_SPEC.read_text()
    assert "spec" in json.loads(old)

    for workflow in (load_workflow(old, version), load_workflow(old)):
        [ready] = ready_human_tasks(workflow)
        assert ready.task_spec == "Task_in_called"
        assert workflow.spec.name == "t_caller" and "t_called" in workflow.subprocess_specs
        assert workflow.last_task is not None and dict(workflow.last_task.data) == {"subject": "old state"}
    # With its version it takes the cached specs, so it is written without them from now on.
    assert load_workflow(old, version).spec is specs_for(version)[0]
    again = json.loads(dump_workflow(load_workflow(old, version)))
    assert "spec" not in again and again[SPEC_SHA256_KEY] == version.content_sha256
    # Without a version the spec in the state is rebuilt, and kept.
    assert "spec" in json.loads(dump_workflow(load_workflow(old)))


def test_an_instance_stored_with_its_spec_runs_on_and_is_stored_without_it(app, db):
    deploy(app, "call_activity.bpmn")
    instance = start(db, "t_caller", username="pr_head_d1")
    old = STATE_WITH_SPEC.read_text()
    # Put the old state in place, with the task index pointing at its ready task.
    reload_instance(db, instance.id).state_json = old
    db.commit()
    ready_task(db, instance.id, "Task_in_called").spiff_task_id = \
        ready_human_tasks(load_workflow(old))[0].spiff_task_id
    db.commit()

    complete(db, instance.id, "Task_in_called", "pr_expert_d1", APPROVE)
    assert ready_specs(db, instance.id) == ["Task_in_embedded"]
    stored = reload_instance(db, instance.id)
    assert "spec" not in json.loads(stored.state_json)
    complete(db, instance.id, "Task_in_embedded", "pr_head_d1")
    assert reload_instance(db, instance.id).status == "completed"


def test_a_state_without_spec_loads_only_with_its_own_version(app, db):
    version = deploy(app, "review_loop.bpmn")
    other = deploy(app, "parallel_lanes.bpmn")
    instance = start(db, "t_review")
    state = reload_instance(db, instance.id).state_json
    with pytest.raises(ValueError):
        load_workflow(state, other)
    # Without a version, only a spec cached in this process will do.
    unknown = json.loads(state)
    unknown[SPEC_SHA256_KEY] = "f" * 64
    with pytest.raises(LookupError):
        load_workflow(json.dumps(unknown))
    assert ready_human_tasks(load_workflow(state))[0].task_spec == "Task_prepare"
    assert db.get(ProcessVersion, version.id).content_sha256 == json.loads(state)[SPEC_SHA256_KEY]


def test_an_older_serializer_version_without_spec_goes_through_spiffs_migrations(app, db):
    version = deploy(app, "review_loop.bpmn")
    instance = start(db, "t_review")
    state = json.loads(reload_instance(db, instance.id).state_json)
    state[VERSION_KEY] = "1.4"  # SpiffWorkflow's migration 1.4 -> 1.5 reads the spec dicts
    workflow = load_workflow(json.dumps(state), version)
    assert [t.task_spec for t in ready_human_tasks(workflow)] == ["Task_prepare"]
    assert json.loads(dump_workflow(workflow))[VERSION_KEY] != "1.4"


def test_harness_workflows_round_trip_through_a_state_without_spec():
    workflow = workflow_from_bpmn(fixture_bytes("review_loop.bpmn"))
    run_engine(workflow)
    complete_ready_task(workflow, "Task_prepare")  # runs the engine too
    text = dump_workflow(workflow)
    assert "spec" not in json.loads(text)
    again = load_workflow(text)
    assert ready_task_ids(again) == ["Task_review"]
    complete_ready_task(again, "Task_review", APPROVE)
    assert again.is_completed()


def test_the_state_without_spec_is_spiffs_full_state_minus_the_specs():
    """Guards the converter against a SpiffWorkflow upgrade that changes its workflow format."""
    from engine.spiff.workflows import _serializer  # SpiffWorkflow's own full serialization
    workflow = workflow_from_bpmn(fixture_bytes("call_activity.bpmn"))
    run_engine(workflow)
    complete_ready_task(workflow, "Task_in_called", APPROVE)
    full = json.loads(_serializer.serialize_json(workflow))
    ours = json.loads(dump_workflow(workflow))
    assert set(full) - set(ours) == {"spec", "subprocess_specs"}
    assert set(ours) - set(full) == {SPEC_SHA256_KEY}
    for key in ours.keys() - {SPEC_SHA256_KEY}:
        assert ours[key] == full[key], key
