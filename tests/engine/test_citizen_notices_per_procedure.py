"""Each procedure's messages to the citizen are signed by its own office, and every filing has
its citizen side from the moment its code is issued, whoever registered it."""
import pytest
from sqlalchemy import select

import engine as runtime
from engine_support import district_id, user
from message_137_support import INTAKE, deploy_messages
from models import CitizenRequest, Instance
from notifications.notices import NOTICES, parse_notices
from notifications.outbox import OFFICES, TEMPLATES, render_notification
from programmes.citizens.notices import office_of
from programmes.citizens.requests import passes_follow_check

CONTEXT = {"tracking_code": "101-050920-K7QX29", "track_url": "https://city.example.ir/p/track",
           "answer_text": "چاله ترمیم شد.", "meeting_when": "1405/10/22 ساعت 19:30",
           "meeting_place": "مسجد جامع", "draft_title": "آیین‌نامه تابلوها",
           "satisfaction_url": "https://city.example.ir/p/satisfaction/x"}
CITIZEN_TEMPLATES = ("tracking_code_issued", "message_referred", "answer_ready", "meeting_scheduled",
                     "desk_code_issued", "desk_answer", "draft_published", "satisfaction_check")
SIGNED = {  # office -> (SMS signature, e-mail signature)
    None: ("سامانه ۱۳۷ شهرداری", "سامانه ارتباط مردمی ۱۳۷ شهرداری"),
    "137": ("سامانه ۱۳۷ شهرداری", "سامانه ارتباط مردمی ۱۳۷ شهرداری"),
    "public_relations": ("روابط عمومی شهرداری", "واحد روابط عمومی شهرداری"),
    "complaints": ("واحد پاسخگویی به شکایات شهرداری", "واحد بازرسی و پاسخگویی به شکایات شهرداری"),
    "mayor_office": ("دفتر شهردار منطقه", "دفتر شهردار"),
    "mardom_salam": ("دبیرخانه مردم سلام شهرداری", "دبیرخانه مردم سلام، دفتر شهردار"),
}


@pytest.mark.parametrize("template", CITIZEN_TEMPLATES)
@pytest.mark.parametrize("office", list(SIGNED))
def test_every_citizen_template_is_signed_by_the_office_it_is_sent_for(template, office):
    for channel, signature in zip(("sms", "email"), SIGNED[office]):
        _subject, body = render_notification(template, channel, {**CONTEXT, "office": office})
        assert body.splitlines()[-1] == signature
        if office not in (None, "137"):
            assert "۱۳۷" not in body.splitlines()[-1]


def test_every_office_has_its_signature():
    assert set(OFFICES) == {office for office in SIGNED if office}


@pytest.mark.parametrize("process_key, data, office", [
    ("citizen_message_137", {}, "137"),
    ("complaints", {"complaint_type": "service"}, "public_relations"),
    ("complaints", {"complaint_type": "employee"}, "complaints"),
    ("public_meetings", {}, "mayor_office"),
    ("mardom_salam", {}, "mardom_salam"),
    ("draft_regulation", {}, "public_relations"),
])
def test_each_procedure_has_the_office_that_signs_its_messages(process_key, data, office):
    assert office_of(Instance(process_key=process_key, data=data)) == office


def test_the_new_notices_are_named_in_diagrams_like_the_old_ones():
    assert {"message_referred", "meeting_scheduled", "draft_published"} <= set(NOTICES)
    [referred, answer] = parse_notices(
        "message_referred when outcome=referred; answer_ready: on_spot_answer when outcome=answered")
    assert referred.applies({"outcome": "referred"}) and not referred.applies({"outcome": "answered"})
    assert answer.variable == "on_spot_answer"
    for template in ("message_referred", "meeting_scheduled", "desk_answer", "draft_published"):
        assert template in TEMPLATES


def test_a_message_started_by_the_operator_has_its_citizen_side_before_the_phone_is_known(app, db):
    deploy_messages(app)
    operator = user(db, "intake_operator_d1")
    message = runtime.start_instance(db, "citizen_message_137", operator, district_id(db, "d1"))
    db.commit()
    filed = db.scalars(select(CitizenRequest).where(CitizenRequest.instance_id == message.id)).one()
    assert (filed.tracking_code, filed.channel, filed.contact_phone) == (message.tracking_code, "staff", None)
    assert not passes_follow_check(filed, "")  # nothing opens it until the phone is typed
    [task] = runtime.open_tasks(db, message)
    runtime.complete_task(db, task.id, operator, INTAKE)
    db.commit()
    db.refresh(filed)
    assert (filed.contact_phone, filed.contact_name) == (INTAKE["citizen_phone"], INTAKE["citizen_name"])
    assert filed.description == INTAKE["description"] and filed.service_code == "service"
    assert passes_follow_check(filed, "6789") and not passes_follow_check(filed, "6788")


def test_a_complaint_and_a_meeting_staff_registered_get_codes_and_citizen_sides(app, db, complaints):
    from path_support import PROCESSES
    from modeling.deploy import deploy_process
    deploy_process(db, (PROCESSES / "public_meetings.bpmn").read_bytes(), filename="public_meetings.bpmn")
    db.commit()
    for process_key, prefix, service in (("complaints", "101-", "complaint_service"),
                                         ("public_meetings", "102-", "meeting_request")):
        instance = runtime.start_instance(db, process_key, user(db, "pr_expert_d1" if process_key == "complaints"
                                                                else "mayor_office_head_d1"),
                                          district_id(db, "d1"))
        db.commit()
        filed = db.scalars(select(CitizenRequest).where(CitizenRequest.instance_id == instance.id)).one()
        assert instance.tracking_code.startswith(prefix) and filed.service_code == service



def test_a_desk_items_answer_is_sent_once_signed_by_the_mardom_salam_secretariat(app, db):
    from mardom_salam_support import add_request, deploy_all, hold_meeting, make_meeting, up_to_meeting
    from models import OutboxMessage
    from programmes.mardom_salam import requests as msr
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    desk = add_request(db, meeting, kind="desk", phone="09121110009")
    hold_meeting(db, meeting)
    officer = user(db, "special_followup_officer")
    msr.register_desk_requests(db, meeting, officer)
    msr.answer_desk_request(db, desk, officer, "پاسخ نخست")
    msr.answer_desk_request(db, desk, officer, "پاسخ اصلاح‌شده")  # a correction: on the page, not resent
    db.commit()
    sent = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "09121110009")
                      .order_by(OutboxMessage.id)).all()
    assert [m.template for m in sent] == ["desk_code_issued", "desk_answer"]
    assert all(m.instance_id == meeting.instance_id for m in sent)
    assert "پاسخ نخست" in sent[1].body and sent[1].body.endswith("دبیرخانه مردم سلام شهرداری")
    assert desk.answer == "پاسخ اصلاح‌شده"
