"""processes/citizen_survey.bpmn (نظرسنجی از شهروندان) run in memory through engine.harness:
every path through every gateway, each task completed with data that first passes its form's
validation (as engine.runtime.completing.complete_task does); what each form shows of the
earlier tasks.
"""
from __future__ import annotations

import pytest

from formjs.forms import load_form, prefill_values, validate_submission
from engine.harness import ready_task_data, ready_task_ids
from records.quality import record_type_for_form
from engine.spiff.workflow_tasks import completed_elements
from engine.spiff.workflows import current_data, ready_human_tasks
from people.roles import role_for_lane
from survey_processes_support import SURVEY, end_events, start, submit
from tests.survey_form_data import (CITIZEN_FORM, CORRECTIVE_ACTION, MAYOR_ACTION, MAYOR_NO_ACTION,
                                    PLAN_APPROVE, PLAN_RETURN, SURVEY_FOLLOWUP, SURVEY_PLAN)

VISITOR_FORM = {
    "questionnaire_number": "۵۵", "visit_date": "1404/07/06", "visit_purpose": "building_permit",
    "unit_visited": "اداره شهرسازی", "visit_count": "second", "age_group": "40_49", "gender": "",
    "neighbourhood": "", "staff_behaviour": "5", "staff_competence": "4", "guidance": "3",
    "waiting_time": "2", "response_time": "3", "fee_transparency": "3", "facilities": "4",
    "overall_satisfaction": "4", "comments": "نوبت‌دهی طولانی بود",
}
ENTRY = {"citizen": ("Task_enter_citizen_survey", CITIZEN_FORM),
         "visitor": ("Task_enter_visitor_survey", VISITOR_FORM)}
SURVEY_SUMMARY = {
    "analysis": "رضایت از روشنایی معابر و ترافیک پایین‌تر از سایر شاخص‌هاست.",
    "strengths": "فضای سبز و برخورد کارکنان", "improvement_areas": "روشنایی معابر",
    "suggestions": "بازدید و ترمیم روشنایی کوچه‌های محله سعدی", "fieldwork_notes": "",
}


def run_survey_plan(wf, returns: int) -> None:
    """Plan, returned `returns` times with a reason, then approved."""
    submit(wf, SURVEY, "Task_plan_survey", SURVEY_PLAN)
    for _ in range(returns):
        submit(wf, SURVEY, "Task_review_survey_plan", PLAN_RETURN)
        assert ready_task_ids(wf) == ["Task_plan_survey"]
        assert ready_task_data(wf, "Task_plan_survey")["return_reason"] == PLAN_RETURN["return_reason"]
        submit(wf, SURVEY, "Task_plan_survey", {**SURVEY_PLAN, "sample_size": "400"})
    submit(wf, SURVEY, "Task_review_survey_plan", PLAN_APPROVE)
    assert ready_task_ids(wf) == ["Task_collect_survey_forms"]


def collect(wf, entries: list[str]) -> list[dict]:
    """Enter the survey forms in order through the collection loop, then finish collecting."""
    stored = []
    for kind in entries:
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        task_id, data = ENTRY[kind]
        assert ready_task_ids(wf) == [task_id]
        stored.append(submit(wf, SURVEY, task_id, data))
        assert ready_task_ids(wf) == ["Task_collect_survey_forms"]
    submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": "finished"})
    assert ready_task_ids(wf) == ["Task_prepare_survey_summary"]
    return stored


@pytest.mark.parametrize("returns, entries, action", [
    (0, ["citizen", "visitor", "citizen"], "no"),
    (0, ["citizen"], "yes"),
    (1, ["visitor"], "yes"),
    (1, ["visitor", "visitor", "citizen"], "no"),
    (2, [], "yes"),
])
def test_survey_runs_every_path_to_its_end_event(returns, entries, action):
    wf = start(SURVEY)
    assert ready_task_ids(wf) == ["Task_plan_survey"]
    run_survey_plan(wf, returns)
    stored = collect(wf, entries)
    assert [record_type_for_form(SURVEY.tasks[ENTRY[k][0]][1]).code for k in entries] == [
        {"citizen": "F-__-0-2-01", "visitor": "F-__-0-2-02"}[k] for k in entries]
    assert all(s["overall_satisfaction"] == "4" for s in stored)
    submit(wf, SURVEY, "Task_prepare_survey_summary", SURVEY_SUMMARY)
    assert ready_task_ids(wf) == ["Task_report_to_mayor"]
    # the mayor's report shows the expert's analysis (read-only fields of the form)
    shown = prefill_values(load_form("survey_mayor_decision"), current_data(wf))
    assert shown["analysis"] == SURVEY_SUMMARY["analysis"]
    assert shown["survey_title"] == SURVEY_PLAN["survey_title"]

    if action == "yes":
        submit(wf, SURVEY, "Task_report_to_mayor", MAYOR_ACTION)
        assert ready_task_ids(wf) == ["Task_corrective_action"]
        assert role_for_lane(ready_human_tasks(wf)[0].lane) == "department_head"
        assert ready_task_data(wf, "Task_corrective_action")["mayor_orders"] == MAYOR_ACTION["mayor_orders"]
        submit(wf, SURVEY, "Task_corrective_action", CORRECTIVE_ACTION)
        assert ready_task_ids(wf) == ["Task_follow_up_corrective_action"]
        submit(wf, SURVEY, "Task_follow_up_corrective_action", SURVEY_FOLLOWUP)
        expected_end = "EndEvent_corrective_action_followed"
    else:
        submit(wf, SURVEY, "Task_report_to_mayor", MAYOR_NO_ACTION)
        expected_end = "EndEvent_survey_closed"

    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert end_events(wf) == {expected_end: 1}
    done = completed_elements(wf)
    assert done["Task_plan_survey"] == returns + 1
    assert done["Task_review_survey_plan"] == returns + 1
    assert done["Task_collect_survey_forms"] == len(entries) + 1
    assert done.get("Task_enter_citizen_survey", 0) == entries.count("citizen")
    assert done.get("Task_enter_visitor_survey", 0) == entries.count("visitor")
    assert ("Task_corrective_action" in done) == (action == "yes")
    assert ("Task_follow_up_corrective_action" in done) == (action == "yes")
    assert wf.data["sample_size"] == (400 if returns else 384)
    assert wf.data["start_date"] == "2025-09-23"  # typed as Solar Hijri 1404/07/01


def test_returned_survey_plan_shows_the_reason_read_only_to_its_author():
    wf = start(SURVEY)
    submit(wf, SURVEY, "Task_plan_survey", SURVEY_PLAN)
    submit(wf, SURVEY, "Task_review_survey_plan", PLAN_RETURN)
    schema = load_form("survey_plan")
    shown = prefill_values(schema, current_data(wf))
    assert shown["return_reason"] == PLAN_RETURN["return_reason"]
    assert shown["survey_title"] == SURVEY_PLAN["survey_title"]  # typed fields come back as a draft
    # the author cannot rewrite the reason: a posted value of a read-only field is dropped
    clean, errors = validate_submission(schema, {**SURVEY_PLAN, "return_reason": "forged"})
    assert not errors and "return_reason" not in clean


def test_each_survey_form_starts_empty_not_with_the_previous_respondents_answers():
    wf = start(SURVEY)
    run_survey_plan(wf, 0)
    for kind in ("citizen", "visitor"):
        task_id, data = ENTRY[kind]
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        first = submit(wf, SURVEY, task_id, data)
        assert first["comments"] == data["comments"]  # what the quality record keeps
        submit(wf, SURVEY, "Task_collect_survey_forms", {"next_form": kind})
        shown = prefill_values(load_form(SURVEY.tasks[task_id][1]), current_data(wf))
        assert shown["comments"] == "" and shown["neighbourhood"] == ""
        assert shown["questionnaire_number"] == ""
        assert ready_task_data(wf, task_id)["comments"] == ""
        submit(wf, SURVEY, task_id, {**data, "comments": "", "neighbourhood": "محله زند"})
        assert ready_task_ids(wf) == ["Task_collect_survey_forms"]
