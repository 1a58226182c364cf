"""processes/opinion_poll.bpmn (افکارسنجی) run in memory through engine.harness: every path
through its gateways, each task completed with data that first passes its form's validation;
what each form shows read-only of the earlier tasks. The answer task asks the plan's questions
(programmes/surveys/questionnaire.py makes that form; the database keeps its versions).
"""
from __future__ import annotations

import pytest

from formjs.forms import load_form, prefill_values, validate_submission
from engine.harness import complete_ready_task, ready_task_ids
from engine.spiff.workflow_tasks import completed_elements
from engine.spiff.workflows import current_data, ready_human_tasks
from people.roles import role_for_lane
from survey_processes_support import POLL, end_events, start, submit
from programmes.surveys.questionnaire import plan_questions, questionnaire_schema
from tests.survey_form_data import (POLL_ANSWER, POLL_APPROVE, POLL_FIELDWORK, POLL_FILING,
                                    POLL_PLAN, POLL_REPORT, POLL_RETURN, POLL_SUMMARY)


@pytest.mark.parametrize("returns, answers", [(0, 0), (1, 2), (2, 1)])
def test_opinion_poll_runs_every_path_to_its_end_event(returns, answers):
    wf = start(POLL)
    assert ready_task_ids(wf) == ["Task_prepare_poll_plan"]
    submit(wf, POLL, "Task_prepare_poll_plan", POLL_PLAN)
    for _ in range(returns):
        submit(wf, POLL, "Task_approve_poll_plan", POLL_RETURN)
        assert ready_task_ids(wf) == ["Task_prepare_poll_plan"]
        shown = prefill_values(load_form("poll_plan"), current_data(wf))
        assert shown["return_reason"] == POLL_RETURN["return_reason"]
        assert shown["poll_subject"] == POLL_PLAN["poll_subject"]
        submit(wf, POLL, "Task_prepare_poll_plan", {**POLL_PLAN, "sample_size": "300"})
    submit(wf, POLL, "Task_approve_poll_plan", POLL_APPROVE)
    assert ready_task_ids(wf) == ["Task_collect_poll_answers"]
    for _ in range(answers):
        submit(wf, POLL, "Task_collect_poll_answers", {"next_poll_step": "answer"})
        assert ready_task_ids(wf) == ["Task_enter_poll_answer"]
        # the subject is shown read-only; the previous respondent's typed answers are not
        questionnaire = questionnaire_schema(load_form("poll_answer"), plan_questions(current_data(wf)))
        shown = prefill_values(questionnaire, current_data(wf))
        assert shown["poll_subject"] == POLL_PLAN["poll_subject"]
        assert not shown.get("poll_answers") and not shown.get("neighbourhood")
        stored, errors = validate_submission(questionnaire, POLL_ANSWER)
        assert not errors
        complete_ready_task(wf, "Task_enter_poll_answer", stored)
        assert stored["poll_answers"] == POLL_ANSWER["poll_answers"] and "poll_subject" not in stored
        assert ready_task_ids(wf) == ["Task_collect_poll_answers"]
    submit(wf, POLL, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    assert ready_task_ids(wf) == ["Task_poll_fieldwork"]
    submit(wf, POLL, "Task_poll_fieldwork", POLL_FIELDWORK)
    submit(wf, POLL, "Task_prepare_poll_summary", POLL_SUMMARY)
    assert ready_task_ids(wf) == ["Task_poll_report"]
    assert role_for_lane(ready_human_tasks(wf)[0].lane) == "department_head"
    shown = prefill_values(load_form("poll_report"), current_data(wf))
    assert shown["recommendations"] == POLL_SUMMARY["recommendations"]
    assert shown["concerned_unit"] == POLL_PLAN["concerned_unit"]
    report = submit(wf, POLL, "Task_poll_report", POLL_REPORT)
    assert report["unit_action"] == POLL_REPORT["unit_action"]
    assert "findings" not in report  # read-only: shown to the unit, kept in F-05
    assert ready_task_ids(wf) == ["Task_file_poll_report"]
    submit(wf, POLL, "Task_file_poll_report", POLL_FILING)
    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert end_events(wf) == {"EndEvent_poll_filed": 1}
    done = completed_elements(wf)
    assert done["Task_prepare_poll_plan"] == done["Task_approve_poll_plan"] == returns + 1
    assert all(done[t] == 1 for t in ("Task_poll_fieldwork", "Task_prepare_poll_summary",
                                      "Task_poll_report", "Task_file_poll_report"))
    assert done["Task_collect_poll_answers"] == answers + 1
    assert done.get("Task_enter_poll_answer", 0) == answers
    assert wf.data["sample_size"] == (300 if returns else 250)
    assert wf.data["estimated_cost"] == 150_000_000
