"""The PR unit's processes run through the engine's harness: every path through every gateway,
each return loop once, to its end event, each task completed with data its form accepts and
the workflow saved and loaded after every step.
"""
from __future__ import annotations

import pytest

from formjs.forms import load_form, validate_submission
from engine.harness import complete_ready_task, ready_task_data, ready_task_ids, workflow_from_bpmn
from engine.spiff.workflow_tasks import active_elements, completed_elements
from engine.spiff.workflows import dump_workflow, load_workflow, ready_human_tasks, run_engine
from pr_processes_support import (ACCURATE_COVERAGE, INFORM_REQUEST, MISREPORTED_COVERAGE, PATHS,
                                  PROCESS_IDS, PROCESSES, PathCase, flow_nodes, tree_of)
from tests.diagram_conventions import NS

PATH_CASES = [(pid, name) for pid in PROCESS_IDS for name in PATHS[pid]]


def start(process_id: str):
    """A new workflow of the process, run to its first user task."""
    wf = workflow_from_bpmn(PROCESSES[process_id].bpmn_file.read_bytes())
    run_engine(wf)
    return wf


def submit(wf, process_id: str, task_id: str, data: dict):
    """Complete the one ready task as the application would: its form validates and types the
    data, the lane names the role that is offered the task; then survive a save and load."""
    lane, form_key = PROCESSES[process_id].user_tasks[task_id]
    assert ready_task_ids(wf) == [task_id]
    ready = next(t for t in ready_human_tasks(wf) if t.task_spec == task_id)
    assert (ready.lane, ready.form_key) == (lane, form_key)
    clean, errors = validate_submission(load_form(form_key), data)
    assert not errors, (task_id, errors)
    complete_ready_task(wf, task_id, clean)
    return load_workflow(dump_workflow(wf))


def run_path(process_id: str, case: PathCase):
    """The workflow after every step of the path case."""
    wf = start(process_id)
    for task_id, data in case.steps:
        wf = submit(wf, process_id, task_id, data)
    return wf


def end_events(wf) -> dict[str, int]:
    """The end events the workflow reached, with how often."""
    return {bpmn_id: n for bpmn_id, n in completed_elements(wf).items()
            if bpmn_id.startswith("EndEvent_")}


@pytest.mark.parametrize("process_id,path_name", PATH_CASES)
def test_path_runs_to_its_end_event(process_id, path_name):
    case = PATHS[process_id][path_name]
    wf = run_path(process_id, case)
    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert active_elements(wf) == []
    assert end_events(wf) == {case.end_event: 1}
    done = completed_elements(wf)
    for task_id in {task for task, _ in case.steps}:
        assert done[task_id] == case.counts.get(task_id, 1), task_id
    not_run = set(PROCESSES[process_id].user_tasks) - {task for task, _ in case.steps}
    assert not not_run & set(done)


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_the_paths_together_pass_every_node_and_reach_every_end_event(process_id):
    process = tree_of(process_id).find("bpmn:process", NS)
    seen = set()
    for case in PATHS[process_id].values():
        seen |= set(completed_elements(run_path(process_id, case)))
    assert {el.get("id") for el in flow_nodes(process)} <= seen
    assert PROCESSES[process_id].end_events == {c.end_event for c in PATHS[process_id].values()}
    # every return flow (a gateway's branch back to a task reached before) is taken in some path
    flows = list(process.iterfind("bpmn:sequenceFlow", NS))
    gateways = {g.get("id") for g in process.iterfind("bpmn:exclusiveGateway", NS)}
    returns = {f.get("targetRef") for f in flows if f.get("sourceRef") in gateways
               and len([g for g in flows if g.get("targetRef") == f.get("targetRef")]) > 1}
    looped = {task for case in PATHS[process_id].values() for task, n in case.counts.items() if n == 2}
    assert returns and returns <= looped


def test_website_update_return_reason_reaches_the_pr_expert():
    wf = start("website_update")
    wf = submit(wf, "website_update", "Task_register_inform_request", INFORM_REQUEST)
    wf = submit(wf, "website_update", "Task_review_inform_request",
                {"review_decision": "return", "review_reason": "متن ناقص است"})
    data = ready_task_data(wf, "Task_register_inform_request")
    assert data["review_reason"] == "متن ناقص است"
    assert data["subject"] == INFORM_REQUEST["subject"]  # what was registered is kept for the edit


def test_press_conference_data_is_kept_as_lists():
    case = PATHS["press_conference"]["approved_held_and_reported"]
    wf = run_path("press_conference", case)
    assert [m["outlet"] for m in wf.data["invited_media"]] == ["خبرگزاری ایرنا", "روزنامه عصر"]
    assert [a["signature_received"] for a in wf.data["attendees"]] == [True, False]
    assert wf.data["conference_time"] == "10:00"


@pytest.mark.parametrize("coverage,end_event", [
    (ACCURATE_COVERAGE, "EndEvent_news_accurate"),
    (MISREPORTED_COVERAGE, "Task_draft_rebuttal"),
    ({"coverage": [{"outlet": "الف", "published_on": "2025-08-13", "headline": "ت", "accurate": "no"}]},
     "Task_draft_rebuttal"),
])
def test_one_inaccurate_coverage_row_is_enough_for_a_rebuttal(coverage, end_event):
    wf = start("news")
    for task_id, data in PATHS["news"]["released_and_accurately_covered"].steps[:-1]:
        wf = submit(wf, "news", task_id, data)
    wf = submit(wf, "news", "Task_monitor_press", coverage)
    if end_event.startswith("EndEvent_"):
        assert wf.is_completed() and end_events(wf) == {end_event: 1}
    else:
        assert ready_task_ids(wf) == [end_event]
        assert ready_human_tasks(wf)[0].lane == "کارشناس روابط عمومی"
