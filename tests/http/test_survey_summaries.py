"""Citizen survey and opinion poll over HTTP through every gateway path, with the summary
tables (F-__-0-2-03, F-__-0-2-05) computed from the answers (paper and public link) and
shown with a chart; forged numbers are ignored; the poll report (F-__-0-2-06) reaches the
department head, whose record keeps the results and the unit's action; other districts and
roles are refused.

citizen_survey: Gateway_plan_decision approve/return; Gateway_next_form citizen/visitor/
finished; Gateway_corrective_action_needed yes/no.
opinion_poll: Gateway_poll_plan_decision approve/return; Gateway_next_poll_answer answer/finished.
"""
import pytest

from path_support import (deploy, drive, drive_api, end_events, finished, html_form, ready_task,
                          ready_task_data, records_of, refused, start_on_page)
from survey_support import (CITIZEN_FORM, CORRECTIVE_ACTION, FORGED, MAYOR_ACTION,
                            MAYOR_NO_ACTION, PLAN_APPROVE, PLAN_RETURN, POLL_ANSWER, POLL_APPROVE,
                            POLL_FIELDWORK, POLL_FILING, POLL_PLAN, POLL_QUESTIONS, POLL_REPORT, POLL_RETURN,
                            POLL_SUMMARY, PUBLIC_CITIZEN_FORM, PUBLIC_POLL_ANSWER,
                            PUBLIC_VISITOR_FORM, SURVEY_FOLLOWUP, SURVEY_PLAN, SURVEY_SUMMARY,
                            VISITOR_FORM, citizen, counts, create_public_links, personal_links,
                            question, records)

F01, F02, F03, F04, F05, F06 = (f"F-__-0-2-0{i}" for i in range(1, 7))


def _collect_survey(app, expert, instance_id, paper, public):
    """Enter paper forms through the loop and send public answers, then finish collecting."""
    create_public_links(expert, instance_id)
    for kind, answer in public:  # each respondent with a personal link of their own
        form = {"citizen": PUBLIC_CITIZEN_FORM, "visitor": PUBLIC_VISITOR_FORM}[kind]
        [link] = personal_links(expert, instance_id, f"{kind}_survey")
        assert citizen(app).post(link, data={**form, **answer}).status_code == 303
    for kind, answer in paper:
        drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": kind})
        task = f"Task_enter_{kind}_survey"
        drive(expert, instance_id, task, {**{"citizen": CITIZEN_FORM, "visitor": VISITOR_FORM}[kind],
                                          **answer})
    drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "finished"})


@pytest.mark.slow
def test_survey_returned_then_collected_on_paper_and_online_summarised_and_corrected(app, login):
    deploy(app, "citizen_survey")
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    mayor, unit = login("district_mayor_d1"), login("department_head_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_RETURN)
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    _collect_survey(app, expert, instance_id,
                    paper=[("citizen", {"overall_satisfaction": "4"}),
                           ("visitor", {"overall_satisfaction": "3"}),
                           ("citizen", {"overall_satisfaction": "2", "comments": ""})],
                    public=[("citizen", {"overall_satisfaction": "5"}),
                            ("visitor", {"overall_satisfaction": "1"})])

    # the summary task shows the computed numbers and a chart per question
    summary = ready_task(app, instance_id, "Task_prepare_survey_summary")
    page = expert.get(f"/tasks/{summary.id}").get_data(as_text=True)
    assert 'data-total="5" data-paper="3" data-public="2"' in page
    assert 'data-testid="summary-computed-note"' in page
    assert 'data-testid="summary-citizen_survey-overall_satisfaction"' in page
    assert 'data-mean="3.67"' in page and "۳٫۶۷" not in page and "۳.۶۷" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="survey-chart"' in page
    assert 'data-testid="chart-visitor_survey-overall_satisfaction"' in page
    assert "<script" not in page.split('data-testid="survey-summary"')[1].split("</section>")[0]
    assert 'name="respondents"' not in page and 'name="survey_results"' not in page

    # forged numbers beside the analysis are ignored: the record holds the computed table
    drive(expert, instance_id, "Task_prepare_survey_summary", {**SURVEY_SUMMARY, **FORGED})
    (f03,) = records(app, instance_id, F03)
    results = f03.data["survey_results"]
    assert f03.data["analysis"] == SURVEY_SUMMARY["analysis"] and "respondents" not in f03.data
    assert results["respondents"] == 5 and results["by_channel"] == {"paper": 3, "public": 2}
    citizen_overall = question(results, "citizen_survey", "overall_satisfaction")
    assert counts(citizen_overall)["2"] == (1, 0) and counts(citizen_overall)["5"] == (0, 1)
    assert citizen_overall["mean"] == 3.67 and citizen_overall["mean_by_channel"]["public"] == 5.0
    assert question(results, "visitor_survey", "overall_satisfaction")["mean"] == 2.0
    record_page = head.get(f"/records/{f03.id}").get_data(as_text=True)
    assert 'data-total="5" data-paper="3" data-public="2"' in record_page
    assert 'class="survey-chart"' in record_page and "&#34;respondents&#34;" not in record_page

    # the mayor sees the stored table beside the analysis, then orders a corrective action
    report = ready_task(app, instance_id, "Task_report_to_mayor")
    mayor_page = mayor.get(f"/tasks/{report.id}").get_data(as_text=True)
    assert 'data-total="5"' in mayor_page and 'class="survey-chart"' in mayor_page
    drive(mayor, instance_id, "Task_report_to_mayor", MAYOR_ACTION)
    drive(unit, instance_id, "Task_corrective_action", CORRECTIVE_ACTION)
    drive(expert, instance_id, "Task_follow_up_corrective_action", SURVEY_FOLLOWUP)

    done = finished(expert, instance_id)
    assert end_events(done) == {"EndEvent_corrective_action_followed": 1}
    assert done["Task_plan_survey"] == 2 and done["Task_collect_survey_forms"] == 4
    assert records_of(app, instance_id) == [F01, F01, F01, F02, F02, F03]
    # the instance page keeps showing the table stored at the summary
    assert 'data-total="5" data-paper="3" data-public="2"' in expert.get(
        f"/instances/{instance_id}").get_data(as_text=True)


def test_survey_approved_with_no_answers_closes_without_corrective_action(app, login):
    deploy(app, "citizen_survey")
    expert, head, mayor = login("pr_expert_d1"), login("pr_head_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    _collect_survey(app, expert, instance_id, paper=[], public=[])
    summary = ready_task(app, instance_id, "Task_prepare_survey_summary")
    assert 'data-total="0"' in expert.get(f"/tasks/{summary.id}").get_data(as_text=True)
    drive(expert, instance_id, "Task_prepare_survey_summary", SURVEY_SUMMARY)
    drive(mayor, instance_id, "Task_report_to_mayor", MAYOR_NO_ACTION)
    assert end_events(finished(expert, instance_id)) == {"EndEvent_survey_closed": 1}
    (f03,) = records(app, instance_id)
    assert f03.code == F03 and f03.data["survey_results"]["respondents"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("returns, paper_answers", [(1, 2), (0, 0)])
def test_poll_collects_summarises_and_reports_to_the_unit_concerned(app, login, returns,
                                                                     paper_answers):
    deploy(app, "opinion_poll")
    expert, mayor = login("pr_expert_d1"), login("district_mayor_d1")
    unit = login("department_head_d1")
    instance_id = start_on_page(expert, "opinion_poll", "d1")
    drive(expert, instance_id, "Task_prepare_poll_plan", POLL_PLAN)
    for _ in range(returns):
        drive(mayor, instance_id, "Task_approve_poll_plan", POLL_RETURN)
        drive(expert, instance_id, "Task_prepare_poll_plan", POLL_PLAN)
    drive(mayor, instance_id, "Task_approve_poll_plan", POLL_APPROVE)
    link = create_public_links(expert, instance_id)["poll_answer"]
    assert citizen(app).post(link, data=html_form({**PUBLIC_POLL_ANSWER, "poll_answers": {
        "q1": "o2", "q2": "3", "q3": ""}})).status_code == 303
    for _ in range(paper_answers):
        drive(expert, instance_id, "Task_collect_poll_answers", {"next_poll_step": "answer"})
        answer_task = ready_task(app, instance_id, "Task_enter_poll_answer")
        paper = expert.get(f"/tasks/{answer_task.id}").get_data(as_text=True)
        assert POLL_PLAN["poll_subject"] in paper  # and the plan's own questions, on paper too
        assert all(q["question"] in paper for q in POLL_QUESTIONS)
        assert 'name="poll_answers.q1"' in paper and 'name="support_plan"' not in paper
        refused_answer = expert.post(f"/tasks/{answer_task.id}", data=html_form(
            {**POLL_ANSWER, "poll_answers": {"q1": "o7", "q2": "4"}}))
        assert refused_answer.status_code == 400
        drive(expert, instance_id, "Task_enter_poll_answer", POLL_ANSWER)
    drive(expert, instance_id, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    assert citizen(app).get(link).status_code == 404
    drive(expert, instance_id, "Task_poll_fieldwork", POLL_FIELDWORK)

    summary = ready_task(app, instance_id, "Task_prepare_poll_summary")
    page = expert.get(f"/tasks/{summary.id}").get_data(as_text=True)
    total = paper_answers + 1
    assert f'data-total="{total}" data-paper="{paper_answers}" data-public="1"' in page
    assert 'data-testid="chart-poll_answer-poll_answers.q1"' in page  # per question of the plan
    assert all(q["question"] in page for q in POLL_QUESTIONS)
    assert f'data-kind="text" data-answered="{paper_answers}"' in page
    assert 'data-testid="questionnaire-version" data-version="1"' in page
    drive(expert, instance_id, "Task_prepare_poll_summary", {**POLL_SUMMARY, **FORGED})
    (f05,) = records(app, instance_id, F05)
    results = f05.data["poll_results"]
    assert results["respondents"] == total
    assert counts(question(results, "poll_answer", "poll_answers.q1")) == {
        "o1": (paper_answers, 0), "o2": (0, 1), "o3": (0, 0)}
    assert question(results, "poll_answer", "poll_answers.q2")["mean"] == round(
        (4 * paper_answers + 3) / total, 2)
    written = question(results, "poll_answer", "poll_answers.q3")
    assert (written["kind"], written["answered"]) == ("text", paper_answers)

    # F-06 goes to the department head of the district, who sees the results and acts
    report = ready_task(app, instance_id, "Task_poll_report")
    assert report.role == "department_head"
    unit_page = unit.get(f"/tasks/{report.id}").get_data(as_text=True)
    assert POLL_PLAN["concerned_unit"] in unit_page and f'data-total="{total}"' in unit_page
    refused(expert, report.id, POLL_REPORT)
    refused(login("department_head_d2"), report.id, POLL_REPORT)
    drive(unit, instance_id, "Task_poll_report", {**POLL_REPORT, **FORGED})
    (f06,) = records(app, instance_id, F06)
    assert f06.created_by_id is not None and f06.data["unit_action"] == POLL_REPORT["unit_action"]
    assert f06.data["concerned_unit"] == POLL_PLAN["concerned_unit"]
    assert f06.data["findings"] == POLL_SUMMARY["findings"] and f06.data["poll_results"] == results
    assert ready_task_data(app, ready_task(app, instance_id, "Task_file_poll_report").id)[
        "unit_action"] == POLL_REPORT["unit_action"]
    drive(expert, instance_id, "Task_file_poll_report", POLL_FILING)

    done = finished(expert, instance_id)
    assert end_events(done) == {"EndEvent_poll_filed": 1}
    assert done["Task_collect_poll_answers"] == paper_answers + 1
    assert done.get("Task_enter_poll_answer", 0) == paper_answers
    assert records_of(app, instance_id) == [F04] * (returns + 1) + [F05, F06]


def test_other_districts_and_roles_cannot_act_on_the_summary_or_collection(app, login):
    deploy(app, "citizen_survey")
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    collect = ready_task(app, instance_id, "Task_collect_survey_forms")
    refused(login("pr_expert_d2"), collect.id, {"next_form": "finished"})
    drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "finished"})
    summary = ready_task(app, instance_id, "Task_prepare_survey_summary")
    for username in ("pr_expert_d2", "district_mayor_d1"):
        refused(login(username), summary.id, SURVEY_SUMMARY)
    assert login("pr_expert_d2").get(f"/instances/{instance_id}").status_code == 403


def test_summary_completed_through_the_api_also_stores_the_computed_table(app, login, api):
    deploy(app, "opinion_poll")
    expert, mayor = login("pr_expert_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "opinion_poll", "d1")
    drive(expert, instance_id, "Task_prepare_poll_plan", POLL_PLAN)
    drive(mayor, instance_id, "Task_approve_poll_plan", POLL_APPROVE)
    link = create_public_links(expert, instance_id)["poll_answer"]
    assert citizen(app).post(link, data=html_form(PUBLIC_POLL_ANSWER)).status_code == 303
    client = api("pr_expert_d1")
    drive_api(client, instance_id, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    drive_api(client, instance_id, "Task_poll_fieldwork", POLL_FIELDWORK)
    forged = {"respondents": 999, "by_channel": {"paper": 999, "public": 0}, "forms": []}
    drive_api(client, instance_id, "Task_prepare_poll_summary",
              {**POLL_SUMMARY, "poll_results": forged})
    (f05,) = records(app, instance_id, F05)
    assert f05.data["poll_results"]["respondents"] == 1
    assert f05.data["poll_results"]["by_channel"] == {"paper": 0, "public": 1}
