"""Forms that behave, on the real task page: the checks a form declares across fields (a reason
on "return", end not before start, a date not in the past, a mosque's name for a mosque, the
national-ID checksum, a list's minimum and maximum rows) refuse with a message at the field and
change nothing; "add row" / "remove row" work without JavaScript and change nothing either;
a list starts with the rows the case already knows (F-18's applicant in F-08, F-11's invited
media in F-12)."""
import re

import pytest

from path_support import (deploy, drive, event_count, html_form, page_text_of, ready_task,
                          records_of, start_on_page, task_row)
from survey_form_data import MAYOR_ACTION, PLAN_APPROVE, SURVEY_PLAN

REQUEST = {"applicant_name": "مریم رضایی", "phone": "۰۹۱۲۳۴۵۶۷۸۹", "national_id": "",
           "subject": "مشکل آب‌گرفتگی کوچه",
           "description": "پس از هر بارندگی کوچه آب‌گرفته می‌شود.", "preferred_date": ""}
APPLICANT = {"register_number": "۱۲۷", "registered_on": "1404/07/08",
             "applicant_name": "مریم رضایی", "phone": "09123456789",
             "subject": "آب‌گرفتگی کوچه پس از بارندگی", "request_kind": "meeting",
             "register_note": ""}
SCHEDULE = {"venue": "office", "meeting_date": "۱۴۰۴/۰۷/۲۲", "meeting_time": "19:30",
            "mosque_name": "", "applicant_informed": True, "schedule_note": ""}
PRESS_SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
                  "conference_place": "سالن جلسات شهرداری منطقه", "topics": "طرح‌های عمرانی",
                  "schedule_note": ""}
MEDIA = [{"outlet": "خبرگزاری ایرنا", "reporter": "علی رضایی", "contact": "09121234567"},
         {"outlet": "روزنامه عصر", "reporter": "", "contact": "news@example.ir"}]
INVITATION = {"invited_on": "2025-08-25", "invitation_text": "از خبرنگاران دعوت می‌شود",
              "invited_media": MEDIA}
HELD = {"held_on": "2025-09-01", "held_place": "سالن جلسات شهرداری منطقه", "held_note": ""}
ATTENDANCE = {"attendees": [{"name": "علی رضایی", "outlet": "خبرگزاری ایرنا"}]}
REPORT = {"summary": "نشست با حضور ۱۲ خبرنگار برگزار شد.", "questions_raised": "زمان پایان",
          "commitments_made": "گزارش ماهانه", "coverage_links": ""}
REVIEW_EXAMINATION = {"findings": "بازدید میدانی انجام شد.", "justified": "yes",
                      "answer_text": "چاله تا پایان هفته ترمیم می‌شود."}

REQUIRED_WHEN = "با پاسخی که داده‌اید، پر کردن این فیلد الزامی است."


# --- reaching each task on its real path (the user who acts and the task id) ----------------

def _meeting(app, login, upto):
    office = login("mayor_office_head_d1")
    deploy(app, "public_meetings")
    instance_id = start_on_page(office, "public_meetings", "d1")
    steps = [("Task_register_request", REQUEST), ("Task_register_applicant", APPLICANT),
             ("Task_schedule_meeting", SCHEDULE)]
    for bpmn_id, data in steps:
        if bpmn_id == upto:
            break
        drive(office, instance_id, bpmn_id, data)
    return office, ready_task(app, instance_id, upto).id


def _press(app, login, upto):
    head, mayor, expert = login("pr_head_d1"), login("district_mayor_d1"), login("pr_expert_d1")
    deploy(app, "press_conference")
    instance_id = start_on_page(head, "press_conference", "d1")
    steps = [(head, "Task_schedule_conference", PRESS_SCHEDULE),
             (mayor, "Task_approve_schedule", {"schedule_decision": "approve",
                                               "schedule_decision_note": ""}),
             (expert, "Task_send_invitation", INVITATION), (head, "Task_hold_conference", HELD),
             (expert, "Task_record_attendance", ATTENDANCE), (expert, "Task_write_report", REPORT),
             (head, "Task_approve_report", None)]
    for who, bpmn_id, data in steps:
        if bpmn_id == upto:
            return who, ready_task(app, instance_id, upto).id
        drive(who, instance_id, bpmn_id, data)
    raise AssertionError(upto)


def _survey(app, login, upto):
    expert, head, mayor = login("pr_expert_d1"), login("pr_head_d1"), login("district_mayor_d1")
    deploy(app, "citizen_survey")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    steps = [(expert, "Task_plan_survey", SURVEY_PLAN), (head, "Task_review_survey_plan", PLAN_APPROVE),
             (expert, "Task_collect_survey_forms", {"next_form": "finished"}),
             (expert, "Task_prepare_survey_summary", {"analysis": "تحلیل", "strengths": "",
                                                      "improvement_areas": "", "suggestions": "",
                                                      "fieldwork_notes": ""}),
             (mayor, "Task_report_to_mayor", None)]
    for who, bpmn_id, data in steps:
        if bpmn_id == upto:
            return who, ready_task(app, instance_id, upto).id
        drive(who, instance_id, bpmn_id, data)
    raise AssertionError(upto)


def _complaint_review(app, login, request):
    arrange = request.getfixturevalue("arrange")
    instance_id, _register = arrange.registered_service_instance()
    arrange.complete(arrange.only_open_task(instance_id).id, "pr_expert_d1", REVIEW_EXAMINATION)
    return login("pr_head_d1"), arrange.only_open_task(instance_id).id


REACH = {
    "complaint_review": _complaint_review,
    "press_report_review": lambda app, login, request: _press(app, login, "Task_approve_report"),
    "press_attendance": lambda app, login, request: _press(app, login, "Task_record_attendance"),
    "survey_plan": lambda app, login, request: _survey(app, login, "Task_plan_survey"),
    "survey_plan_review": lambda app, login, request: _survey(app, login, "Task_review_survey_plan"),
    "survey_mayor_decision": lambda app, login, request: _survey(app, login, "Task_report_to_mayor"),
    "meeting_request": lambda app, login, request: _meeting(app, login, "Task_register_request"),
    "meeting_schedule": lambda app, login, request: _meeting(app, login, "Task_schedule_meeting"),
}

TOO_MANY = [{"name": f"خبرنگار {i}", "outlet": "رسانه"} for i in range(101)]

# (form, what is posted, the field refused, its Persian message, the same data fixed)
CHECKS = [
    ("complaint_review", {"decision": "return", "reason": ""}, "reason", REQUIRED_WHEN,
     {"reason": "پاسخ دقیق‌تر لازم است."}),
    ("press_report_review", {"report_decision": "return", "report_review_reason": ""},
     "report_review_reason", REQUIRED_WHEN, {"report_review_reason": "تعهدات کامل نیست"}),
    ("survey_plan_review", {"plan_decision": "return", "return_reason": ""}, "return_reason",
     REQUIRED_WHEN, {"return_reason": "حجم نمونه کافی نیست"}),
    ("meeting_schedule", {**SCHEDULE, "venue": "mosque", "mosque_name": ""}, "mosque_name",
     REQUIRED_WHEN, {"mosque_name": "مسجد جامع عتیق"}),
    ("meeting_request", {**REQUEST, "national_id": "۱۲۳۴۵۶۷۸۹۰"}, "national_id",
     "کد ملی معتبر نیست: ۱۰ رقم با رقم کنترل درست وارد کنید.", {"national_id": "۰۰۱۰۳۵۰۸۲۹"}),
    ("survey_plan", {**SURVEY_PLAN, "end_date": "1404/06/30"}, "end_date",
     "این تاریخ نباید پیش از «تاریخ شروع» باشد.", {"end_date": "1404/07/01"}),
    ("survey_mayor_decision", {**MAYOR_ACTION, "action_deadline": "1404/08/30"},
     "action_deadline", "این تاریخ نباید در گذشته باشد.", {"action_deadline": "1450/08/30"}),
    ("press_attendance", {"attendees": TOO_MANY}, "attendees", "حداکثر ۱۰۰ ردیف مجاز است.",
     {"attendees": TOO_MANY[:100]}),
]


def _error_at(html: str, field: str) -> str | None:
    fid = "f-" + field.replace(".", "-").replace("[", "-").replace("]", "")
    found = re.search(rf'id="{re.escape(fid)}-err"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


@pytest.mark.parametrize("form, posted, field, message, fixed", CHECKS,
                         ids=[c[0] + ":" + c[2] for c in CHECKS])
def test_a_declared_check_refuses_at_its_field_and_the_fixed_answer_completes(
        app, login, request, form, posted, field, message, fixed):
    browser, task_id = REACH[form](app, login, request)
    assert task_row(app, task_id).form_key == form
    instance_id = task_row(app, task_id).instance_id
    before = (event_count(app, instance_id), records_of(app, instance_id))

    refused = browser.post(f"/tasks/{task_id}", data=html_form(posted))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert _error_at(page, field) == message
    assert task_row(app, task_id).status == "ready"
    assert (event_count(app, instance_id), records_of(app, instance_id)) == before

    done = browser.post(f"/tasks/{task_id}", data=html_form({**posted, **fixed}))
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    assert task_row(app, task_id).status == "completed"


def test_a_declared_check_speaks_english_on_an_english_page(app, login, request):
    browser, task_id = REACH["complaint_review"](app, login, request)
    browser.post("/lang/en")
    page = browser.post(f"/tasks/{task_id}", data=html_form({"decision": "return", "reason": ""}))
    assert page.status_code == 400
    assert _error_at(page.get_data(as_text=True), "reason") == \
        "With the answers given, this field is required."


# --- rows that grow and shrink without JavaScript ---------------------------------------------

def _invitation(app, login):
    return _press(app, login, "Task_send_invitation")


def _rows_post(data: dict, action: str):
    form = html_form(data)
    form.add("_rows", action)
    return form


def test_add_row_without_javascript_shows_one_row_more_keeping_every_value_and_saves_nothing(
        app, login):
    expert, task_id = _invitation(app, login)
    instance_id = task_row(app, task_id).instance_id
    before = (event_count(app, instance_id), records_of(app, instance_id))
    typed = {**INVITATION, "invited_media": MEDIA}

    response = expert.post(f"/tasks/{task_id}", data=_rows_post(typed, "add:invited_media"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'alert-danger' not in page and 'invalid-feedback' not in page
    assert 'name="invited_media[0].outlet" value="خبرگزاری ایرنا"' in page
    assert 'name="invited_media[1].contact" value="news@example.ir"' in page
    assert 'name="invited_media[2].outlet" value=""' in page
    assert "invited_media[3]" not in page.split("<template")[0]
    assert "از خبرنگاران دعوت می‌شود" in page
    assert task_row(app, task_id).status == "ready"
    assert (event_count(app, instance_id), records_of(app, instance_id)) == before

    # a blank row added twice stays: the second "add" gives a fourth row
    rows = MEDIA + [{"outlet": "", "reporter": "", "contact": ""}]
    again = expert.post(f"/tasks/{task_id}",
                        data=_rows_post({**typed, "invited_media": rows}, "add:invited_media"))
    assert 'name="invited_media[3].outlet" value=""' in again.get_data(as_text=True)


def test_remove_row_without_javascript_drops_that_row_only_and_saves_nothing(app, login):
    expert, task_id = _invitation(app, login)
    instance_id = task_row(app, task_id).instance_id
    before = event_count(app, instance_id)
    three = MEDIA + [{"outlet": "صداوسیما", "reporter": "رضا", "contact": ""}]

    response = expert.post(f"/tasks/{task_id}",
                           data=_rows_post({**INVITATION, "invited_media": three},
                                           "remove:invited_media[1]"))
    page = response.get_data(as_text=True).split("<template")[0]
    assert response.status_code == 200
    assert 'name="invited_media[0].outlet" value="خبرگزاری ایرنا"' in page
    assert 'name="invited_media[1].outlet" value="صداوسیما"' in page
    assert "روزنامه عصر" not in page and "invited_media[2]" not in page
    assert task_row(app, task_id).status == "ready" and event_count(app, instance_id) == before

    # then completing saves the rows shown
    done = expert.post(f"/tasks/{task_id}",
                       data=html_form({**INVITATION, "invited_media": [three[0], three[2]]}))
    assert done.status_code == 302


def test_the_row_buttons_respect_the_lists_minimum_and_maximum(app, login):
    expert, task_id = _invitation(app, login)  # invited_media: minRows 1, maxRows 50
    one = {**INVITATION, "invited_media": MEDIA[:1]}
    page = expert.get(f"/tasks/{task_id}").get_data(as_text=True).split("<template")[0]
    assert re.search(r'value="remove:invited_media\[0\]"[^>]*hidden', page)  # at the minimum
    # a forged "remove" at the minimum keeps the row
    kept = expert.post(f"/tasks/{task_id}", data=_rows_post(one, "remove:invited_media[0]"))
    assert kept.status_code == 200
    assert 'name="invited_media[0].outlet" value="خبرگزاری ایرنا"' in kept.get_data(as_text=True)

    fifty = {**INVITATION, "invited_media": [{"outlet": f"رسانه {i}"} for i in range(50)]}
    full = expert.post(f"/tasks/{task_id}", data=_rows_post(fifty, "add:invited_media"))
    html = full.get_data(as_text=True)
    assert full.status_code == 200 and "invited_media[50]" not in html.split("<template")[0]
    assert re.search(r'value="add:invited_media"[^>]*hidden', html)  # at the maximum

    empty = expert.post(f"/tasks/{task_id}", data=html_form({**INVITATION, "invited_media": []}))
    assert empty.status_code == 400
    assert _error_at(empty.get_data(as_text=True), "invited_media") == "دست‌کم ۱ ردیف لازم است."


def test_a_forged_row_action_completes_nothing(app, login):
    expert, task_id = _invitation(app, login)
    for action in ("add:nowhere", "remove:invited_media[99]", "drop:invited_media", "add:x[0"):
        response = expert.post(f"/tasks/{task_id}", data=_rows_post(INVITATION, action))
        assert response.status_code == 200, action
    assert task_row(app, task_id).status == "ready"


# --- rows the case already knows -------------------------------------------------------------

def test_the_attendance_list_starts_with_the_invited_media(app, login):
    expert, task_id = _press(app, login, "Task_record_attendance")
    page = page_text_of(expert, f"/tasks/{task_id}").split("<template")[0]
    assert 'name="attendees[0].name" value="علی رضایی"' in page
    assert 'name="attendees[0].outlet" value="خبرگزاری ایرنا"' in page
    assert 'name="attendees[1].outlet" value="روزنامه عصر"' in page
    assert 'name="attendees[1].name" value=""' in page  # no reporter was named
    assert "attendees[2]" not in page


def test_the_office_meeting_list_starts_with_the_registered_applicant(app, login):
    office, _schedule = _meeting(app, login, "Task_schedule_meeting")
    instance_id = task_row(app, _schedule).instance_id
    drive(office, instance_id, "Task_schedule_meeting", SCHEDULE)
    listing = ready_task(app, instance_id, "Task_office_meeting_list")
    page = page_text_of(office, f"/tasks/{listing.id}").split("<template")[0]
    assert 'name="requests[0].applicant_name" value="مریم رضایی"' in page
    assert 'name="requests[0].subject" value="آب‌گرفتگی کوچه پس از بارندگی"' in page  # F-18's
    assert 'name="requests[0].phone" value="09123456789"' in page
    assert "requests[1]" not in page


def test_the_row_buttons_speak_persian_and_number_rows_in_persian_digits(app, login):
    expert, task_id = _invitation(app, login)
    page = page_text_of(expert, f"/tasks/{task_id}")
    assert "افزودن ردیف" in page and "حذف این ردیف" in page and "Add a row" not in page
    assert 'class="formjs-row-number">۱<' in page
    assert "formjs_rows.js" in page  # the in-place version, for browsers with JavaScript
