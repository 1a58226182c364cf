"""History pruning (issue 3, benchmark 5): the live task tree stays small however long a loop
runs, while the event log and the per-element completion counts keep every pass.

engine.spiff.workflows.run_engine drops finished tasks the engine can no longer read after every
run (prune_history). These tests check that the tree and the stored state stay bounded, that
the engine behaves as it does on the full tree (open tasks, timers, messages, data, diagram
counts) and that the instance page still counts every pass of a looped element.
"""
import json
import re
from datetime import datetime, timedelta

import pytest

import engine as runtime

from engine.spiff import workflows
from engine.harness import complete_ready_task, ready_task_ids, ready_tasks, workflow_from_bpmn
from engine.replay.history import instance_overview
from engine.runtime.timers import fire_next_due_timers
from engine.spiff.pruning import PRUNED_COMPLETIONS
from engine.spiff.workflow_tasks import (completed_elements, deliver_message, make_timers_due,
                                         waiting_message_names, waiting_timers)
from engine.spiff.workflows import current_data, dump_workflow, load_workflow, run_engine
from models import clock
from engine_support import (deploy, district_id, event_rows, fixture_bytes, ready_specs,
                            ready_task, reload_instance, timer_rows, user)


# ---------------------------------------------------------------- helpers

def start(name: str, data: dict | None = None):
    workflow = workflow_from_bpmn(fixture_bytes(name), data)
    run_engine(workflow)
    return workflow


def stored(workflow):
    """What the next request works on: the workflow through its stored JSON."""
    return load_workflow(dump_workflow(workflow))


def tree_size(workflow) -> int:
    return len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values())


def complete(workflow, bpmn_id: str, data: dict | None = None):
    complete_ready_task(workflow, bpmn_id, data)
    return stored(workflow)


def satisfaction_round(workflow, n: int, satisfied: bool = False):
    workflow = complete(workflow, "Task_executive_answer", {"answer": f"پاسخ دور {n}"})
    workflow = complete(workflow, "Task_feedback_call", {"satisfied": satisfied})
    if not satisfied:
        workflow = complete(workflow, "Task_field_review", {"findings": f"بازدید دور {n}"})
    return workflow


@pytest.fixture
def without_pruning(monkeypatch):
    """Run the engine on the full tree, as before pruning existed."""
    monkeypatch.setattr(workflows, "prune_history", lambda workflow: 0)


# ---------------------------------------------------------------- a long loop stays small

def test_a_200_round_loop_keeps_its_tree_and_stored_state_bounded():
    workflow = stored(start("satisfaction_loop.bpmn", {"satisfied": False}))
    figures = {}
    for n in range(1, 201):
        workflow = satisfaction_round(workflow, n)
        if n in (2, 200):
            figures[n] = (tree_size(workflow), len(dump_workflow(workflow)))
    assert ready_task_ids(workflow) == ["Task_executive_answer"]
    tasks_2, state_2 = figures[2]
    tasks_200, state_200 = figures[200]
    assert tasks_200 <= tasks_2 + 2, figures
    assert state_200 <= state_2 + 512, figures  # the data grows by a digit or two, not more

    workflow = satisfaction_round(workflow, 201, satisfied=True)
    assert workflow.is_completed()
    assert completed_elements(workflow) == {
        "StartEvent_case": 1, "Task_executive_answer": 201, "Task_feedback_call": 201,
        "Gateway_satisfied": 201, "Task_field_review": 200, "EndEvent_satisfied": 1}
    assert current_data(workflow) == {"satisfied": True, "answer": "پاسخ دور 201",
                                      "findings": "بازدید دور 200"}


def test_a_loop_deeper_than_the_engines_tree_walks_keeps_its_open_task():
    # SpiffWorkflow's task iterators stop 1000 levels down: on the full tree the open task of
    # this loop disappears after 250 rounds (4 tasks a round) and the instance is stuck.
    workflow = start("satisfaction_loop.bpmn", {"satisfied": False})
    for n in range(1, 301):
        complete_ready_task(workflow, "Task_executive_answer")
        complete_ready_task(workflow, "Task_feedback_call", {"satisfied": False})
        complete_ready_task(workflow, "Task_field_review")
    assert ready_task_ids(workflow) == ["Task_executive_answer"]
    assert completed_elements(workflow)["Task_field_review"] == 300


# ---------------------------------------------------------------- same behaviour as the full tree

def _snapshot(workflow) -> dict:
    return {"ready": ready_task_ids(workflow),
            "ready_data": sorted(json.dumps([t.task_spec.name, t.data], sort_keys=True, default=str)
                                 for t in ready_tasks(workflow)),
            "timers": sorted(t.task_spec for t in waiting_timers(workflow)),
            "messages": waiting_message_names(workflow),
            "completed": completed_elements(workflow),
            "data": current_data(workflow),
            "done": workflow.is_completed()}


def _play(name: str, start_data: dict | None, actions) -> list[dict]:
    """Run a scenario through stored state after every action; the snapshot of every step."""
    workflow = stored(start(name, start_data))
    snapshots = [_snapshot(workflow)]
    for action, *args in actions:
        if action == "complete":
            complete_ready_task(workflow, *args)
        elif action == "timer":
            [timer] = [t for t in waiting_timers(workflow) if t.task_spec == args[0]]
            make_timers_due(workflow, [timer.spiff_task_id])
            run_engine(workflow)
        elif action == "message":
            assert deliver_message(workflow, *args)
            run_engine(workflow)
        workflow = stored(workflow)
        snapshots.append(_snapshot(workflow))
    return snapshots


def _satisfaction(rounds: int):
    for n in range(rounds):
        yield ("complete", "Task_executive_answer", {"answer": n})
        yield ("complete", "Task_feedback_call", {"satisfied": n == rounds - 1})
        if n < rounds - 1:
            yield ("complete", "Task_field_review", {"findings": n})


def _review(rounds: int):
    for n in range(rounds):
        yield ("complete", "Task_prepare", {"draft": n})
        yield ("complete", "Task_review",
               {"decision": "approve" if n == rounds - 1 else "return", "reason": str(n)})


def _timer_loop(rounds: int):
    for n in range(rounds):
        if n % 2 == 0:
            yield ("timer", "Deadline")
        yield ("complete", "Task_work", {"again": n < rounds - 1, "note": n})
        if n % 2 == 0:
            yield ("complete", "Task_escalation", {"escalated": n})


def _call_loop(rounds: int):
    for n in range(rounds):
        yield ("complete", "Task_in_loop_called", {"inner": n})
        yield ("message", "loop_reply", {"n": n})
        yield ("complete", "Task_decide", {"again": n < rounds - 1})


SCENARIOS = {
    "satisfaction loop": ("satisfaction_loop.bpmn", {"satisfied": False}, lambda: _satisfaction(12)),
    "review loop": ("review_loop.bpmn", None, lambda: _review(8)),
    "non-interrupting deadline in a loop": ("boundary_timer_loop.bpmn", None,
                                            lambda: _timer_loop(7)),
    "call activity and message in a loop": ("call_activity_loop.bpmn", None,
                                            lambda: _call_loop(6)),
    "call activity then embedded sub-process": (
        "call_activity.bpmn", None,
        lambda: iter([("complete", "Task_in_called", {"decision": "approve", "reason": ""}),
                      ("complete", "Task_in_embedded", {"x": 1})])),
    "non-interrupting boundary timer": (
        "timer_boundary_noninterrupting.bpmn", None,
        lambda: iter([("timer", "Deadline"), ("complete", "Task_escalation", {"e": 1}),
                      ("complete", "Task_work", {"w": 1})])),
    "interrupting boundary timer": (
        "timer_boundary_interrupting.bpmn", None,
        lambda: iter([("timer", "Deadline")])),
    "parallel lanes": (
        "parallel_lanes.bpmn", None,
        lambda: iter([("complete", "Task_complaints", {"b": 1}), ("complete", "Task_pr", {"a": 1}),
                      ("complete", "Task_after_join", {"c": 1})])),
    "message wait": (
        "message_wait.bpmn", None,
        lambda: iter([("message", "citizen_reply", {"text": "ممنون"}),
                      ("complete", "Task_read_reply", {})])),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_pruned_runs_match_runs_on_the_full_tree(scenario, monkeypatch):
    name, data, actions = SCENARIOS[scenario]
    pruned = _play(name, data, actions())
    monkeypatch.setattr(workflows, "prune_history", lambda workflow: 0)
    full = _play(name, data, actions())
    assert len(pruned) == len(full)
    for step, (a, b) in enumerate(zip(pruned, full)):
        assert a == b, f"step {step}"


def test_a_state_stored_before_pruning_is_pruned_on_its_next_step_and_keeps_its_counts(
        without_pruning, monkeypatch):
    workflow = stored(start("satisfaction_loop.bpmn", {"satisfied": False}))
    for n in range(1, 11):
        workflow = satisfaction_round(workflow, n)
    full_size = tree_size(workflow)
    counts = completed_elements(workflow)
    assert counts["Task_field_review"] == 10

    monkeypatch.undo()  # the new code meets the old state
    workflow = complete(workflow, "Task_executive_answer", {"answer": "پاسخ دور 11"})
    assert tree_size(workflow) < full_size / 4
    assert completed_elements(workflow) == {**counts, "Task_executive_answer": 11}
    assert workflow.task_tree.internal_data[PRUNED_COMPLETIONS]["Task_field_review"] >= 9


# ---------------------------------------------------------------- parallel split and join in a loop

def test_a_parallel_join_inside_a_loop_waits_for_both_parts_in_every_pass():
    workflow = stored(start("parallel_loop.bpmn"))
    sizes = []
    for n in range(1, 7):
        first, second = ("Task_part_a", "Task_part_b") if n % 2 else ("Task_part_b", "Task_part_a")
        assert ready_task_ids(workflow) == ["Task_part_a", "Task_part_b"], n
        workflow = complete(workflow, first, {first: n})
        assert ready_task_ids(workflow) == [second], n  # the join still waits
        workflow = complete(workflow, second, {second: n})
        assert ready_task_ids(workflow) == ["Task_check"], n
        # SpiffWorkflow merges the other branches' data first and the last branch's own data
        # last, so the last part's values (stale copies of the other's too) win: check it only.
        [check] = [t for t in ready_tasks(workflow)
                   if t.task_spec.name == "Task_check"]
        assert check.data[second] == n and first in check.data
        workflow = complete(workflow, "Task_check", {"again": n < 6})
        sizes.append(tree_size(workflow))
    assert workflow.is_completed()
    assert max(sizes[:-1]) <= sizes[1] + 2, sizes
    counts = completed_elements(workflow)
    assert {k: counts[k] for k in ("Split_parts", "Task_part_a", "Task_part_b", "Join_parts",
                                   "Task_check", "Gateway_again", "EndEvent_pl")} == {
        "Split_parts": 6, "Task_part_a": 6, "Task_part_b": 6, "Join_parts": 6,
        "Task_check": 6, "Gateway_again": 6, "EndEvent_pl": 1}


# ---------------------------------------------------------------- a call activity in a loop

def test_finished_sub_processes_of_a_loop_are_dropped_and_still_counted():
    workflow = stored(start("call_activity_loop.bpmn"))
    for n in range(1, 11):
        workflow = complete(workflow, "Task_in_loop_called", {"inner": n})
        assert deliver_message(workflow, "loop_reply", {"n": n})
        run_engine(workflow)
        workflow = complete(stored(workflow), "Task_decide", {"again": n < 10})
        assert len(workflow.subprocesses) <= 1, n
    assert workflow.is_completed()
    counts = completed_elements(workflow)
    assert (counts["Call_loop_sub"], counts["Task_in_loop_called"], counts["Called_loop_end"],
            counts["Catch_loop_reply"], counts["Task_decide"]) == (10, 10, 10, 10, 10)
    assert current_data(workflow)["reply"] == {"n": 10}


# ---------------------------------------------------------------- through the database

def test_a_non_interrupting_deadline_inside_a_loop_fires_once_per_pass(app, db):
    deploy(app, "boundary_timer_loop.bpmn")
    # The clock stands still: the 1-second deadline fires only when the test fires it, never
    # because a step of a busy machine took longer than a second.
    clock.set_now(datetime(2026, 11, 29, 8, 0))
    expert, mayor = user(db, "pr_expert_d1"), user(db, "district_mayor_d1")
    # The tasks have no forms: `again` comes with the start data and keeps the loop going.
    instance = runtime.start_instance(db, "t_timer_loop", expert, district_id(db, "d1"),
                                      {"again": True})
    db.commit()
    sizes, seen_timer_ids = [], set()
    for n in range(1, 6):
        [waiting] = [t for t in timer_rows(db, instance.id) if t.status == "waiting"]
        assert waiting.spiff_task_id not in seen_timer_ids  # each pass has its own timer
        seen_timer_ids.add(waiting.spiff_task_id)
        assert fire_next_due_timers(db, now=waiting.due_at + timedelta(seconds=1)) == instance.id
        db.commit()
        assert ready_specs(db, instance.id) == ["Task_escalation", "Task_work"]
        runtime.complete_task(db, ready_task(db, instance.id, "Task_work").id, expert, {})
        db.commit()
        # the new pass is open with a new timer, next to the previous pass's follow-up
        state = reload_instance(db, instance.id)
        workflow = load_workflow(state.state_json)
        workflow.get_tasks()  # the stored tree is a valid tree
        sizes.append(len(json.loads(state.state_json)["tasks"]))
        runtime.complete_task(db, ready_task(db, instance.id, "Task_escalation").id, mayor, {})
        db.commit()
        assert ready_specs(db, instance.id) == ["Task_work"]
    assert sizes[-1] <= sizes[1] + 2, sizes
    fired = [t for t in timer_rows(db, instance.id) if t.status == "fired"]
    assert len(fired) == 5
    overview = instance_overview(db, reload_instance(db, instance.id))
    assert {k: overview["completed_elements"].get(k) for k in
            ("Task_work", "Deadline", "Task_escalation", "End_escalated")} == {
        "Task_work": 5, "Deadline": 5, "Task_escalation": 5, "End_escalated": 5}
    assert [e.type for e in event_rows(db, instance.id)].count("timer_fired") == 5


def test_instance_page_counts_every_pass_of_a_looped_element(app, db, login):
    deploy(app, "satisfaction_loop.bpmn")
    head, feedback, followup = (user(db, "department_head_d1"), user(db, "feedback_unit_d1"),
                                user(db, "followup_unit_d1"))
    instance = runtime.start_instance(db, "t_satisfaction_loop", head, district_id(db, "d1"),
                                      {"satisfied": False})
    db.commit()
    for _ in range(6):
        for spec, who in (("Task_executive_answer", head), ("Task_feedback_call", feedback),
                          ("Task_field_review", followup)):
            runtime.complete_task(db, ready_task(db, instance.id, spec).id, who, {})
            db.commit()
    state = reload_instance(db, instance.id)
    assert len(json.loads(state.state_json)["tasks"]) <= 12  # not 6 rounds of history
    expected = {"StartEvent_case": 1, "Task_executive_answer": 6, "Task_feedback_call": 6,
                "Gateway_satisfied": 6, "Task_field_review": 6}
    assert instance_overview(db, state)["completed_elements"] == expected
    completions = [e for e in event_rows(db, instance.id) if e.type == "task_completed"]
    assert len(completions) == 18  # the event log keeps every pass
    url = f"/instances/{instance.id}"
    db.commit()  # SQLite: no transaction of this session may hold the database during the request

    body = login("department_head_d1").get(url).get_data(as_text=True)
    done = json.loads(re.search(r"data-done='([^']*)'", body).group(1))
    assert done == expected
