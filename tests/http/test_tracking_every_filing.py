"""Every filing is followed from the moment it has its code, whoever registered it, and its
citizen hears of each step: a 137 message the operator registered from a call, a complaint's
answer, a meeting's time and place, a Mardom Salam service-desk item (120-…) and its answer;
a wrong check reveals nothing."""
import re

import pytest
from sqlalchemy import select

from http_support import (ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE)
from path_support import drive, instance_row, start_on_page
from portal_support import deploy_citizen_processes, outbox_bodies, outbox_of
from models.mardom_salam import MardomSalamRequest

PHONE_CALL = {"channel": "phone", "category": "service", "description": "چراغ کوچه خاموش است.",
              "location": "خیابان بهار، کوچه ۱۲", "citizen_name": "مریم احمدی",
              "citizen_phone": "09121112233", "outcome": "referred"}
MEETING = {"applicant_name": "مریم رضایی", "phone": "09123334455", "national_id": "",
           "subject": "مشکل آب‌گرفتگی کوچه", "description": "پس از هر بارندگی کوچه آب‌گرفته می‌شود.",
           "preferred_date": "۱۴۰۵/۱۰/۱۵"}
APPLICANT = {"register_number": "۱۲۷", "registered_on": "1405/10/08", "applicant_name": "مریم رضایی",
             "phone": "09123334455", "subject": "مشکل آب‌گرفتگی کوچه", "request_kind": "meeting",
             "register_note": ""}
SCHEDULE = {"venue": "mosque", "meeting_date": "۱۴۰۵/۱۰/۲۲", "meeting_time": "19:30",
            "mosque_name": "جامع عتیق", "applicant_informed": True, "schedule_note": ""}
MOSQUE_LIST = {"mosque_name": "جامع عتیق", "board_rep_name": "حاج محمد صادقی",
               "board_rep_phone": "۰۹۱۷۱۱۱۲۲۳۳", "meeting_date": "۱۴۰۵/۱۰/۲۲",
               "requests": [{"applicant_name": "مریم رضایی", "phone": "09123334455",
                             "subject": "آب‌گرفتگی کوچه", "mayor_order": "", "unit": ""}]}
OUTCOME = {"outcome_summary": "لایروبی جوی کوچه انجام شد.", "notified_parties": ["citizen"],
           "notice_channel": "sms", "notified_on": "۱۴۰۵/۱۱/۱۰", "notice_note": ""}
FAILED = "کد رهگیری و"  # the start of the Persian "the code and the check do not match"


@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    return app.test_client()


def follow(app, code, check):
    client = app.test_client()
    return client, client.post("/p/track", data={"code": code, "check": check})


def test_a_message_the_operator_registered_from_a_call_is_followed_at_once_on_the_portal_and_open311(
        app, citizen, login):
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, instance_id, "Task_register_message", PHONE_CALL)
    code = instance_row(app, instance_id).tracking_code
    assert outbox_of(app, instance_id) == [("tracking_code_issued", "sms", "09121112233"),
                                           ("message_referred", "sms", "09121112233")]
    [sms] = outbox_bodies(app, instance_id, "tracking_code_issued")
    assert f"/p/track?code={code}" in sms and sms.endswith("سامانه ۱۳۷ شهرداری")
    [referred] = outbox_bodies(app, instance_id, "message_referred")
    assert re.search(r"پاسخ تا ۱۴۰[۵-۶]/[۰-۹]{2}/[۰-۹]{2}", referred)  # the answer's date, Solar Hijri

    client, followed = follow(app, code, "۲۲۳۳")
    assert followed.status_code == 303
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert re.findall(r'data-step="(\w+)"', page) == ["received", "referred"]
    assert re.search(r'data-testid="expected-at">[^<]*۱۴۰[۵-۶]/', page)  # expected answer date

    answer = app.test_client().get(f"/open311/v2/requests/{code}.json")
    assert answer.status_code == 200
    [record] = answer.get_json()
    assert (record["service_request_id"], record["status"]) == (code, "open")
    assert record["expected_datetime"] is not None
    listed = app.test_client().get("/open311/v2/requests.json").get_json()
    assert code not in [r["service_request_id"] for r in listed]  # followed by its code, never listed


def test_a_wrong_check_reveals_nothing_of_a_phone_registered_message(app, citizen, login):
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, instance_id, "Task_register_message", PHONE_CALL)
    code = instance_row(app, instance_id).tracking_code
    for check in ("0000", "", "۲۲۳۴", "x" * 20):
        client, refused = follow(app, code, check)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and FAILED in text and 'data-testid="track-failed"' in text
        assert PHONE_CALL["description"] not in text
        assert client.get(f"/p/track/{code}").status_code == 302


def test_a_meetings_time_and_place_reach_the_citizen_by_sms_and_on_the_timeline(app, citizen, login):
    office = login("mayor_office_head_d1")
    instance_id = start_on_page(office, "public_meetings", "d1")
    drive(office, instance_id, "Task_register_request", MEETING)
    code = instance_row(app, instance_id).tracking_code
    assert code.startswith("102-")
    drive(office, instance_id, "Task_register_applicant", APPLICANT)
    drive(office, instance_id, "Task_schedule_meeting", SCHEDULE)

    assert outbox_of(app, instance_id) == [("tracking_code_issued", "sms", "09123334455"),
                                           ("meeting_scheduled", "sms", "09123334455")]
    [sms] = outbox_bodies(app, instance_id, "meeting_scheduled")
    assert "۱۴۰۵/۱۰/۲۲ ساعت ۱۹:۳۰" in sms and "مسجد جامع عتیق" in sms
    assert sms.endswith("دفتر شهردار منطقه")  # signed by the mayor's office

    client, followed = follow(app, code, "4455")
    assert followed.status_code == 303
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert re.findall(r'data-step="(\w+)"', page) == ["received", "registered", "scheduled"]
    assert "۱۴۰۵/۱۰/۲۲ ساعت ۱۹:۳۰، مسجد جامع عتیق" in page
    staff_view = office.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-template="meeting_scheduled"' in staff_view and "زمان و محل دیدار" in staff_view

    # the meeting held without orders: its result, announced by SMS, is sent and on the page
    expert = login("pr_expert_d1")
    drive(expert, instance_id, "Task_mosque_meeting_list", MOSQUE_LIST)
    drive(expert, instance_id, "Task_announce_outcome", OUTCOME)
    assert outbox_of(app, instance_id)[-1] == ("answer_ready", "sms", "09123334455")
    [result] = outbox_bodies(app, instance_id, "answer_ready")
    assert OUTCOME["outcome_summary"] in result and result.endswith("دفتر شهردار منطقه")
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert re.findall(r'data-step="(\w+)"', page)[-2:] == ["announced", "closed"]
    assert OUTCOME["outcome_summary"] in page


def test_a_complaints_answer_shows_on_the_tracking_page_and_sms_chosen_sends_it(app, citizen, login):
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    code = instance_row(app, instance_id).tracking_code
    assert code.startswith("101-")
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    assert [m[0] for m in outbox_of(app, instance_id)] == ["tracking_code_issued"]  # not before it is announced
    drive(expert, instance_id, "Task_announce_result", {**ANNOUNCEMENT, "announcement_channel": "sms"})

    assert outbox_of(app, instance_id) == [("tracking_code_issued", "sms", "09123456789"),
                                           ("answer_ready", "sms", "09123456789")]
    [sms] = outbox_bodies(app, instance_id, "answer_ready")
    assert EXAMINATION["answer_text"] in sms and sms.endswith("روابط عمومی شهرداری")
    client, followed = follow(app, code, "6789")
    assert followed.status_code == 303
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert re.findall(r'data-step="(\w+)"', page)[-2:] == ["answered", "closed"]
    assert EXAMINATION["answer_text"] in page


def test_a_complaint_announced_by_letter_sends_no_sms_but_its_answer_is_on_the_page(app, citizen, login):
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    drive(login("pr_head_d1"), instance_id, "Task_review_answer", REVIEW_APPROVE)
    drive(expert, instance_id, "Task_announce_result", ANNOUNCEMENT)  # by letter
    assert [m[0] for m in outbox_of(app, instance_id)] == ["tracking_code_issued"]
    code = instance_row(app, instance_id).tracking_code
    client, _ = follow(app, code, "6789")
    assert EXAMINATION["answer_text"] in client.get(f"/p/track/{code}").get_data(as_text=True)


# ---------------------------------------------------------------- Mardom Salam desk items

def test_a_desk_code_is_followed_on_the_portal_never_on_open311_and_its_answer_is_sent(app, db, login):
    from mardom_salam_support import add_request, deploy_all, hold_meeting, make_meeting, up_to_meeting
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    desk = add_request(db, meeting, kind="desk", phone="09125550002")
    hold_meeting(db, meeting)
    officer = login("special_followup_officer")
    assert officer.post(f"/mardom-salam/meetings/{meeting.id}/desk",
                        data={"desk_note": "ثبت شد"}).status_code == 303
    db.expire_all()
    code = db.get(MardomSalamRequest, desk.id).tracking_code
    assert code.startswith("120-")

    _, refused = follow(app, code, "0000")
    assert refused.status_code == 400 and FAILED in refused.get_data(as_text=True)
    client, followed = follow(app, code, "0002")
    assert followed.status_code == 303
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert "میز خدمت مردم سلام" in page and 'data-step="desk_registered"' in page
    # A Mardom Salam item is private: Open311 answers as if it did not exist.
    assert app.test_client().get(f"/open311/v2/requests/{code}.json").status_code == 404

    answer = "درخواست شما به اداره خدمات شهری ارجاع و انجام شد."
    assert officer.post(f"/mardom-salam/requests/{desk.id}/answer", data={"answer": answer}).status_code == 303
    sent = outbox_of(app, meeting.instance_id)
    assert [m for m in sent if m[2] == "09125550002"] == [("desk_code_issued", "sms", "09125550002"),
                                                           ("desk_answer", "sms", "09125550002")]
    [body] = outbox_bodies(app, meeting.instance_id, "desk_answer")
    assert answer in body and body.endswith("دبیرخانه مردم سلام شهرداری")
    page = client.get(f"/p/track/{code}").get_data(as_text=True)
    assert answer in page and 'data-step="closed"' in page
    staff_view = login("communications_office").get(f"/instances/{meeting.instance_id}").get_data(as_text=True)
    assert 'data-template="desk_answer"' in staff_view


def test_a_landline_typed_in_a_form_gets_no_sms(app, citizen, login):
    office = login("mayor_office_head_d1")
    instance_id = start_on_page(office, "public_meetings", "d1")
    drive(office, instance_id, "Task_register_request", {**MEETING, "phone": "07132222222"})
    drive(office, instance_id, "Task_register_applicant", {**APPLICANT, "phone": "07132222222"})
    drive(office, instance_id, "Task_schedule_meeting", SCHEDULE)
    assert outbox_of(app, instance_id) == []  # the office calls a landline itself
