"""The engine is built from parts per app and the programmes plug into it: nothing is set
process-wide, and an engine without the programmes runs diagrams without knowing them."""
import pytest
from sqlalchemy.orm import Session

from app import create_app
from engine import Engine, build_engine, engine_of
from engine_support import district_id, user
from message_137_support import KEY, deploy_messages
import engine


def _app(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test",
                       **settings})


def test_two_apps_keep_their_own_settings_whichever_was_built_last(database_url):
    first = _app(database_url, MESSAGE_DEADLINE_HOURS="service=12", SCRIPT_TIMEOUT_SECONDS=0.5,
                 PUBLIC_BASE_URL="https://137.example.ir/", TIMEZONE="Asia/Tehran")
    second = _app(database_url, MESSAGE_DEADLINE_HOURS="service=36", SCRIPT_TIMEOUT_SECONDS=3,
                  PUBLIC_BASE_URL="http://127.0.0.1:5000", TIMEZONE="UTC")
    for app, hours, seconds, url, zone in ((first, 12, 0.5, "https://137.example.ir/p/track", "Asia/Tehran"),
                                           (second, 36, 3.0, "http://127.0.0.1:5000/p/track", "UTC")):
        session = app.extensions["db_sessions"]()
        try:
            parts = engine_of(session)
            assert parts.script_helpers()["reply_deadline_hours"]("service") == hours
            assert parts.script_engine().environment.timeout_seconds == seconds
            assert parts.public_url("/p/track") == url
            assert str(parts.calendars.tz) == zone
        finally:
            session.close()


def test_the_app_registers_every_programme_on_its_engine(app, db):
    hooks = engine_of(db).hooks
    assert hooks.instance_starting and hooks.task_completed and hooks.step_stored
    assert ("mardom_salam", "Task_classify_requests") in hooks.completed_elsewhere


def test_an_engine_without_the_programmes_runs_a_137_message_without_a_tracking_code(app, db):
    deploy_messages(app)
    operator, d1 = user(db, "intake_operator_d1"), district_id(db, "d1")
    with_programmes = engine.start_instance(db, KEY, operator, d1)
    db.info[engine.core.SESSION_KEY] = Engine()  # the bare runtime: no hooks registered
    try:
        bare = engine.start_instance(db, KEY, operator, d1)
    finally:
        db.info[engine.core.SESSION_KEY] = app.extensions["bpmn_engine"]
    assert with_programmes.tracking_code and with_programmes.data["tracking_code"]
    assert bare.tracking_code is None and "tracking_code" not in bare.data
    assert [t.task_spec for t in engine.open_tasks(db, bare)] == ["Task_register_message"]


def test_a_session_no_app_made_says_how_to_carry_an_engine():
    with pytest.raises(LookupError, match="session_info"):
        engine_of(Session())


def test_bad_settings_are_refused_when_the_engine_is_built():
    with pytest.raises(ValueError, match="not a number"):
        build_engine({"MESSAGE_DEADLINE_HOURS": "service=soon"})
