"""processes/public_meetings.bpmn (دیدارهای مردمی) over HTTP: both venues, the mayor's orders
followed up as parallel multi-instance items (one "not done yet → back to the unit" round),
a meeting without orders, with the records produced (request F-__-0-2-07, applicants' register
F-18, office meeting list F-08 or mosque list F-09), and the refusal of everybody else.

Gateway_meeting_venue:  office → the office head's list; mosque → the PR expert's mosque list.
Gateway_order_done:     done → the order is recorded done; not_done → back to the unit.
"""
import pytest

from path_support import (deploy, drive, drive_api, end_events, finished, finished_api,
                          instance_row, page_text_of, ready_specs, ready_task, ready_task_data,
                          ready_tasks, record_authors, records_of, refused, start_api,
                          start_on_page)

REQUEST = {"applicant_name": "مریم رضایی", "phone": "۰۹۱۲۳۴۵۶۷۸۹", "national_id": "",
           "subject": "مشکل آب‌گرفتگی کوچه",
           "description": "پس از هر بارندگی کوچه آب‌گرفته می‌شود.", "preferred_date": "۱۴۰۴/۰۷/۱۵"}
APPLICANT = {"register_number": "۱۲۷", "registered_on": "1404/07/08",
             "applicant_name": "مریم رضایی", "phone": "09123456789",
             "subject": "مشکل آب‌گرفتگی کوچه", "request_kind": "meeting", "register_note": ""}


def schedule(venue):
    return {"venue": venue, "meeting_date": "۱۴۰۴/۰۷/۲۲", "meeting_time": "19:30",
            "mosque_name": "مسجد جامع عتیق" if venue == "mosque" else "",
            "applicant_informed": True, "schedule_note": ""}


ROWS = [  # three of the four rows carry an order of the mayor
    {"applicant_name": "مریم رضایی", "phone": "09123456789", "subject": "آب‌گرفتگی کوچه",
     "mayor_order": "لایروبی جوی کوچه تا پایان هفته", "unit": "اداره خدمات شهری"},
    {"applicant_name": "علی محمدی", "phone": "", "subject": "روشنایی پارک محله",
     "mayor_order": "نصب چراغ‌های پارک", "unit": "اداره برق و روشنایی"},
    {"applicant_name": "حسن کریمی", "phone": "07132222222", "subject": "قدردانی از پاکبانان",
     "mayor_order": "", "unit": ""},
    {"applicant_name": "زهرا احمدی", "phone": "", "subject": "مجوز ساخت",
     "mayor_order": "بررسی پرونده در کمیسیون ماده ۱۰۰", "unit": "اداره شهرسازی"},
]
OFFICE_LIST = {"meeting_date": "1404/07/22", "requests": ROWS}
MOSQUE_LIST = {"mosque_name": "مسجد جامع عتیق", "board_rep_name": "حاج محمد صادقی",
               "board_rep_phone": "۰۹۱۷۱۱۱۲۲۳۳", "meeting_date": "۱۴۰۴/۰۷/۲۲", "requests": ROWS[:1]}
OUTCOME = {"outcome_summary": "دستورات شهردار انجام شد.", "notified_parties": ["citizen"],
           "notice_channel": "sms", "notified_on": "۱۴۰۴/۰۸/۱۰", "notice_note": ""}


def followup(action, status="done", expected=""):
    return {"action_taken": action, "followup_status": status, "expected_date": expected}


def check(result, note=""):
    return {"check_result": result, "check_note": note}


F07, F08, F09, F18 = "F-__-0-2-07", "F-__-0-2-08", "F-__-0-2-09", "F-__-0-2-18"
LIST_TASK = {"office": "Task_office_meeting_list", "mosque": "Task_mosque_meeting_list"}


@pytest.fixture
def meetings(app):
    return deploy(app, "public_meetings")


def orders_ready(app, instance_id, bpmn_id) -> dict[int, int]:
    """{order number: task id} of the ready items of the follow-up sub-process (read from the
    engine's task; the task page and GET /api/v1/tasks/<id> show it too)."""
    found = {}
    for task in ready_tasks(app, instance_id, bpmn_id):
        found[ready_task_data(app, task.id)["order"]["number"]] = task.id
    return found


def to_the_meeting(office_head, instance_id, venue):
    drive(office_head, instance_id, "Task_register_request", REQUEST)
    drive(office_head, instance_id, "Task_register_applicant", APPLICANT)
    drive(office_head, instance_id, "Task_schedule_meeting", schedule(venue))


@pytest.mark.slow
def test_office_meeting_orders_are_followed_up_one_goes_back_to_its_unit_then_all_are_done(
        app, meetings, login):
    office_head, unit_head, expert = (login("mayor_office_head_d1"), login("department_head_d1"),
                                      login("pr_expert_d1"))
    instance_id = start_on_page(office_head, "public_meetings", "d1")
    to_the_meeting(office_head, instance_id, "office")
    assert ready_specs(app, instance_id) == ["Task_office_meeting_list"]
    drive(office_head, instance_id, "Task_office_meeting_list", OFFICE_LIST)

    # one item per order of the mayor, all at once, in the department heads' inbox
    units = orders_ready(app, instance_id, "Task_order_followup")
    assert sorted(units) == [1, 2, 3]
    assert ready_specs(app, instance_id) == ["Task_order_followup"] * 3
    inbox = page_text_of(unit_head, "/")
    assert all(f'href="/tasks/{task_id}"' in inbox for task_id in units.values())
    assert [ready_task_data(app, units[n])["order"]["mayor_order"] for n in (1, 2, 3)] == [
        ROWS[0]["mayor_order"], ROWS[1]["mayor_order"], ROWS[3]["mayor_order"]]

    drive(unit_head, instance_id, "Task_order_followup", followup("جوی لایروبی شد"), units[1])
    drive(unit_head, instance_id, "Task_order_followup",
          followup("سفارش خرید چراغ ثبت شد", "in_progress", "۱۴۰۴/۰۸/۰۱"), units[2])
    checks = orders_ready(app, instance_id, "Task_check_order")
    assert sorted(checks) == [1, 2]
    drive(expert, instance_id, "Task_check_order", check("done", "با شهروند تماس گرفته شد"), checks[1])
    # order 2 is not done yet: back to the unit, with the PR expert's note and its own answer
    drive(expert, instance_id, "Task_check_order", check("not_done", "چراغ‌ها نصب نشده‌اند"), checks[2])
    units = orders_ready(app, instance_id, "Task_order_followup")
    assert sorted(units) == [2, 3]
    second = ready_task_data(app, units[2])
    assert (second["check_note"], second["action_taken"]) == (
        "چراغ‌ها نصب نشده‌اند", "سفارش خرید چراغ ثبت شد")
    assert "Task_announce_outcome" not in ready_specs(app, instance_id)

    drive(unit_head, instance_id, "Task_order_followup", followup("پرونده در کمیسیون مطرح شد"), units[3])
    drive(expert, instance_id, "Task_check_order", check("done"),
          orders_ready(app, instance_id, "Task_check_order")[3])
    drive(unit_head, instance_id, "Task_order_followup", followup("چراغ‌ها نصب شد"), units[2])
    drive(expert, instance_id, "Task_check_order", check("done", "بازدید شد"),
          orders_ready(app, instance_id, "Task_check_order")[2])

    # every order done: the PR expert tells the citizen, with each order's outcome at hand
    announce = ready_task(app, instance_id, "Task_announce_outcome")
    orders = ready_task_data(app, announce.id)["orders"]
    assert [(o["number"], o["status"], o["action_taken"]) for o in orders] == [
        (1, "done", "جوی لایروبی شد"), (2, "done", "چراغ‌ها نصب شد"),
        (3, "done", "پرونده در کمیسیون مطرح شد")]
    drive(expert, instance_id, "Task_announce_outcome", OUTCOME)

    done = finished(office_head, instance_id)
    assert end_events(done) == {"EndEvent_outcome_announced": 1, "EndEvent_order_done": 3}
    assert done["Task_order_followup"] == 4 and done["Task_check_order"] == 4
    assert "Task_mosque_meeting_list" not in done
    assert records_of(app, instance_id) == sorted([F07, F18, F08])
    assert record_authors(app, instance_id) == [
        (F07, "Task_register_request", "mayor_office_head_d1"),
        (F18, "Task_register_applicant", "mayor_office_head_d1"),
        (F08, "Task_office_meeting_list", "mayor_office_head_d1")]
    assert instance_row(app, instance_id).data["phone"] == "09123456789"


def test_mosque_meeting_list_is_the_pr_experts_and_its_order_goes_round_twice_through_the_api(
        app, meetings, api, login):
    office_head, unit_head, expert = (api("mayor_office_head_d1"), api("department_head_d1"),
                                      api("pr_expert_d1"))
    instance_id = start_api(office_head, "public_meetings", "d1")["id"]
    drive_api(office_head, instance_id, "Task_register_request", REQUEST)
    drive_api(office_head, instance_id, "Task_register_applicant", APPLICANT)
    answer = drive_api(office_head, instance_id, "Task_schedule_meeting", schedule("mosque"))
    assert [(t["task"], t["role"]) for t in answer["instance"]["open_tasks"]] == [
        ("Task_mosque_meeting_list", "pr_expert")]
    drive_api(expert, instance_id, "Task_mosque_meeting_list", MOSQUE_LIST)
    for result in ("not_done", "done"):
        drive_api(unit_head, instance_id, "Task_order_followup",
                  followup("اقدام شد", "in_progress" if result == "not_done" else "done"))
        drive_api(expert, instance_id, "Task_check_order", check(result))
    answer = drive_api(expert, instance_id, "Task_announce_outcome",
                       {**OUTCOME, "notified_parties": ["citizen", "board_rep"], "notice_channel": "mosque"})
    assert answer["instance"]["status"] == "completed"

    body = finished_api(office_head, instance_id)
    assert [o["status"] for o in body["data"]["orders"]] == ["done"]
    done = finished(login("pr_expert_d1"), instance_id)
    assert end_events(done) == {"EndEvent_outcome_announced": 1, "EndEvent_order_done": 1}
    assert done["Task_order_followup"] == 2 and "Task_office_meeting_list" not in done
    assert records_of(app, instance_id) == sorted([F07, F18, F09])
    assert record_authors(app, instance_id)[-1] == (F09, "Task_mosque_meeting_list", "pr_expert_d1")


@pytest.mark.parametrize("venue", ["office", "mosque"])
def test_a_meeting_without_orders_goes_straight_to_the_outcome(app, meetings, login, venue):
    office_head, expert = login("mayor_office_head_d1"), login("pr_expert_d1")
    instance_id = start_on_page(office_head, "public_meetings", "d1")
    to_the_meeting(office_head, instance_id, venue)
    no_orders = [dict(r, mayor_order="", unit="") for r in ROWS[:2]]
    lister = office_head if venue == "office" else expert
    base = OFFICE_LIST if venue == "office" else MOSQUE_LIST
    drive(lister, instance_id, LIST_TASK[venue], {**base, "requests": no_orders})
    assert ready_specs(app, instance_id) == ["Task_announce_outcome"]
    drive(expert, instance_id, "Task_announce_outcome", OUTCOME)
    done = finished(office_head, instance_id)
    assert end_events(done) == {"EndEvent_outcome_announced": 1}
    assert "Task_order_followup" not in done
    assert records_of(app, instance_id) == sorted([F07, F18, F08 if venue == "office" else F09])


def test_at_every_step_another_district_or_another_role_cannot_act(app, meetings, login, api):
    instance_id = start_on_page(login("mayor_office_head_d1"), "public_meetings", "d1")
    steps = [  # (task, its role's user in d1, data, a user of another role in d1)
        ("Task_register_request", "mayor_office_head_d1", REQUEST, "pr_expert_d1"),
        ("Task_register_applicant", "mayor_office_head_d1", APPLICANT, "district_mayor_d1"),
        ("Task_schedule_meeting", "mayor_office_head_d1", schedule("mosque"), "pr_head_d1"),
        ("Task_mosque_meeting_list", "pr_expert_d1", MOSQUE_LIST, "mayor_office_head_d1"),
        ("Task_order_followup", "department_head_d1", followup("انجام شد"), "pr_expert_d1"),
        ("Task_check_order", "pr_expert_d1", check("done"), "department_head_d1"),
        ("Task_announce_outcome", "pr_expert_d1", OUTCOME, "pr_head_d1"),
    ]
    for bpmn_id, username, data, wrong_role in steps:
        task = ready_task(app, instance_id, bpmn_id)
        same_role_d2 = username.replace("_d1", "_d2")
        refused(login(same_role_d2), task.id, data)
        refused(api(wrong_role), task.id, data)
        drive(login(username), instance_id, bpmn_id, data)
    assert end_events(finished(login("pr_expert_d1"), instance_id)) == {
        "EndEvent_outcome_announced": 1, "EndEvent_order_done": 1}
    assert records_of(app, instance_id) == sorted([F07, F18, F09])


def test_each_follow_up_page_says_which_order_it_is_about_and_what_was_said_last_round(
        app, meetings, login):
    office_head, unit_head, expert = (login("mayor_office_head_d1"), login("department_head_d1"),
                                      login("pr_expert_d1"))
    instance_id = start_on_page(office_head, "public_meetings", "d1")
    to_the_meeting(office_head, instance_id, "office")
    drive(office_head, instance_id, "Task_office_meeting_list", {**OFFICE_LIST, "requests": ROWS[:2]})
    units = orders_ready(app, instance_id, "Task_order_followup")
    assert ROWS[1]["mayor_order"] in page_text_of(unit_head, f"/tasks/{units[2]}")
    drive(unit_head, instance_id, "Task_order_followup", followup("اقدام اول", "in_progress"), units[2])
    checks = orders_ready(app, instance_id, "Task_check_order")
    assert "اقدام اول" in page_text_of(expert, f"/tasks/{checks[2]}")
    drive(expert, instance_id, "Task_check_order", check("not_done", "هنوز انجام نشده"), checks[2])
    again = page_text_of(unit_head, f"/tasks/{orders_ready(app, instance_id, 'Task_order_followup')[2]}")
    assert "هنوز انجام نشده" in again and "اقدام اول" in again
