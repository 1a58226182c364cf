"""The bell, the notifications page, marking read (one, all; POST with CSRF), the channel
settings, and the inbox's "new" badge, over HTTP as the department head of district 1 to
whom a referred 137 message is offered (tests/engine/message_137_support.py)."""
import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token_from
from engine_support import ready_task, user
from message_137_support import REFERRED, deploy_messages, referred_message
from models import Unit, StaffNotification
from notifications.staff import preferences_of
from people.accounts import create_user, grant_role


def bell(page: str) -> str | None:
    found = re.search(r'data-testid="bell-count">([^<]+)<', page)
    return found.group(1) if found else None


def notifications_of(db, username):
    db.expire_all()
    return db.scalars(select(StaffNotification).where(
        StaffNotification.user_id == user(db, username).id).order_by(StaffNotification.id)).all()


def test_the_bell_counts_unread_notifications_in_persian_digits_and_links_to_the_list(app, db, login):
    deploy_messages(app)
    referred_message(db)
    head = login("department_head_d1")
    page = head.get("/notifications/settings").get_data(as_text=True)
    assert bell(page) == "۱" and 'href="/notifications"' in page
    assert bell(login("deputy_d1").get("/notifications").get_data(as_text=True)) is None


def test_the_list_shows_the_task_its_code_and_a_solar_hijri_date_newest_first(app, db, login):
    deploy_messages(app)
    first = referred_message(db)
    second = referred_message(db)
    page = login("department_head_d1").get("/notifications").get_data(as_text=True)
    links = re.findall(r'href="/tasks/(\d+)"', page)
    assert links == [str(ready_task(db, second.id, "Task_executive_reply").id),
                     str(ready_task(db, first.id, "Task_executive_reply").id)]
    assert f'<bdi dir="ltr" class="font-monospace">{first.tracking_code}</bdi>' in page
    assert "۱۴۰۵/۰۹/۲۲" in page  # created on the referral's day, Solar Hijri, Persian digits


def test_marking_one_read_then_all_read_empties_the_bell(app, db, login):
    deploy_messages(app)
    referred_message(db)
    referred_message(db)
    head = login("department_head_d1")
    first, second = notifications_of(db, "department_head_d1")
    response = head.post(f"/notifications/{first.id}/read")
    assert response.status_code == 303
    assert bell(head.get("/notifications").get_data(as_text=True)) == "۱"
    assert [n.read_at is not None for n in notifications_of(db, "department_head_d1")] == [True, False]
    assert head.post("/notifications/read-all").status_code == 303
    page = head.get("/notifications").get_data(as_text=True)
    assert bell(page) is None and 'data-read="no"' not in page


def test_marking_read_without_the_csrf_token_is_refused_and_changes_nothing(app, db, login):
    deploy_messages(app)
    referred_message(db)
    head = login("department_head_d1")
    app.config["WTF_CSRF_ENABLED"] = True
    [notification] = notifications_of(db, "department_head_d1")
    assert head.post(f"/notifications/{notification.id}/read").status_code == 400
    assert head.post("/notifications/read-all").status_code == 400
    assert notifications_of(db, "department_head_d1")[0].read_at is None
    token = csrf_token_from(head.get("/notifications").get_data(as_text=True))
    assert head.post("/notifications/read-all", data={"csrf_token": token}).status_code == 303
    assert notifications_of(db, "department_head_d1")[0].read_at is not None


def test_nobody_marks_another_persons_notification_read(app, db, login):
    deploy_messages(app)
    referred_message(db)
    [notification] = notifications_of(db, "department_head_d1")
    login("deputy_d1").post(f"/notifications/{notification.id}/read")
    assert notifications_of(db, "department_head_d1")[0].read_at is None


def test_the_settings_page_keeps_each_kinds_channels(app, db, login):
    head = login("department_head_d1")
    page = head.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'name="offered-email" value="1" id="offered-email" checked', page)
    assert not re.search(r'name="offered-sms" value="1" id="offered-sms" checked', page)
    response = head.post("/notifications/settings", data={"offered-sms": "1", "digest-email": "1"})
    assert response.status_code == 303
    prefs = preferences_of(db, user(db, "department_head_d1"))
    assert prefs["offered"] == {"sms"} and prefs["digest"] == {"email"} and prefs["escalation"] == set()


def test_the_inbox_marks_new_tasks_until_the_task_is_opened(app, db, login):
    deploy_messages(app)
    message = referred_message(db)
    head = login("department_head_d1")
    assert 'data-testid="new-task"' in head.get("/").get_data(as_text=True)
    # Still new on the next visit: its notification is unread.
    assert 'data-testid="new-task"' in head.get("/").get_data(as_text=True)
    task = ready_task(db, message.id, "Task_executive_reply")
    assert head.get(f"/tasks/{task.id}").status_code == 200  # opening it reads its notification
    assert 'data-testid="new-task"' not in head.get("/").get_data(as_text=True)


def test_a_task_created_since_the_last_inbox_visit_is_new_even_when_its_notification_was_read(app, db, login):
    deploy_messages(app)
    referred_message(db)
    head = login("department_head_d1")
    head.get("/")
    head.post("/notifications/read-all")
    second = referred_message(db, at=REFERRED + timedelta(hours=1))
    head.post("/notifications/read-all")
    page = head.get("/").get_data(as_text=True)
    rows = re.findall(r'<tr>\s*<td class="inbox-task"><a href="/tasks/(\d+)">[^<]*</a>( <span[^>]*new-task)?', page)
    new = [task_id for task_id, badge in rows if badge]
    assert new == [str(ready_task(db, second.id, "Task_executive_reply").id)]


def test_reassigning_a_task_tells_the_person_it_was_handed_to(app, db, login):
    deploy_messages(app)
    message = referred_message(db)
    colleague = create_user(db, "department_head_d1_b", "demo-pass-1234", email="b@example.org")
    task = ready_task(db, message.id, "Task_executive_reply")
    # a member of the unit the message was routed to (people.access: only they may take it)
    grant_role(db, colleague, "department_head", None, unit=db.get(Unit, task.unit_id))
    db.commit()
    response = login("department_head_d1").post(f"/tasks/{task.id}/reassign",
                                                data={"username": "department_head_d1_b", "reassign_reason": "مرخصی"})
    assert response.status_code == 303
    assert [(n.kind, n.task_id) for n in notifications_of(db, "department_head_d1_b")] == [("offered", task.id)]
