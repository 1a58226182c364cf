"""What the survey-process tests share: processes/citizen_survey.bpmn (نظرسنجی از شهروندان) and
processes/opinion_poll.bpmn (افکارسنجی), their lanes, user tasks and forms; starting and
completing their tasks in memory through engine.harness; reading their files.

Used by test_survey_runs.py, test_opinion_poll_runs.py, test_survey_diagrams.py and
test_survey_forms.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from formjs.forms import load_form, validate_submission
from engine.harness import complete_ready_task, ready_task_ids, workflow_from_bpmn
from engine.spiff.workflow_tasks import completed_elements
from engine.spiff.workflows import ready_human_tasks, run_engine
from people.roles import role_for_lane
from tests.diagram_conventions import FLOW_NODE_TAGS, NS

ROOT = Path(__file__).resolve().parents[2]
FORMS_DIR = ROOT / "forms"
PR_EXPERT, PR_HEAD, MAYOR, DEPARTMENT_HEAD = (
    "کارشناس روابط عمومی", "مسئول روابط عمومی", "شهردار منطقه", "رئیس اداره")

# user task id -> (lane, formKey)
SURVEY_TASKS = {
    "Task_plan_survey": (PR_EXPERT, "survey_plan"),
    "Task_review_survey_plan": (PR_HEAD, "survey_plan_review"),
    "Task_collect_survey_forms": (PR_EXPERT, "survey_collection"),
    "Task_enter_citizen_survey": (PR_EXPERT, "citizen_survey"),
    "Task_enter_visitor_survey": (PR_EXPERT, "visitor_survey"),
    "Task_prepare_survey_summary": (PR_EXPERT, "survey_summary"),
    "Task_report_to_mayor": (MAYOR, "survey_mayor_decision"),
    "Task_corrective_action": (DEPARTMENT_HEAD, "corrective_action"),
    "Task_follow_up_corrective_action": (PR_EXPERT, "survey_followup"),
}
POLL_TASKS = {
    "Task_prepare_poll_plan": (PR_EXPERT, "poll_plan"),
    "Task_approve_poll_plan": (MAYOR, "poll_plan_review"),
    "Task_collect_poll_answers": (PR_EXPERT, "poll_collection"),
    "Task_enter_poll_answer": (PR_EXPERT, "poll_answer"),
    "Task_poll_fieldwork": (PR_EXPERT, "poll_fieldwork"),
    "Task_prepare_poll_summary": (PR_EXPERT, "poll_summary"),
    "Task_poll_report": (DEPARTMENT_HEAD, "poll_report"),
    "Task_file_poll_report": (PR_EXPERT, "poll_filing"),
}


class Process:
    """One of the two processes: its key, name, user tasks, lanes and the records it produces."""

    def __init__(self, key, name, tasks, lanes, records):
        self.key, self.name, self.tasks, self.lanes, self.records = key, name, tasks, lanes, records
        self.file = ROOT / "processes" / f"{key}.bpmn"

    def __repr__(self):
        return self.key


SURVEY = Process("citizen_survey", "نظرسنجی از شهروندان", SURVEY_TASKS,
                 {PR_EXPERT, PR_HEAD, MAYOR, DEPARTMENT_HEAD},
                 {"F-__-0-2-01", "F-__-0-2-02", "F-__-0-2-03"})
POLL = Process("opinion_poll", "افکارسنجی", POLL_TASKS, {PR_EXPERT, MAYOR, DEPARTMENT_HEAD},
               {"F-__-0-2-04", "F-__-0-2-05", "F-__-0-2-06"})
PROCESSES = [SURVEY, POLL]
FORM_KEYS = sorted({form for p in PROCESSES for _, form in p.tasks.values()})


# ================================================================ running the processes

def start(process: Process):
    """A new workflow of the process, run to its first user task."""
    wf = workflow_from_bpmn(process.file.read_bytes())
    run_engine(wf)
    return wf


def submit(wf, process: Process, bpmn_id: str, data: dict) -> dict:
    """Complete the one ready task bpmn_id with data its form accepts; return the clean data."""
    ready = [t for t in ready_human_tasks(wf) if t.task_spec == bpmn_id]
    assert len(ready) == 1, f"expected {bpmn_id} ready, ready: {ready_task_ids(wf)}"
    lane, form_key = process.tasks[bpmn_id]
    assert (ready[0].lane, ready[0].form_key) == (lane, form_key)
    assert role_for_lane(ready[0].lane)
    clean, errors = validate_submission(load_form(form_key), data)
    assert not errors, (bpmn_id, errors)
    complete_ready_task(wf, bpmn_id, clean)
    return clean


def end_events(wf) -> dict[str, int]:
    """The end events the workflow reached, with how often."""
    return {bpmn_id: n for bpmn_id, n in completed_elements(wf).items()
            if bpmn_id.startswith("EndEvent_")}


# ================================================================ the files

def tree_of(process: Process):
    """The parsed BPMN file of the process."""
    return etree.parse(str(process.file))


def process_element(tree):
    """The bpmn:process element of a parsed file."""
    return tree.find("bpmn:process", NS)


def flow_nodes(process_el):
    """The flow nodes (tasks, events, gateways) of a bpmn:process element."""
    return [el for tag in FLOW_NODE_TAGS for el in process_el.iterfind(f"bpmn:{tag}", NS)]


def form(key: str) -> dict:
    """The form's file as JSON."""
    return json.loads((FORMS_DIR / f"{key}.form.json").read_text(encoding="utf-8"))


def inputs(key: str) -> dict[str, dict]:
    """The form's top-level components that have a key, by key."""
    return {c["key"]: c for c in form(key)["components"] if c.get("key")}
