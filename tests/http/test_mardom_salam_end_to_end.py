"""Mardom Salam from start to end through the web app: the scheduler creates the meeting, each
task is done on its page (the mosque, the briefing, the meeting, the letter, the report, the
results session), requests are written, coded, classified and answered on the meeting page and
the 137 message's own page, and the programme is closed from the meeting page."""
import re

from sqlalchemy import select

from message_137_support import INTAKE
from mardom_salam_support import (ACTORS, BRIEFING, MEETING_EVENING, deploy_all,
                                       make_meeting)
from models import HumanTask, Instance, clock
from models.mardom_salam import MardomSalamMeeting, MardomSalamRequest


def test_a_mardom_salam_programme_runs_from_its_scheduled_meeting_to_its_closing_in_the_web_app(
        app, db, login):
    deploy_all(app)
    meeting = make_meeting(app, db)
    meeting_id, programme = meeting.id, meeting.instance_id
    db.rollback()

    def task_id(instance_id, spec):
        found = db.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                      HumanTask.task_spec == spec,
                                                      HumanTask.status == "ready")).one()
        db.rollback()  # on SQLite a transaction holds the write lock: let the requests in
        return found

    def do(spec, data, instance_id=programme, username=None):
        client = login(username or ACTORS[spec])
        done = client.post(f"/tasks/{task_id(instance_id, spec)}", data=data)
        assert done.status_code == 302, (spec, re.findall(r'class="[^"]*(?:alert|invalid-feedback)[^"]*"[^>]*>([^<]+)',
                                                           done.get_data(as_text=True)))

    # The meeting's page says what the programme waits for, with a link to the task.
    waiting = login("communications_office").get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    listed = waiting[waiting.index('data-testid="programme-open-tasks"'):]
    assert f'href="/tasks/{task_id(programme, "Task_propose_mosque")}"' in listed[:listed.index("</ul>")]
    do("Task_propose_mosque", {"mosque_name": "مسجد جامع محله", "mosque_address": "خیابان بهار"})
    do("Task_check_mosque", {"mosque_approved": "yes"})
    do("Task_briefing", {k: str(v) for k, v in BRIEFING.items()})
    office = login("communications_office")
    meeting_page = f"/mardom-salam/meetings/{meeting_id}"
    for kind, phone in (("137", "09125550001"), ("desk", "09125550002")):
        assert office.post(f"{meeting_page}/requests", data={
            "kind": kind, "citizen_name": "زهرا کریمی", "citizen_phone": phone, "category": "technical",
            "description": "نور کوچه کم است."}).status_code == 303
    clock.set_now(MEETING_EVENING)
    do("Task_hold_meeting", {"attendance": "120"})

    assert login("special_followup_officer").post(f"{meeting_page}/desk", data={"desk_note": "ثبت شد"}).status_code == 303
    requests = db.scalars(select(MardomSalamRequest).order_by(MardomSalamRequest.id)).all()
    message_id, desk_id = requests[0].message_instance_id, requests[1].id
    assert requests[1].tracking_code.startswith("120-")
    rows = {f"{field}_{r.id}": value for r in requests
            for field, value in (("owner", "معاونت فنی"), ("deadline", "۱۴۰۵/۱۰/۲۰"), ("category", "technical"))}
    db.rollback()
    assert login("followup_working_group_d1").post(f"{meeting_page}/classify",
                                                   data={**rows, "minutes": "صورتجلسه"}).status_code == 303
    do("Task_council_letter", {"letter_number": "۱۲۳/م"})
    do("Task_progress_report", {"progress_report": "در حال پیگیری"})
    do("Task_results_session", {"results_session_date": "1406/01/20", "results_summary": "ارائه شد"})

    # Closing is refused while the requests have no answer.
    office.post(f"{meeting_page}/close")
    assert db.get(Instance, programme).status == "running"
    db.rollback()
    do("Task_register_message", {**INTAKE, "channel": "mardom_salam", "outcome": "answered",
                                 "on_spot_answer": "در برنامه آسفالت است."},
       instance_id=message_id, username="intake_operator_d1")
    assert login("special_followup_officer").post(f"/mardom-salam/requests/{desk_id}/answer",
                                                  data={"answer": "در میز خدمت پاسخ داده شد."}).status_code == 303
    page = office.get(meeting_page).get_data(as_text=True)
    assert page.count('data-state="closed"') == 2
    assert office.post(f"{meeting_page}/close").status_code == 303
    db.expire_all()
    assert db.get(Instance, programme).status == "completed"
    assert db.get(MardomSalamMeeting, meeting_id).instance.status == "completed"
