"""processes/citizen_message_137.bpmn (چرخه پیام شهروندان ۱۳۷) over HTTP, every branch, as
staff work it on the task pages (and one whole path through the JSON API):

  answered on the spot -> archived;  referred, replied in time, citizen satisfied -> archived;
  not satisfied -> the special follow-up unit confirms -> closed;  not confirmed -> back to
  the executive unit -> second round -> satisfied;  no reply -> the deputy after 72 hours ->
  the manager and the inspection office after 24 more -> the reply withdraws them;
  a determination with a planned date -> the work confirmed done on the follow-up task ->
  feedback;  the citizen unreachable -> called again after the retry hours -> closed as
  unreachable after the last attempt.

At each end: the instance is completed and its archive classification is in its data (read
through GET /api/v1/instances/<id>). The calendar and the deadlines: message_137_support.py.
"""
import pytest
from path_support import (
    drive,
    drive_api,
    end_events,
    finished,
    finished_api,
    fire_timers_when_due,
    ready_specs,
    ready_task,
    refused,
    start_api,
    start_on_page,
    task_row,
    waiting_timers,
)

from models import clock

from message_137_support import (
    ACTORS,
    DEPUTY_DUE,
    INTAKE,
    KEY,
    MANAGER_DUE,
    REFERRED,
    deploy_messages,
)


ANSWERED = {**INTAKE, "outcome": "answered", "on_spot_answer": "ساعت کاری اداره اعلام شد."}
REPLY = {"reply_text": "لامپ تعویض شد."}
SATISFIED = {"satisfied": "yes"}
NOT_SATISFIED = {"satisfied": "no", "feedback_note": "چراغ هنوز خاموش است."}
CONFIRMED = {"answer_confirmed": "yes", "investigation_findings": "بازدید شد؛ چراغ روشن است."}
NOT_CONFIRMED = {"answer_confirmed": "no", "investigation_findings": "بازدید شد؛ تعمیر نشده."}
ESCALATION = {"escalation_note": "با رئیس اداره تماس گرفتم و پیگیری شد."}
ESCALATIONS = ("Task_deputy_followup", "Task_manager_followup", "Task_inspection_followup")


@pytest.fixture
def messages(app):
    return deploy_messages(app)


@pytest.fixture
def staff(login):
    """A logged-in browser per task of a district-1 message (made once per user)."""
    browsers = {}

    def as_actor(task_spec):
        username = ACTORS[task_spec]
        if username not in browsers:
            browsers[username] = login(username)
        return browsers[username]
    return as_actor


def step(staff, instance_id, task_spec, data):
    return drive(staff(task_spec), instance_id, task_spec, data)


def referred_on_page(staff, category="service"):
    """A message started on the staff page and referred by the operator at REFERRED."""
    clock.set_now(REFERRED)
    instance_id = start_on_page(staff("Task_register_message"), KEY, "d1")
    step(staff, instance_id, "Task_register_message", {**INTAKE, "category": category})
    assert ready_specs(staff("Task_register_message").client.application, instance_id) \
        == ["Task_executive_reply"]
    return instance_id


def archived(api, staff, instance_id) -> dict:
    """The message is closed: completed on its page and in the API, the archive script ran
    and the end event was reached; its archive classification (as the API shows it)."""
    done = finished(staff("Task_register_message"), instance_id)
    assert end_events(done)["EndEvent_message_closed"] == 1
    assert done.get("Script_archive") == 1
    body = finished_api(api("intake_operator_d1"), instance_id)
    assert body["data"]["closed_at"] and body["data"]["tracking_code"]
    return body["data"]["classification"]


def test_a_message_answered_on_the_spot_is_archived_without_referral(app, messages, staff, api):
    instance_id = start_on_page(staff("Task_register_message"), KEY, "d1")
    step(staff, instance_id, "Task_register_message", ANSWERED)
    assert archived(api, staff, instance_id) == {
        "category": "service", "channel": "phone", "closure": "answered_on_spot",
        "referral_rounds": 0}
    done = finished(staff("Task_register_message"), instance_id)
    assert end_events(done) == {"EndEvent_message_closed": 1}
    assert "Task_executive_reply" not in done and "Task_feedback_call" not in done


def test_a_reply_in_time_and_a_satisfied_citizen_archive_the_message(app, messages, staff, api):
    instance_id = referred_on_page(staff, "technical")
    step(staff, instance_id, "Task_executive_reply", REPLY)
    assert waiting_timers(app, instance_id) == []  # the reply stopped the 72-hour watch
    step(staff, instance_id, "Task_feedback_call", SATISFIED)
    assert archived(api, staff, instance_id) == {
        "category": "technical", "channel": "phone", "closure": "citizen_satisfied",
        "referral_rounds": 1}
    done = finished(staff("Task_register_message"), instance_id)
    assert not any(task in done for task in ESCALATIONS + ("Task_field_investigation",))


def test_the_whole_satisfied_path_works_through_the_json_api(app, messages, api):
    operator, head, feedback = (api("intake_operator_d1"), api("department_head_d1"),
                                api("feedback_unit_d1"))
    instance_id = start_api(operator, KEY, "d1")["id"]
    answer = drive_api(operator, instance_id, "Task_register_message", INTAKE)
    [reply_task] = answer["instance"]["open_tasks"]
    assert (reply_task["task"], reply_task["role"]) == ("Task_executive_reply", "department_head")
    assert reply_task["due_at"] is not None
    drive_api(head, instance_id, "Task_executive_reply", REPLY)
    drive_api(feedback, instance_id, "Task_feedback_call", SATISFIED)
    body = finished_api(head, instance_id)
    assert body["data"]["classification"] == {"category": "service", "channel": "phone",
                                              "closure": "citizen_satisfied",
                                              "referral_rounds": 1}
    assert body["data"]["reply_text"] == REPLY["reply_text"]


def test_an_unsatisfied_citizen_goes_to_the_special_followup_which_confirms_and_closes(
        app, messages, staff, api):
    instance_id = referred_on_page(staff)
    step(staff, instance_id, "Task_executive_reply", REPLY)
    step(staff, instance_id, "Task_feedback_call", NOT_SATISFIED)
    check = ready_task(app, instance_id, "Task_field_investigation")
    assert check.role == "followup_unit"
    step(staff, instance_id, "Task_field_investigation", CONFIRMED)
    assert archived(api, staff, instance_id) == {
        "category": "service", "channel": "phone", "closure": "confirmed_by_followup",
        "referral_rounds": 1}


def test_an_unconfirmed_answer_goes_back_to_the_executive_unit_for_a_second_round(
        app, messages, staff, api, login):
    instance_id = referred_on_page(staff)
    step(staff, instance_id, "Task_executive_reply", REPLY)
    step(staff, instance_id, "Task_feedback_call", NOT_SATISFIED)
    step(staff, instance_id, "Task_field_investigation", NOT_CONFIRMED)
    again = ready_task(app, instance_id, "Task_executive_reply")
    assert ready_specs(app, instance_id) == ["Task_executive_reply"]
    assert again.due_at is not None
    # the head of the same unit in district 2 can neither open nor answer it
    refused(login("department_head_d2"), again.id, {"reply_text": "پاسخ منطقه ۲"})
    step(staff, instance_id, "Task_executive_reply", {"reply_text": "پاسخ دور دوم: تعمیر شد."})
    step(staff, instance_id, "Task_feedback_call", SATISFIED)
    assert archived(api, staff, instance_id) == {
        "category": "service", "channel": "phone", "closure": "citizen_satisfied",
        "referral_rounds": 2}
    done = finished(staff("Task_register_message"), instance_id)
    assert (done["Task_executive_reply"], done["Task_feedback_call"]) == (2, 2)
    assert done["Task_field_investigation"] == 1
    assert end_events(done) == {"EndEvent_reply_received": 2, "EndEvent_message_closed": 1}
    data = api("department_head_d1").get(f"/api/v1/instances/{instance_id}").get_json()["data"]
    assert data["reply_text"] == "پاسخ دور دوم: تعمیر شد."


def test_no_reply_escalates_to_deputy_then_manager_and_inspection_until_the_reply_stops_it(
        app, messages, staff, api, login):
    instance_id = referred_on_page(staff, "urban_planning")
    assert waiting_timers(app, instance_id) == [("Timer_no_reply_72h", DEPUTY_DUE)]

    # 72 hours without a reply: the district's deputy is asked to follow it up
    assert fire_timers_when_due(app, instance_id) == ["Timer_no_reply_72h"]
    assert ready_specs(app, instance_id) == ["Task_deputy_followup", "Task_executive_reply"]
    assert waiting_timers(app, instance_id) == [("Timer_no_reply_96h", MANAGER_DUE)]
    deputy_task = ready_task(app, instance_id, "Task_deputy_followup")
    refused(login("deputy_d2"), deputy_task.id, ESCALATION)
    step(staff, instance_id, "Task_deputy_followup", ESCALATION)

    # 24 hours more: the manager and the city-wide inspection office as well
    assert fire_timers_when_due(app, instance_id) == ["Timer_no_reply_96h"]
    assert ready_specs(app, instance_id) == ["Task_executive_reply", "Task_inspection_followup",
                                             "Task_manager_followup"]
    manager_task = ready_task(app, instance_id, "Task_manager_followup")
    inspection_task = ready_task(app, instance_id, "Task_inspection_followup")
    manager, inspection = staff("Task_manager_followup"), staff("Task_inspection_followup")
    assert f'href="/tasks/{manager_task.id}"' in manager.get("/").get_data(as_text=True)
    assert f'href="/tasks/{inspection_task.id}"' in inspection.get("/").get_data(as_text=True)
    refused(login("manager_d2"), manager_task.id, ESCALATION)

    # the executive unit finally replies: the open escalation tasks are withdrawn
    clock.set_now(MANAGER_DUE)
    step(staff, instance_id, "Task_executive_reply", REPLY)
    assert ready_specs(app, instance_id) == ["Task_feedback_call"]
    assert (task_row(app, manager_task.id).status, task_row(app, inspection_task.id).status) \
        == ("cancelled", "cancelled")
    assert f'href="/tasks/{manager_task.id}"' not in manager.get("/").get_data(as_text=True)
    assert f'href="/tasks/{inspection_task.id}"' not in inspection.get("/").get_data(as_text=True)
    # a late post on the withdrawn task is turned away and changes nothing
    assert manager.post(f"/tasks/{manager_task.id}", data=ESCALATION).status_code == 409
    assert task_row(app, manager_task.id).status == "cancelled"
    assert waiting_timers(app, instance_id) == []

    step(staff, instance_id, "Task_feedback_call", SATISFIED)
    assert archived(api, staff, instance_id) == {
        "category": "urban_planning", "channel": "phone", "closure": "citizen_satisfied",
        "referral_rounds": 1}
    done = finished(staff("Task_register_message"), instance_id)
    assert done["Task_deputy_followup"] == 1
    assert "Task_manager_followup" not in done and "Task_inspection_followup" not in done


def test_a_determination_keeps_the_message_open_until_the_work_is_confirmed_done(
        app, messages, staff, api, login):
    from datetime import timedelta
    instance_id = referred_on_page(staff, "technical")
    head = staff("Task_executive_reply")
    reply_task = ready_task(app, instance_id, "Task_executive_reply")
    page = head.get(f"/tasks/{reply_task.id}").get_data(as_text=True)
    assert "تعیین تکلیف: کار در تاریخ تعیین‌شده انجام می‌شود" in page and "تاریخ انجام" in page
    # A planned date in the past, or none, is refused in Persian and changes nothing.
    for date in ("1405/09/01", ""):
        bad = head.post(f"/tasks/{reply_task.id}", data={
            "reply_kind": "scheduled", "reply_text": "بررسی شد.", "planned_work": "آسفالت", "planned_date": date})
        assert bad.status_code == 400
        assert task_row(app, reply_task.id).status == "ready"
    step(staff, instance_id, "Task_executive_reply", {
        "reply_kind": "scheduled", "reply_text": "بررسی شد.", "planned_work": "آسفالت کوچه",
        "planned_date": "۱۴۰۵/۰۹/۲۹"})
    assert ready_specs(app, instance_id) == ["Task_confirm_planned_work"]
    follow_up = ready_task(app, instance_id, "Task_confirm_planned_work")
    shown = head.get(f"/tasks/{follow_up.id}").get_data(as_text=True)
    assert "آسفالت کوچه" in shown and "۱۴۰۵/۰۹/۲۹" in shown
    assert waiting_timers(app, instance_id)[0][0] == "Timer_planned_date_passed"
    clock.set_now(REFERRED + timedelta(days=6))
    drive(head, instance_id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "آسفالت شد."})
    step(staff, instance_id, "Task_feedback_call", SATISFIED)
    assert archived(api, staff, instance_id)["closure"] == "citizen_satisfied"


def test_an_unreachable_citizen_is_called_again_then_the_message_closes_as_unreachable(
        app, messages, staff, api):
    instance_id = referred_on_page(staff)
    step(staff, instance_id, "Task_executive_reply", REPLY)
    call = ready_task(app, instance_id, "Task_feedback_call")
    page = staff("Task_feedback_call").get(f"/tasks/{call.id}").get_data(as_text=True)
    assert "شهروند در دسترس نبود؛ تماس دوباره" in page
    for attempt in range(3):
        step(staff, instance_id, "Task_feedback_call", {"satisfied": "unreachable"})
        if attempt < 2:
            assert ready_specs(app, instance_id) == []
            assert fire_timers_when_due(app, instance_id) == ["Timer_call_retry"]
    assert archived(api, staff, instance_id)["closure"] == "citizen_unreachable"
