"""The citizens' portal: following a request (/p/track), its timeline, the satisfaction check
sent to the citizen, and the meeting request (F-07)."""
import re

import pytest
from portal_support import (deploy_citizen_processes, file_on_portal, instance_of, outbox_bodies,
                            outbox_of, request_row)
from path_support import drive, instance_row, ready_specs, ready_task

REFER = {"channel": "web", "category": "service", "description": "چراغ کوچه خاموش است.",
         "location": "خیابان بهار، کوچه ۱۲", "outcome": "referred"}
REPLY = {"reply_text": "لامپ تعویض شد <b>امروز</b>."}


@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    return app.test_client()


def answered_request(app, citizen, login):
    """A request filed on the portal, referred by the operator and answered by the unit."""
    code, key = file_on_portal(citizen)
    instance_id = instance_of(app, code).id
    drive(login("intake_operator_d1"), instance_id, "Task_register_message", REFER)
    drive(login("department_head_d1"), instance_id, "Task_executive_reply", REPLY)
    return code, key, instance_id


def test_following_needs_the_code_and_the_check_and_says_nothing_of_which_failed(app, citizen):
    code, key = file_on_portal(citizen)
    stranger = app.test_client()
    assert stranger.get(f"/p/track/{code}").status_code == 302  # the code alone shows nothing
    wrong_check = stranger.post("/p/track", data={"code": code, "check": "0000"})
    unknown_code = stranger.post("/p/track", data={"code": "137-050101-ABCDEF", "check": "6789"})
    assert wrong_check.status_code == unknown_code.status_code == 400
    message = 'data-testid="track-failed"'
    assert message in wrong_check.get_data(as_text=True) and message in unknown_code.get_data(as_text=True)
    by_phone = stranger.post("/p/track", data={"code": code.lower(), "check": "۶۷۸۹"})
    assert by_phone.status_code == 303 and by_phone.headers["Location"].endswith(f"/p/track/{code}")
    assert stranger.get(f"/p/track/{code}").status_code == 200
    by_key = app.test_client().post("/p/track", data={"code": code, "check": key})
    assert by_key.status_code == 303


def test_the_timeline_shows_each_step_and_the_answer_in_persian_with_solar_hijri_dates(app, citizen, login):
    code, _key, _instance_id = answered_request(app, citizen, login)
    page = citizen.get(f"/p/track/{code}").get_data(as_text=True)
    steps = re.findall(r'data-step="(\w+)"', page)
    assert steps == ["received", "referred", "replied"]
    assert "به واحد مسئول ارجاع شد" in page
    assert "لامپ تعویض شد &lt;b&gt;امروز&lt;/b&gt;." in page  # the answer, escaped
    assert re.search(r"۱۴۰[۵-۶]/[۰-۹]{2}/[۰-۹]{2}", page)  # Solar Hijri, Persian digits
    assert "department_head_d1" not in page and "رئیس اداره" not in page  # no staff names


def test_an_answer_sends_the_answer_and_a_satisfaction_link_to_the_citizen(app, citizen, login):
    _code, _key, instance_id = answered_request(app, citizen, login)
    sent = outbox_of(app, instance_id)
    assert ("answer_ready", "sms", "09123456789") in sent
    assert ("satisfaction_check", "email", "maryam@example.org") in sent
    token = request_row(app, _code).satisfaction_token
    assert any(f"/p/satisfaction/{token}" in body for body in outbox_bodies(app, instance_id, "satisfaction_check"))


def test_a_satisfied_citizen_closes_the_request_themselves(app, citizen, login):
    code, _key, instance_id = answered_request(app, citizen, login)
    token = request_row(app, code).satisfaction_token
    page = citizen.get(f"/p/satisfaction/{token}")
    assert page.status_code == 200 and "لامپ تعویض شد" in page.get_data(as_text=True)
    done = citizen.post(f"/p/satisfaction/{token}", data={"satisfied": "yes", "note": "ممنون"})
    assert done.status_code == 200 and 'data-testid="satisfaction-thanks"' in done.get_data(as_text=True)
    instance = instance_row(app, instance_id)
    assert instance.status == "completed" and instance.data["classification"]["closure"] == "citizen_satisfied"
    again = citizen.post(f"/p/satisfaction/{token}", data={"satisfied": "no"})
    assert again.status_code == 409
    timeline = citizen.get(f"/p/track/{code}").get_data(as_text=True)
    assert re.findall(r'data-step="(\w+)"', timeline)[-2:] == ["satisfied", "closed"]


def test_a_citizen_not_satisfied_sends_it_to_the_special_follow_up_unit(app, citizen, login):
    code, _key, instance_id = answered_request(app, citizen, login)
    token = request_row(app, code).satisfaction_token
    citizen.post(f"/p/satisfaction/{token}", data={"satisfied": "no", "note": "هنوز خاموش است."})
    assert ready_specs(app, instance_id) == ["Task_field_investigation"]
    # The unit does not confirm the answer: the message goes back, and a new round asks again.
    drive(login("followup_unit_d1"), instance_id, "Task_field_investigation",
          {"answer_confirmed": "no", "investigation_findings": "تعمیر نشده."})
    drive(login("department_head_d1"), instance_id, "Task_executive_reply", {"reply_text": "تعمیر شد."})
    second = request_row(app, code).satisfaction_token
    assert second != token and citizen.get(f"/p/satisfaction/{token}").status_code == 404
    assert citizen.post(f"/p/satisfaction/{second}", data={"satisfied": "yes"}).status_code == 200
    assert instance_row(app, instance_id).status == "completed"


def test_the_satisfaction_answer_must_be_yes_or_no(app, citizen, login):
    code, _key, instance_id = answered_request(app, citizen, login)
    token = request_row(app, code).satisfaction_token
    response = citizen.post(f"/p/satisfaction/{token}", data={"satisfied": "maybe"})
    assert response.status_code == 400 and 'data-testid="error-satisfied"' in response.get_data(as_text=True)
    assert ready_specs(app, instance_id) == ["Task_feedback_call"]
    assert citizen.get("/p/satisfaction/not-a-token").status_code == 404


def test_a_feedback_call_made_by_staff_closes_the_citizens_link(app, citizen, login):
    code, _key, instance_id = answered_request(app, citizen, login)
    token = request_row(app, code).satisfaction_token
    drive(login("feedback_unit_d1"), instance_id, "Task_feedback_call", {"satisfied": "yes"})
    page = citizen.get(f"/p/satisfaction/{token}")
    assert 'data-testid="satisfaction-closed"' in page.get_data(as_text=True)
    assert citizen.post(f"/p/satisfaction/{token}", data={"satisfied": "no"}).status_code == 409


def test_a_message_registered_by_phone_also_gets_its_code_and_satisfaction_link(app, login):
    deploy_citizen_processes(app)
    operator = login("intake_operator_d1")
    from path_support import start_on_page
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, instance_id, "Task_register_message",
          {**REFER, "channel": "phone", "citizen_phone": "09121112233"})
    assert outbox_of(app, instance_id) == [("tracking_code_issued", "sms", "09121112233"),
                                           ("message_referred", "sms", "09121112233")]
    drive(login("department_head_d1"), instance_id, "Task_executive_reply", REPLY)
    code = instance_row(app, instance_id).tracking_code
    token = request_row(app, code).satisfaction_token
    assert token and ("satisfaction_check", "sms", "09121112233") in outbox_of(app, instance_id)
    follower = app.test_client()
    assert follower.post("/p/track", data={"code": code, "check": "2233"}).status_code == 303


def test_a_citizen_asks_to_meet_the_district_mayor(app, citizen):
    form = {"district": "d2", "applicant_name": "علی رضایی", "phone": "02532901234",
            "subject": "مشکل آب‌گرفتگی کوچه", "description": "هر بار باران می‌بارد کوچه آب می‌گیرد."}
    response = citizen.post("/p/meetings/new", data=form)
    assert response.status_code == 303
    code = re.search(r'data-testid="tracking-code">([^<]+)<',
                     citizen.get(response.headers["Location"]).get_data(as_text=True)).group(1)
    instance = instance_of(app, code)
    assert code.startswith("102-") and instance.process_key == "public_meetings"
    assert instance.district.code == "d2" and instance.data["subject"] == form["subject"]
    assert ready_task(app, instance.id, "Task_register_request")


def test_a_meeting_request_with_a_bad_phone_is_marked_and_not_filed(app, citizen):
    form = {"district": "d1", "applicant_name": "علی", "phone": "123", "subject": "x", "description": "y"}
    response = citizen.post("/p/meetings/new", data=form)
    assert response.status_code == 400
    assert 'is-invalid' in response.get_data(as_text=True)


def test_staff_see_on_the_instance_page_what_was_sent_to_the_citizen(app, citizen, login):
    code, _key, instance_id = answered_request(app, citizen, login)
    page = login("intake_operator_d1").get(f"/instances/{instance_id}").get_data(as_text=True)
    shown = [row for row in re.findall(r'<tr data-template="(\w+)" data-status="(\w+)">', page)
             if not row[0].startswith("staff_")]  # the staff told of the tasks are listed too
    assert shown[:2] == [("tracking_code_issued", "pending")] * 2
    assert ("satisfaction_check", "pending") in shown and "09123456789" in page


def test_the_filed_page_shows_a_code_only_right_after_filing(app, citizen):
    first = app.test_client().get("/p/requests/filed")
    assert first.status_code == 302 and first.headers["Location"].endswith("/p/")
