"""The working calendar cached in each process is emptied on every node at once: a change bumps
the `calendar` counter of cache_versions in its own transaction, and every process reads the
counter once per transaction that needs a calendar (two create_app() on one database)."""
from datetime import date

import pytest
from sqlalchemy import select

from app import create_app
from app.demo import DEMO_PASSWORD
from http_support import table_rows
from models import User, clock
from models.cache_versions import CALENDAR, cache_version
from tests.database_support import TEST_CONFIG
from tests.http.test_calendar_admin import POLLUTION, WEDNESDAY_BEFORE_NOWRUZ
from workcal import store

CLOSED_DAY = date(2026, 3, 25)  # 1405/01/05, POLLUTION's day


def admin_of(session) -> User:
    return session.scalars(select(User).where(User.username == "admin")).one()


def closed_on(session, day) -> bool:
    return any(entry.kind == "closure" for entry in store.calendar_for(session).entries_on(day))


def in_session(app, work):
    session = app.extensions["db_sessions"]()
    try:
        result = work(session)
        session.commit()
        return result
    finally:
        session.close()


@pytest.fixture
def other_app(app):
    """A second app instance (another node) on the same database."""
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], **TEST_CONFIG})
    yield other
    other.extensions["db_engine"].dispose()


def test_a_calendar_change_on_one_node_is_seen_by_another_on_its_next_transaction(app, other_app):
    assert app.extensions["bpmn_engine"].calendars is not other_app.extensions["bpmn_engine"].calendars
    assert in_session(other_app, lambda s: closed_on(s, CLOSED_DAY)) is False  # cached there now
    before = in_session(app, lambda s: cache_version(s, CALENDAR))
    in_session(app, lambda s: store.add_entry(s, admin_of(s), "1405/01/05", "closure", note="آلودگی"))
    assert in_session(app, lambda s: cache_version(s, CALENDAR)) == before + 1
    assert in_session(other_app, lambda s: closed_on(s, CLOSED_DAY)) is True
    entry_id = in_session(app, lambda s: s.scalars(select(store.CalendarDay.id)).one())
    in_session(app, lambda s: store.remove_entry(s, admin_of(s), entry_id))
    assert in_session(other_app, lambda s: closed_on(s, CLOSED_DAY)) is False


def test_a_calendar_change_rolled_back_leaves_no_trace_in_the_cache(app):
    session = app.extensions["db_sessions"]()
    try:
        store.add_entry(session, admin_of(session), "1405/01/05", "closure", note="آلودگی")
        assert closed_on(session, CLOSED_DAY) is True  # this transaction sees its own entry
        session.rollback()
        assert closed_on(session, CLOSED_DAY) is False  # the counter went back: cache emptied
    finally:
        session.close()


@pytest.mark.committed
def test_a_closure_saved_through_one_node_shows_on_the_other_nodes_calendar_page_at_once(app):
    clock.set_now(WEDNESDAY_BEFORE_NOWRUZ)
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], **TEST_CONFIG})
    try:
        clients = []
        for node in (app, other):
            client = node.test_client()
            assert client.post("/login", data=_admin_login()).status_code == 302
            clients.append(client)
        first, second = clients
        days = {r[0]: r for r in table_rows(second.get("/calendar"), "calendar-days")}
        assert days["۱۴۰۵/۰۱/۰۵"][2] != "تعطیل"  # the second node has cached the calendar
        assert first.post("/calendar/entries", data=POLLUTION).status_code == 303
        days = {r[0]: r for r in table_rows(second.get("/calendar"), "calendar-days")}
        assert days["۱۴۰۵/۰۱/۰۵"][2] == "تعطیل"
    finally:
        other.extensions["db_engine"].dispose()


def _admin_login() -> dict:
    return {"username": "admin", "password": DEMO_PASSWORD}

