"""A survey's corrective action goes to the unit the district mayor named, and a poll's report
to the unit concerned (candidateUnit), each only when that unit has someone to take it."""
import pytest

from app.demo import DEMO_PASSWORD
from models import Unit
from people.accounts import create_user, grant_role
from people.organisation import find_unit
from replay_support import deploy, do, ready_rows, start
from tests.survey_form_data import (MAYOR_ACTION, POLL_APPROVE, POLL_FIELDWORK, POLL_PLAN,
                                    POLL_SUMMARY, SURVEY_PLAN, PLAN_APPROVE)


@pytest.fixture
def traffic_member(db):
    member = create_user(db, "traffic_head_d1", DEMO_PASSWORD)
    grant_role(db, member, "department_head", None, unit=find_unit(db, "d1-traffic"))
    db.commit()


def unit_code(db, row) -> str | None:
    return db.get(Unit, row.unit_id).code if row.unit_id else None


def test_a_polls_report_goes_to_the_unit_concerned(app, db, traffic_member):
    deploy(app, "opinion_poll")
    poll = start(db, "opinion_poll")
    do(db, poll, "Task_prepare_poll_plan", POLL_PLAN)  # concerned: اداره حمل‌ونقل و ترافیک
    do(db, poll, "Task_approve_poll_plan", POLL_APPROVE)
    do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    do(db, poll, "Task_poll_fieldwork", POLL_FIELDWORK)
    do(db, poll, "Task_prepare_poll_summary", POLL_SUMMARY)
    [report] = ready_rows(db, poll, "Task_poll_report")
    assert unit_code(db, report) == "d1-traffic"


@pytest.mark.parametrize("unit, routed", [("اداره خدمات شهری", "d1-services"),
                                          ("اداره حمل‌ونقل و ترافیک", "d1-traffic"),
                                          ("اداره برق", None)])  # no such unit: the district's role
def test_a_surveys_corrective_action_goes_to_the_unit_the_mayor_named(app, db, traffic_member,
                                                                       unit, routed):
    deploy(app, "citizen_survey")
    survey = start(db, "citizen_survey")
    do(db, survey, "Task_plan_survey", SURVEY_PLAN)
    do(db, survey, "Task_review_survey_plan", PLAN_APPROVE)
    do(db, survey, "Task_collect_survey_forms", {"next_form": "finished"})
    do(db, survey, "Task_prepare_survey_summary", {
        "analysis": "رضایت از روشنایی پایین است.", "strengths": "فضای سبز",
        "improvement_areas": "روشنایی معابر", "suggestions": "ترمیم روشنایی", "fieldwork_notes": ""})
    do(db, survey, "Task_report_to_mayor", {**MAYOR_ACTION, "action_unit": unit})
    [action] = ready_rows(db, survey, "Task_corrective_action")
    assert unit_code(db, action) == routed
