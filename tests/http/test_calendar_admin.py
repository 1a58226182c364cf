"""The working calendar page (/calendar): official holidays, and the closures and working days an
administrator enters with Solar Hijri dates; a closure moves a complaint's 10-working-day deadline."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.scheduler import fire_due_timers
from http_support import REGISTER_SERVICE, alerts, location_path, page_text, table_rows, translated
from models import CalendarDay, HumanTask, Timer, clock
from path_support import drive_api, start_api

WEDNESDAY_BEFORE_NOWRUZ = datetime(2026, 3, 18, 6, 30, tzinfo=timezone.utc)  # 1404/12/27 10:00 Tehran
POLLUTION = {"day": "۱۴۰۵/۰۱/۰۵", "kind": "closure", "note": "تعطیلی به علت آلودگی هوا",
             "start": "", "end": "", "district": ""}


def entries(app) -> list[CalendarDay]:
    with app.extensions["db_sessions"]() as s:
        return list(s.scalars(select(CalendarDay).options(joinedload(CalendarDay.created_by))
                              .order_by(CalendarDay.id)))


def test_the_admin_adds_a_closure_with_a_solar_hijri_date_and_sees_it_listed(app, login):
    clock.set_now(WEDNESDAY_BEFORE_NOWRUZ)
    admin = login("admin")
    response = admin.post("/calendar/entries", data=POLLUTION)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert location_path(response) == "/calendar"
    [entry] = entries(app)
    assert (entry.day, entry.kind, entry.start_time, entry.end_time, entry.district_id) == (
        date(2026, 3, 25), "closure", None, None, None)
    assert entry.note == POLLUTION["note"] and entry.created_by.username == "admin"

    page = admin.get("/calendar")
    assert alerts(page) == [translated(app, "The calendar entry was saved.")]
    [row] = table_rows(page, "calendar-entries")
    assert row[:5] == ["۱۴۰۵/۰۱/۰۵", "تعطیلی", "کل روز", "کل شهر", POLLUTION["note"]]
    days = {r[0]: r for r in table_rows(page, "calendar-days")}
    assert days["۱۴۰۵/۰۱/۰۵"][2] == "تعطیل" and POLLUTION["note"] in days["۱۴۰۵/۰۱/۰۵"][3]
    assert days["۱۴۰۵/۰۱/۰۶"][1] == "پنجشنبه"


def test_a_partial_closure_and_a_working_day_keep_their_hours(app, login):
    clock.set_now(WEDNESDAY_BEFORE_NOWRUZ)
    admin = login("process_owner")  # city-wide process owners may edit too
    assert admin.post("/calendar/entries", data={**POLLUTION, "start": "10:00"}).status_code == 303
    assert admin.post("/calendar/entries", data={
        "day": "1405/01/06", "kind": "working_day", "note": "جبران", "district": "",
        "start": "", "end": ""}).status_code == 303
    days = {r[0]: r for r in table_rows(admin.get("/calendar"), "calendar-days")}
    assert days["۱۴۰۵/۰۱/۰۵"][2] == "۰۷:۳۰–۱۰:۰۰"   # closed from 10:00
    assert days["۱۴۰۵/۰۱/۰۶"][2] == "۰۷:۳۰–۱۴:۳۰"   # a Thursday declared working


def test_a_date_that_is_not_solar_hijri_is_refused_with_400_and_nothing_is_stored(app, login):
    admin = login("admin")
    for bad in ("1405/13/01", "2026-03-25", "فردا", ""):
        response = admin.post("/calendar/entries", data={**POLLUTION, "day": bad})
        assert response.status_code == 400, bad
        [message] = alerts(response)
        assert "۱۴۰۵/۰۱/۰۱" in message or "1405/01/01" in message, message
        assert 'data-testid="calendar-add"' in page_text(response)  # the form, to correct it
    response = admin.post("/calendar/entries", data={**POLLUTION, "start": "14:00", "end": "10:00"})
    assert response.status_code == 400
    assert alerts(response) == [translated(app, "The end time must be after the start time.")]
    assert entries(app) == []


def test_staff_who_are_not_administrators_see_the_calendar_but_may_not_change_it(app, login):
    admin = login("admin")
    assert admin.post("/calendar/entries", data=POLLUTION).status_code == 303
    [entry] = entries(app)
    for username in ("pr_expert_d1", "district_mayor_d1", "auditor"):
        staff = login(username)
        page = staff.get("/calendar")
        assert page.status_code == 200
        assert 'data-testid="calendar-add"' not in page_text(page)
        assert "/calendar/entries/" not in page_text(page)  # no remove buttons
        assert staff.post("/calendar/entries", data={**POLLUTION, "day": "1405/01/06"}).status_code == 403
        assert staff.post(f"/calendar/entries/{entry.id}/delete").status_code == 403
    assert [e.id for e in entries(app)] == [entry.id]
    assert 'href="/calendar"' in page_text(admin.get("/calendar"))  # the admin's menu links it
    assert 'href="/calendar"' not in page_text(login("pr_expert_d1").get("/calendar"))


def test_the_admin_removes_an_entry(app, login):
    admin = login("admin")
    admin.post("/calendar/entries", data=POLLUTION)
    [entry] = entries(app)
    response = admin.post(f"/calendar/entries/{entry.id}/delete")
    assert response.status_code == 303
    assert entries(app) == []
    assert admin.post(f"/calendar/entries/{entry.id}/delete").status_code == 404


def test_the_page_lists_the_official_holidays_ahead_with_persian_names(app, login):
    clock.set_now(WEDNESDAY_BEFORE_NOWRUZ)
    holidays = table_rows(login("pr_expert_d1").get("/calendar"), "calendar-holidays")
    assert ["۱۴۰۵/۰۱/۰۱", "شنبه", "جشن نوروز; عید سعید فطر"] in holidays
    assert any(row[0] == "۱۴۰۵/۰۱/۱۳" and "طبیعت" in row[2] for row in holidays)


def test_a_closure_moves_the_ten_working_day_deadline_of_a_complaint_and_its_timer(
        app, complaints, api, login):
    clock.set_now(WEDNESDAY_BEFORE_NOWRUZ)
    assert login("admin").post("/calendar/entries", data=POLLUTION).status_code == 303
    expert = api("pr_expert_d1")
    instance_id = start_api(expert, "complaints", "d1")["id"]
    answer = drive_api(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    [exam] = answer["instance"]["open_tasks"]
    # Without the closure: 1405/01/19 (see tests/engine/test_complaints_paths.py). Closed on
    # 01/05, the 10th working day is Saturday 1405/01/22 (2026-04-11), 10:00 Tehran.
    deadline = datetime(2026, 4, 11, 6, 30)
    assert exam["due_at"].startswith(deadline.isoformat())
    with app.extensions["db_sessions"]() as s:
        assert s.scalars(select(Timer.due_at).where(Timer.status == "waiting")).all() == [deadline]

    sessions = app.extensions["db_sessions"]
    clock.set_now(datetime(2026, 4, 8, 6, 31))  # the deadline without the closure has passed
    assert fire_due_timers(sessions) == 0
    clock.set_now(deadline + timedelta(seconds=1))
    assert fire_due_timers(sessions) == 1
    with sessions() as s:
        overdue = s.scalars(select(HumanTask).where(HumanTask.form_key == "complaint_overdue")).one()
        assert (overdue.role, overdue.status) == ("district_mayor", "ready")
