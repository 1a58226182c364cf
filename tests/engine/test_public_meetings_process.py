"""processes/public_meetings.bpmn (دیدارهای مردمی, procedure P-__-0-2-01 section 3-6): runs of
every path in memory, through the engine's harness (the file itself: test_public_meetings_diagram.py).

A citizen's request to meet the mayor is registered (F-07) and entered in the applicants'
register (F-18) by the mayor's office head, who schedules the meeting at the office or in a
mosque. After an office meeting the office head completes the meeting list (F-08); at the end
of a mosque meeting the PR expert completes the mosque meeting list (F-09). Every row of the
list with an order of the mayor becomes one instance of the parallel multi-instance
sub-process SubProcess_order_followup (over the list `orders`, item `order`): the department
head records the unit's action, the PR expert checks it and sends it back to the unit until it
is done. Then the PR expert announces the outcome to the citizen and the mosque board's
representative.

Task data is what the task's form would send, validated against the form as the application
does (formjs.forms.validate_submission), so the process runs on typed values.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from formjs.forms import load_form, validate_submission
from engine.harness import (complete_ready_task, ready_task_data, ready_task_ids,
                            workflow_from_bpmn)
from records.quality import record_type_for_form
from engine.spiff.workflow_tasks import completed_elements, find_ready_task
from engine.spiff.workflows import dump_workflow, load_workflow, ready_human_tasks, run_engine
from people.roles import ROLES_BY_CODE, role_for_lane

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = ROOT / "processes" / "public_meetings.bpmn"
FORMS_DIR = ROOT / "forms"
PROCESS_ID = "public_meetings"
SUBPROCESS_ID = "SubProcess_order_followup"

OFFICE_HEAD = ROLES_BY_CODE["mayor_office_head"].title_fa   # مسئول دفتر شهردار
PR_EXPERT = ROLES_BY_CODE["pr_expert"].title_fa             # کارشناس روابط عمومی
DEPARTMENT_HEAD = ROLES_BY_CODE["department_head"].title_fa  # رئیس اداره

# user task id -> (lane, formKey)
EXPECTED_USER_TASKS = {
    "Task_register_request": (OFFICE_HEAD, "meeting_request"),
    "Task_register_applicant": (OFFICE_HEAD, "meeting_applicants"),
    "Task_schedule_meeting": (OFFICE_HEAD, "meeting_schedule"),
    "Task_office_meeting_list": (OFFICE_HEAD, "meeting_list"),
    "Task_mosque_meeting_list": (PR_EXPERT, "mosque_meeting_list"),
    "Task_order_followup": (DEPARTMENT_HEAD, "order_followup"),        # in the sub-process
    "Task_check_order": (PR_EXPERT, "order_followup_check"),           # in the sub-process
    "Task_announce_outcome": (PR_EXPERT, "meeting_outcome_notice"),
}
# forms that produce a quality record of the register (records/quality.py)
RECORD_FORMS = {"meeting_request": "F-__-0-2-07", "meeting_applicants": "F-__-0-2-18",
                "meeting_list": "F-__-0-2-08", "mosque_meeting_list": "F-__-0-2-09"}


# ================================================================ running the process

class Run:
    """One instance in memory, completed task by task with validated form data.

    Between steps the workflow is saved and loaded again, as the application does.
    """

    def __init__(self):
        self.wf = workflow_from_bpmn(BPMN_FILE.read_bytes())
        run_engine(self.wf)
        self.forms_completed: list[str] = []

    def ready(self) -> list[str]:
        return ready_task_ids(self.wf)

    def _submit(self, bpmn_id: str, data: dict) -> dict:
        form_key = EXPECTED_USER_TASKS[bpmn_id][1]
        clean, errors = validate_submission(load_form(form_key), data)
        assert not errors, (bpmn_id, errors)
        self.forms_completed.append(form_key)
        return clean

    def complete(self, bpmn_id: str, data: dict) -> None:
        """Complete the one ready task with this id (engine.harness.complete_ready_task)."""
        complete_ready_task(self.wf, bpmn_id, self._submit(bpmn_id, data))
        self.wf = load_workflow(dump_workflow(self.wf))

    def order_tasks(self, bpmn_id: str) -> dict[int, object]:
        """The ready instances of a sub-process task, by the number of their order."""
        found = {}
        for task in ready_human_tasks(self.wf):
            if task.task_spec == bpmn_id:
                number = find_ready_task(self.wf, task.spiff_task_id).data["order"]["number"]
                assert number not in found, f"two ready {bpmn_id} for order {number}"
                found[number] = task
        return found

    def order_data(self, bpmn_id: str, number: int) -> dict:
        """The data the task of one order starts with (what its form is shown)."""
        task = self.order_tasks(bpmn_id)[number]
        return dict(find_ready_task(self.wf, task.spiff_task_id).data)

    def complete_order(self, bpmn_id: str, number: int, data: dict) -> None:
        """Complete the ready task of one order of the multi-instance sub-process.

        engine.harness.complete_ready_task wants exactly one ready task per BPMN id; with
        parallel instances several wait at once, so the instance is picked by its order and
        completed the way the harness (and engine.runtime.completing.complete_task) does.
        """
        clean = self._submit(bpmn_id, data)
        task = find_ready_task(self.wf, self.order_tasks(bpmn_id)[number].spiff_task_id)
        task.data.update(clean)
        task.run()
        run_engine(self.wf)
        self.wf = load_workflow(dump_workflow(self.wf))


REQUEST = {
    "applicant_name": "مریم رضایی",
    "phone": "۰۹۱۲۳۴۵۶۷۸۹",              # Persian digits, as staff type them
    "national_id": "",
    "subject": "مشکل آب‌گرفتگی کوچه",
    "description": "پس از هر بارندگی کوچه آب‌گرفته می‌شود.",
    "preferred_date": "۱۴۰۴/۰۷/۱۵",      # Solar Hijri
}
APPLICANT = {"register_number": "۱۲۷", "registered_on": "1404/07/08",
             "applicant_name": "مریم رضایی", "phone": "09123456789",
             "subject": "مشکل آب‌گرفتگی کوچه", "request_kind": "meeting", "register_note": ""}
# the meeting's rows: three of the four carry an order of the mayor
ROWS = [
    {"applicant_name": "مریم رضایی", "phone": "09123456789", "subject": "آب‌گرفتگی کوچه",
     "mayor_order": "لایروبی جوی کوچه تا پایان هفته", "unit": "اداره خدمات شهری"},
    {"applicant_name": "علی محمدی", "phone": "", "subject": "روشنایی پارک محله",
     "mayor_order": "  نصب چراغ‌های پارک  ", "unit": "اداره برق و روشنایی"},
    {"applicant_name": "حسن کریمی", "phone": "07132222222", "subject": "قدردانی از پاکبانان",
     "mayor_order": "", "unit": ""},
    {"applicant_name": "زهرا احمدی", "phone": "", "subject": "مجوز ساخت",
     "mayor_order": "بررسی پرونده در کمیسیون ماده ۱۰۰", "unit": "اداره شهرسازی"},
]
ORDERED_ROWS = [row for row in ROWS if row["mayor_order"].strip()]
MOSQUE_LIST = {"mosque_name": "مسجد جامع عتیق", "board_rep_name": "حاج محمد صادقی",
               "board_rep_phone": "۰۹۱۷۱۱۱۲۲۳۳", "meeting_date": "۱۴۰۴/۰۷/۲۲", "requests": ROWS}
OFFICE_LIST = {"meeting_date": "1404/07/22", "requests": ROWS}
OUTCOME = {"outcome_summary": "همه دستورات شهردار انجام شد.",
           "notified_parties": ["citizen", "board_rep"], "notice_channel": "sms",
           "notified_on": "۱۴۰۴/۰۸/۱۰", "notice_note": ""}


def followup(action: str, status: str = "done", expected: str = "") -> dict:
    return {"action_taken": action, "followup_status": status, "expected_date": expected}


def check(result: str, note: str = "") -> dict:
    return {"check_result": result, "check_note": note}


def run_to_meeting(venue: str) -> Run:
    run = Run()
    assert run.ready() == ["Task_register_request"]
    run.complete("Task_register_request", REQUEST)
    assert run.ready() == ["Task_register_applicant"]
    # what F-07 recorded reaches the register entry
    assert ready_task_data(run.wf, "Task_register_applicant")["phone"] == "09123456789"
    run.complete("Task_register_applicant", APPLICANT)
    assert run.ready() == ["Task_schedule_meeting"]
    run.complete("Task_schedule_meeting", {
        "venue": venue, "meeting_date": "۱۴۰۴/۰۷/۲۲", "meeting_time": "19:30",
        "mosque_name": "مسجد جامع عتیق" if venue == "mosque" else "",
        "applicant_informed": "on", "schedule_note": ""})
    return run


def hold_meeting(run: Run, venue: str, meeting_list: dict | None = None) -> None:
    if venue == "office":
        assert run.ready() == ["Task_office_meeting_list"]
        run.complete("Task_office_meeting_list", meeting_list or OFFICE_LIST)
    else:
        assert run.ready() == ["Task_mosque_meeting_list"]
        run.complete("Task_mosque_meeting_list", meeting_list or MOSQUE_LIST)


@pytest.mark.parametrize("venue", ["office", "mosque"])
def test_every_order_is_followed_up_and_one_needs_a_second_round(venue):
    run = run_to_meeting(venue)
    hold_meeting(run, venue)

    # one follow-up item per order of the mayor, all at once, for the department heads
    units = run.order_tasks("Task_order_followup")
    assert sorted(units) == [1, 2, 3]
    assert run.ready() == ["Task_order_followup"] * 3
    for number, row in enumerate(ORDERED_ROWS, start=1):
        task = units[number]
        assert task.lane == DEPARTMENT_HEAD and role_for_lane(task.lane) == "department_head"
        assert task.form_key == "order_followup"
        order = run.order_data("Task_order_followup", number)["order"]
        assert order == {"number": number, "applicant_name": row["applicant_name"],
                         "subject": row["subject"], "mayor_order": row["mayor_order"].strip(),
                         "unit": row["unit"], "status": "pending"}

    # order 1: done at the first round; orders 2 and 3 proceed independently
    run.complete_order("Task_order_followup", 1, followup("جوی لایروبی شد"))
    run.complete_order("Task_order_followup", 2, followup("سفارش خرید چراغ ثبت شد", "in_progress",
                                                          "۱۴۰۴/۰۸/۰۱"))
    assert run.ready() == ["Task_check_order", "Task_check_order", "Task_order_followup"]
    checks = run.order_tasks("Task_check_order")
    assert sorted(checks) == [1, 2]
    assert all(t.lane == PR_EXPERT and t.form_key == "order_followup_check"
               for t in checks.values())
    assert run.order_data("Task_check_order", 2)["expected_date"] == "2025-10-23"

    run.complete_order("Task_check_order", 1, check("done", "با شهروند تماس گرفته شد"))
    # order 2 is not done yet: back to the unit, with what it wrote last time
    run.complete_order("Task_check_order", 2, check("not_done", "چراغ‌ها هنوز نصب نشده‌اند"))
    assert sorted(run.order_tasks("Task_order_followup")) == [2, 3]
    second_round = run.order_data("Task_order_followup", 2)
    assert second_round["check_note"] == "چراغ‌ها هنوز نصب نشده‌اند"
    assert second_round["action_taken"] == "سفارش خرید چراغ ثبت شد"
    assert "Task_announce_outcome" not in run.ready()

    run.complete_order("Task_order_followup", 3, followup("پرونده در کمیسیون مطرح شد"))
    run.complete_order("Task_check_order", 3, check("done"))
    run.complete_order("Task_order_followup", 2, followup("چراغ‌ها نصب شد"))
    assert run.ready() == ["Task_check_order"]
    run.complete_order("Task_check_order", 2, check("done", "بازدید شد"))

    # all orders done: the outcome goes to the citizen (and the mosque board's representative)
    assert run.ready() == ["Task_announce_outcome"]
    outcome = ready_task_data(run.wf, "Task_announce_outcome")
    assert "order" not in outcome and "action_taken" not in outcome  # per-order data stays inside
    orders = outcome["orders"]
    assert [o["number"] for o in orders] == [1, 2, 3]
    assert [o["status"] for o in orders] == ["done"] * 3
    assert [o["action_taken"] for o in orders] == [
        "جوی لایروبی شد", "چراغ‌ها نصب شد", "پرونده در کمیسیون مطرح شد"]
    assert orders[1]["check_note"] == "بازدید شد"
    assert [o["unit"] for o in orders] == [row["unit"] for row in ORDERED_ROWS]
    run.complete("Task_announce_outcome", OUTCOME)

    assert run.ready() == []
    assert run.wf.is_completed()
    done = completed_elements(run.wf)
    assert done["EndEvent_outcome_announced"] == 1
    assert done["Task_order_followup"] == 4 and done["Task_check_order"] == 4  # 3 orders + 1 round
    assert done["Task_record_order_done"] == 3 and done["EndEvent_order_done"] == 3
    other = "Task_mosque_meeting_list" if venue == "office" else "Task_office_meeting_list"
    assert other not in done
    list_form = "meeting_list" if venue == "office" else "mosque_meeting_list"
    assert [record_type_for_form(key).code for key in run.forms_completed
            if record_type_for_form(key)] == [
        "F-__-0-2-07", "F-__-0-2-18", RECORD_FORMS[list_form]]


@pytest.mark.parametrize("venue", ["office", "mosque"])
def test_a_meeting_without_orders_goes_straight_to_the_outcome(venue):
    run = run_to_meeting(venue)
    rows = [dict(row, mayor_order="", unit="") for row in ROWS[:2]]
    base = OFFICE_LIST if venue == "office" else MOSQUE_LIST
    hold_meeting(run, venue, {**base, "requests": rows})
    assert run.ready() == ["Task_announce_outcome"]
    assert ready_task_data(run.wf, "Task_announce_outcome")["orders"] == []
    run.complete("Task_announce_outcome", {**OUTCOME, "notified_parties": ["citizen"]})
    assert run.wf.is_completed()
    assert "Task_order_followup" not in completed_elements(run.wf)


def test_a_single_order_can_go_round_several_times():
    run = run_to_meeting("mosque")
    hold_meeting(run, "mosque", {**MOSQUE_LIST, "requests": ROWS[:1]})
    for attempt in range(3):
        assert run.ready() == ["Task_order_followup"]
        run.complete_order("Task_order_followup", 1, followup(f"اقدام {attempt + 1}", "in_progress"))
        run.complete_order("Task_check_order", 1, check("not_done"))
    run.complete_order("Task_order_followup", 1, followup("انجام شد"))
    run.complete_order("Task_check_order", 1, check("done"))
    orders = ready_task_data(run.wf, "Task_announce_outcome")["orders"]
    assert [(o["status"], o["action_taken"]) for o in orders] == [("done", "انجام شد")]
    assert completed_elements(run.wf)["Task_order_followup"] == 4


def test_the_mosque_list_keeps_the_board_representative_for_the_outcome_notice():
    run = run_to_meeting("mosque")
    # the scheduled date and mosque are carried to the list's form as a draft
    assert ready_task_data(run.wf, "Task_mosque_meeting_list")["mosque_name"] == "مسجد جامع عتیق"
    hold_meeting(run, "mosque", {**MOSQUE_LIST, "requests": []})
    data = ready_task_data(run.wf, "Task_announce_outcome")
    assert data["board_rep_name"] == "حاج محمد صادقی"
    assert data["board_rep_phone"] == "09171112233"
    assert data["meeting_date"] == "2025-10-14"
    assert data["venue"] == "mosque"


