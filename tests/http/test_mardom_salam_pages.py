"""Mardom Salam pages: the list of meetings, a meeting's requests with code, owner, deadline and
state, registering a request (a 137 message with its SMS), and the closing refused while a
request has no answer."""
import sys
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from test_mardom_salam_support import deploy_all, make_meeting, up_to_meeting  # noqa: E402
from models import HumanTask, OutboxMessage  # noqa: E402
from models.mardom_salam import MardomSalamMeeting, MardomSalamRequest  # noqa: E402


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
    from test_mardom_salam import _hold  # noqa: E402 - the meeting held, as the engine tests do
    _hold(app, db, meeting)
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
