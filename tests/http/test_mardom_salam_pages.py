"""Mardom Salam pages: the list of meetings, a meeting's requests with code, owner, deadline and
state, registering a request (a 137 message with its SMS), and the closing refused while a
request has no answer."""
import re
from datetime import timedelta

from sqlalchemy import select

from programmes.mardom_salam import requests as msr
from mardom_salam_support import (THURSDAY_BEFORE, add_request, complete, deploy_all, hold_meeting,
                                  make_meeting, up_to_meeting)
from models import HumanTask, OutboxMessage, clock
from models.mardom_salam import MardomSalamMeeting, MardomSalamRequest


def test_meeting_pages_and_request_registration(app, db, login):
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    meeting_id = meeting.id
    db.rollback()
    office = login("communications_office")
    listing = office.get("/mardom-salam/meetings")
    assert listing.status_code == 200
    assert f"/mardom-salam/meetings/{meeting_id}" in listing.get_data(as_text=True)
    posted = office.post(f"/mardom-salam/meetings/{meeting_id}/requests", data={
        "kind": "137", "citizen_name": "زهرا کریمی", "citizen_phone": "09125550001",
        "category": "service", "description": "نور کوچه کم است."})
    assert posted.status_code == 303
    db.expire_all()
    [request] = db.scalars(select(MardomSalamRequest)).all()
    assert request.tracking_code.startswith("137-")
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "09125550001")).one()
    code = request.tracking_code
    db.rollback()  # on SQLite a transaction holds the write lock: let the requests in
    page = office.get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    assert code in page and 'data-state="open"' in page
    bad = office.post(f"/mardom-salam/meetings/{meeting_id}/requests",
                      data={"kind": "137", "citizen_name": "", "citizen_phone": "1", "description": ""})
    assert bad.status_code == 303
    assert len(db.scalars(select(MardomSalamRequest)).all()) == 1
    db.rollback()
    # Closing is refused: the programme is not done and the request has no answer.
    db.rollback()
    office.post(f"/mardom-salam/meetings/{meeting_id}/close")
    db.expire_all()
    assert db.get(MardomSalamMeeting, meeting_id).instance.status == "running"
    db.rollback()
    # Staff of another district do not see the meeting.
    assert login("pr_expert_d2").get(f"/mardom-salam/meetings/{meeting_id}").status_code == 403
    assert login("pr_expert_d1").get(f"/mardom-salam/meetings/{meeting_id}").status_code == 200


def test_the_classification_and_desk_tasks_are_done_on_the_meeting_page_not_their_form(app, db, login):
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    hold_meeting(db, meeting)
    meeting_id, instance_id = meeting.id, meeting.instance_id
    tasks = {t.task_spec: t.id for t in db.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready"))}
    db.rollback()
    for spec, username in (("Task_classify_requests", "followup_working_group_d1"),
                           ("Task_desk_registration", "special_followup_officer")):
        staff = login(username)
        page = staff.get(f"/tasks/{tasks[spec]}").get_data(as_text=True)
        assert 'data-testid="done-elsewhere"' in page and 'data-testid="task-form"' not in page
        assert f'href="/mardom-salam/meetings/{meeting_id}"' in page
        refused = staff.post(f"/tasks/{tasks[spec]}", data={"desk_note": "x", "working_group_minutes": "x"})
        assert refused.status_code == 409
    db.expire_all()
    assert {t.task_spec for t in db.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready"))} >= {
        "Task_classify_requests", "Task_desk_registration"}


def test_the_briefing_page_shows_the_figures_of_today_and_a_message_page_its_meeting_owner(app, db, login, api):
    deploy_all(app)
    meeting = make_meeting(app, db)
    complete(db, meeting.instance_id, "Task_propose_mosque", {"mosque_name": "مسجد", "mosque_address": "بهار"})
    complete(db, meeting.instance_id, "Task_check_mosque", {"mosque_approved": "yes"})
    clock.set_now(THURSDAY_BEFORE + timedelta(days=3))
    request = add_request(db, meeting)
    [briefing] = db.scalars(select(HumanTask).where(HumanTask.instance_id == meeting.instance_id,
                                                    HumanTask.status == "ready")).all()
    message_id, meeting_id, briefing_id = request.message_instance_id, meeting.id, briefing.id
    db.rollback()
    page = login("communications_office").get(f"/tasks/{briefing_id}").get_data(as_text=True)
    assert "دریافت ۱،" in page or "دریافت 1،" in page  # the message filed after the meeting was set
    # The API gives the same figures as the page.
    shown = api("communications_office").get(f"/api/v1/tasks/{briefing_id}").get_json()["data"]
    assert shown["figures_137"]["received"] == 1

    # The 137 message's pages name the meeting; the owner and deadline once the group set them.
    operator = login("intake_operator_d1")
    [task_id] = db.scalars(select(HumanTask.id).where(HumanTask.instance_id == message_id,
                                                      HumanTask.status == "ready")).all()
    db.rollback()
    page = operator.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-testid="mardom-salam-origin"' in page and f"/mardom-salam/meetings/{meeting_id}" in page
    assert 'data-testid="mardom-salam-owner"' not in page
    # The operator's intake comes with the channel and category the meeting wrote.
    assert re.search(r'<option value="mardom_salam"[^>]*selected', page)
    assert re.search(r'<option value="technical"[^>]*selected', page)
    found = msr.request_of_message(db, message_id)
    found.owner, found.deadline = "معاونت فنی", (clock.now() + timedelta(days=10)).date()
    db.commit()
    for url in (f"/tasks/{task_id}", f"/instances/{message_id}"):
        page = operator.get(url).get_data(as_text=True)
        assert "معاونت فنی" in page[page.index('data-testid="mardom-salam-owner"'):], url
        assert 'data-testid="mardom-salam-overdue"' not in page
    clock.set_now(clock.now() + timedelta(days=12))
    assert 'data-testid="mardom-salam-overdue"' in operator.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-state="overdue"' in login("communications_office").get(
        f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)


def test_the_working_group_classifies_on_the_meeting_page_with_solar_dates_and_loses_nothing_on_a_fault(
        app, db, login):
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    first, second = add_request(db, meeting, phone="09121110001"), add_request(db, meeting, phone="09121110002")
    hold_meeting(db, meeting)
    meeting_id, ids = meeting.id, (first.id, second.id)
    db.rollback()
    group = login("followup_working_group_d1")
    page = group.get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    assert f'name="category_{ids[0]}"' in page and "فنی و عمرانی" in page  # categories in Persian
    # Each sees the forms of what their role does: the office registers requests and closes,
    # not classifies; the auditor sees the table and no form at all.
    office = login("communications_office").get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    assert f'name="owner_{ids[0]}"' not in office and 'data-testid="add-request"' in office
    audit = login("auditor").get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    assert 'data-testid="mardom-salam-requests"' in audit
    assert 'method="post"' not in audit[audit.index("<main"):]
    # One row without an owner, one deadline before the meeting: sent back with what was typed.
    faulty = group.post(f"/mardom-salam/meetings/{meeting_id}/classify", data={
        f"owner_{ids[0]}": "", f"deadline_{ids[0]}": "۱۴۰۵/۱۰/۲۰", f"category_{ids[0]}": "technical",
        f"owner_{ids[1]}": "معاونت خدمات شهری", f"deadline_{ids[1]}": "1405/01/10",
        f"category_{ids[1]}": "service", "minutes": "صورتجلسه کارگروه"})
    assert faulty.status_code == 400
    body = faulty.get_data(as_text=True)
    assert f'data-testid="classify-error-{ids[0]}"' in body and f'data-testid="classify-error-{ids[1]}"' in body
    assert "مهلت پیش از تاریخ دیدار است." in body
    assert 'value="معاونت خدمات شهری"' in body and "صورتجلسه کارگروه</textarea>" in body
    db.expire_all()
    assert db.get(MardomSalamRequest, ids[1]).owner is None
    db.rollback()  # on SQLite a transaction holds the write lock: let the requests in

    done = group.post(f"/mardom-salam/meetings/{meeting_id}/classify", data={
        f"owner_{ids[0]}": "معاونت فنی", f"deadline_{ids[0]}": "۱۴۰۵/۱۰/۲۰", f"category_{ids[0]}": "technical",
        f"owner_{ids[1]}": "معاونت خدمات شهری", f"deadline_{ids[1]}": "2027-01-15",
        f"category_{ids[1]}": "service", "minutes": "صورتجلسه کارگروه"})
    assert done.status_code == 303
    db.expire_all()
    one, two = db.get(MardomSalamRequest, ids[0]), db.get(MardomSalamRequest, ids[1])
    assert (one.owner, one.deadline.isoformat(), one.category) == ("معاونت فنی", "2027-01-10", "technical")
    assert (two.deadline.isoformat(), two.category) == ("2027-01-15", "service")
    db.rollback()
    page = group.get(f"/mardom-salam/meetings/{meeting_id}").get_data(as_text=True)
    assert "۱۴۰۵/۱۰/۲۰" in page and f'name="owner_{ids[0]}"' not in page  # the task is done


def test_marking_the_meeting_held_before_its_day_is_refused_in_persian_and_changes_nothing(app, db, login, api):
    from datetime import datetime
    from sqlalchemy import func
    from mardom_salam_support import TEHRAN
    from models import Event, Instance
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    iid = meeting.instance_id
    [held] = db.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                HumanTask.task_spec == "Task_hold_meeting")).all()
    held_id = held.id
    events = db.scalar(select(func.count(Event.id)).where(Event.instance_id == iid))
    version = db.get(Instance, iid).row_version
    db.rollback()
    clock.set_now(datetime(2026, 12, 6, 20, 0, tzinfo=TEHRAN))   # Sunday, two days early
    refusal = "دیدار در تاریخ ۱۴۰۵/۰۹/۱۷ است: برگزاری آن از همان روز به بعد ثبت می‌شود، نه پیش از آن."
    page = login("communications_office").post(f"/tasks/{held_id}", data={"attendance": "120"})
    assert page.status_code == 400
    assert refusal in page.get_data(as_text=True)
    answer = api("communications_office").post(f"/api/v1/tasks/{held_id}/complete",
                                               json={"data": {"attendance": 120}})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == refusal
    db.expire_all()
    assert db.get(HumanTask, held_id).status == "ready"
    assert db.scalar(select(func.count(Event.id)).where(Event.instance_id == iid)) == events
    assert db.get(Instance, iid).row_version == version
    assert "classify_due_at" not in db.get(Instance, iid).data
    db.rollback()
    # On the meeting's evening the same post completes it.
    clock.set_now(datetime(2026, 12, 8, 20, 30, tzinfo=TEHRAN))
    done = login("communications_office").post(f"/tasks/{held_id}", data={"attendance": "120"})
    assert done.status_code in (302, 303)
    db.expire_all()
    assert db.get(HumanTask, held_id).status == "completed"
