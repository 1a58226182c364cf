"""Issue 17: a complaint about staff stays with inspection from examination to announcement and is
read only by inspection (the district's complaints expert, central inspection) and the auditor,
plus whoever may act on one of its open tasks (the district mayor's overdue follow-up): not by
PR, department heads, the mayor's office or central PR. A service complaint is unaffected."""
import io

import pytest

from http_support import (ANNOUNCEMENT, EXAMINATION, REGISTER_EMPLOYEE, REGISTER_SERVICE,
                          REVIEW_APPROVE)
from path_support import (drive, fire_timers_when_due, instance_row, ready_task, records_of,
                          start_on_page)
from portal_support import PNG_1PX, deploy_citizen_processes, file_on_portal, instance_of
from sqlalchemy import select

from models import Attachment, QualityRecord

OUTSIDERS = ("pr_expert_d1", "pr_head_d1", "department_head_d1", "mayor_office_head_d1",
             "central_pr", "complaints_expert_d2")
INSPECTION = ("complaints_expert_d1", "central_inspection", "auditor")


def registered(login, kind_data) -> int:
    """A complaint started and registered by the district's PR expert; its instance id."""
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", kind_data)
    return instance_id


def record_id_of(app, instance_id) -> int:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalars(select(QualityRecord.id).where(
            QualityRecord.instance_id == instance_id)).one()
    finally:
        session.close()


def attachment_ids(app, instance_id) -> list[int]:
    session = app.extensions["db_sessions"]()
    try:
        return list(session.scalars(select(Attachment.id).where(
            Attachment.instance_id == instance_id)))
    finally:
        session.close()


def listed(browser, path, instance_id) -> bool:
    page = browser.get(path)
    assert page.status_code == 200
    return f'href="/instances/{instance_id}"' in page.get_data(as_text=True)


def sees(browser, instance_id, record_id) -> dict:
    """What of the case the user reaches: page, list, record (list and page), dossier, replay."""
    return {
        "page": browser.get(f"/instances/{instance_id}").status_code,
        "listed": listed(browser, "/instances", instance_id),
        "records": f'href="/records/{record_id}"' in browser.get("/records").get_data(as_text=True),
        "record": browser.get(f"/records/{record_id}").status_code,
        "dossier": browser.get(f"/audit/instances/{instance_id}/dossier.json").status_code,
        "replay": browser.get(f"/audit/instances/{instance_id}/replay").status_code,
    }


HIDDEN = {"page": 403, "listed": False, "records": False, "record": 404, "dossier": 403,
          "replay": 403}
SEEN = {"page": 200, "listed": True, "records": True, "record": 200, "dossier": 200,
        "replay": 200}


def test_a_staff_complaint_is_seen_only_by_inspection_and_the_auditor(app, complaints, login, api):
    instance_id = registered(login, REGISTER_EMPLOYEE)
    assert instance_row(app, instance_id).confidential
    assert records_of(app, instance_id) == ["F-__-0-5-01"]
    record_id = record_id_of(app, instance_id)
    for username in OUTSIDERS:
        assert sees(login(username), instance_id, record_id) == HIDDEN, username
        assert api(username).get(f"/api/v1/instances/{instance_id}").status_code == 403, username
    for username in INSPECTION:
        assert sees(login(username), instance_id, record_id) == SEEN, username
    # Nor among the running instances.
    page = login("pr_head_d1").get(f"/instances?status=running").get_data(as_text=True)
    assert f"/instances/{instance_id}\"" not in page


def test_its_review_and_announcement_go_to_the_complaints_expert_not_to_pr(app, complaints, login):
    instance_id = registered(login, REGISTER_EMPLOYEE)
    examiner, head, expert = (login("complaints_expert_d1"), login("pr_head_d1"),
                              login("pr_expert_d1"))
    drive(examiner, instance_id, "Task_examine_employee_complaint", EXAMINATION)
    for bpmn_id, data in (("Task_review_answer", REVIEW_APPROVE),
                          ("Task_announce_result", ANNOUNCEMENT)):
        task = ready_task(app, instance_id, bpmn_id)
        assert task.role == "complaints_expert"
        for outsider in (head, expert):
            assert f'href="/tasks/{task.id}"' not in outsider.get("/").get_data(as_text=True)
            assert outsider.get(f"/tasks/{task.id}").status_code == 403
        drive(examiner, instance_id, bpmn_id, data)
    assert instance_row(app, instance_id).status == "completed"
    # Its answer letter: PR may neither number it nor read it; inspection may.
    path = f"/letters/instances/{instance_id}/complaint_answer"
    assert head.post(path).status_code == 403
    issued = examiner.post(path)
    assert issued.status_code == 303
    letter = issued.headers["Location"]
    assert examiner.get(letter).status_code == 200
    assert head.get(letter).status_code == 403 and expert.get(letter).status_code == 403
    record_id = record_id_of(app, instance_id)
    assert head.post(f"/letters/records/{record_id}").status_code in (403, 404)


def test_the_district_mayor_sees_it_while_the_overdue_follow_up_is_theirs(app, complaints, login):
    instance_id = registered(login, REGISTER_EMPLOYEE)
    mayor = login("district_mayor_d1")
    assert mayor.get(f"/instances/{instance_id}").status_code == 403
    fire_timers_when_due(app, instance_id)
    assert ready_task(app, instance_id, "Task_followup_overdue").role == "district_mayor"
    assert mayor.get(f"/instances/{instance_id}").status_code == 200
    assert listed(mayor, "/instances", instance_id)
    drive(mayor, instance_id, "Task_followup_overdue",
          {"order_unit": "d1-services", "order_days": "2", "overdue_note": "",
           "overdue_action": "اداره خدمات شهری رسیدگی و گزارش کند."})
    assert mayor.get(f"/instances/{instance_id}").status_code == 403
    assert not listed(mayor, "/instances", instance_id)


def test_the_unit_the_mayor_orders_sees_it_only_while_the_order_is_theirs(app, complaints, login):
    instance_id = registered(login, REGISTER_EMPLOYEE)
    unit_head, other_head = login("department_head_d1"), login("department_head_d2")
    fire_timers_when_due(app, instance_id)
    assert unit_head.get(f"/instances/{instance_id}").status_code == 403
    drive(login("district_mayor_d1"), instance_id, "Task_followup_overdue",
          {"order_unit": "d1-services", "order_days": "2", "overdue_note": "",
           "overdue_action": "اداره خدمات شهری رسیدگی و گزارش کند."})
    order = ready_task(app, instance_id, "Task_carry_out_order")
    assert order.role == "department_head"
    assert unit_head.get(f"/instances/{instance_id}").status_code == 200
    assert other_head.get(f"/instances/{instance_id}").status_code == 403
    assert login("pr_head_d1").get(f"/instances/{instance_id}").status_code == 403
    drive(unit_head, instance_id, "Task_carry_out_order",
          {"order_action_taken": "رسیدگی شد.", "order_result": "done", "order_note": ""})
    assert unit_head.get(f"/instances/{instance_id}").status_code == 403


def test_the_register_of_a_staff_complaint_leads_pr_back_to_the_inbox(app, complaints, login):
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    task = ready_task(app, instance_id, "Task_register_complaint")
    # Before it is registered, PR holds its open task and sees the case.
    assert expert.get(f"/instances/{instance_id}").status_code == 200
    done = expert.post(f"/tasks/{task.id}", data=REGISTER_EMPLOYEE)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert expert.get(f"/instances/{instance_id}").status_code == 403


def test_a_complaint_about_staff_filed_on_the_portal_is_confidential_from_the_start(app, login):
    deploy_citizen_processes(app)
    code, _key = file_on_portal(app.test_client(), service_code="complaint_employee",
                                description="کارمند باجه با مراجعان بدرفتاری کرد.",
                                photo=(io.BytesIO(PNG_1PX), "desk.png"))
    instance = instance_of(app, code)
    assert instance.confidential
    [photo] = attachment_ids(app, instance.id)
    for username in ("pr_head_d1", "department_head_d1", "mayor_office_head_d1", "central_pr"):
        assert login(username).get(f"/instances/{instance.id}").status_code == 403, username
        assert not listed(login(username), "/instances", instance.id), username
        assert login(username).get(f"/attachments/{photo}").status_code == 403, username
    assert login("complaints_expert_d1").get(f"/attachments/{photo}").status_code == 200
    # Nor does the public Open311 list show it (a service request filed beside it is there).
    other, _key = file_on_portal(app.test_client())
    listed_codes = [r["service_request_id"] for r in
                    app.test_client().get("/open311/v2/requests.json").get_json()]
    assert other in listed_codes and code not in listed_codes
    # The tracking code looks it up as if there were none.
    lookup = login("pr_head_d1").get(f"/instances?code={code}")
    assert lookup.status_code == 404
    assert login("central_inspection").get(f"/instances/{instance.id}").status_code == 200


def test_a_service_complaint_stays_open_to_pr_and_the_district(app, complaints, login):
    instance_id = registered(login, REGISTER_SERVICE)
    assert not instance_row(app, instance_id).confidential
    record_id = record_id_of(app, instance_id)
    for username in ("pr_expert_d1", "pr_head_d1", "department_head_d1", "central_pr",
                     "complaints_expert_d1", "auditor"):
        assert sees(login(username), instance_id, record_id) == SEEN, username
    drive(login("pr_expert_d1"), instance_id, "Task_examine_service_complaint", EXAMINATION)
    assert ready_task(app, instance_id, "Task_review_answer").role == "pr_head"
    drive(login("pr_head_d1"), instance_id, "Task_review_answer", REVIEW_APPROVE)
    assert ready_task(app, instance_id, "Task_announce_result").role == "pr_expert"


@pytest.mark.parametrize("role_code, expected", [("complaints_expert", "complaints_expert"),
                                                 ("no_such_role", "pr_head"),
                                                 ("auditor", "pr_head")])
def test_candidate_role_replaces_the_lane_only_with_a_known_role_that_may_act(
        app, complaints, login, role_code, expected):
    from engine.runtime.steps import task_role
    from engine.spiff.workflows import ReadyHumanTask
    session = app.extensions["db_sessions"]()
    try:
        task = ReadyHumanTask("x", "Task_review_answer", "بازبینی", "Lane_pr_head", None,
                              role=role_code)
        assert task_role(session, task, {"Lane_pr_head": "pr_head"}) == expected
    finally:
        session.close()
