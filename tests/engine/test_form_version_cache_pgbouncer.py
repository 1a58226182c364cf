"""Behind PgBouncer (DATABASE_PGBOUNCER) the cache of form versions reads in the caller's
transaction: it never takes a second connection (which, in transaction mode, waits for a
server connection that every other such caller may hold), and a failed read leaves the
caller's transaction usable."""
from sqlalchemy import select, text

from formjs.version_cache import FormVersionCache, latest_schema
from formjs.version_cache import SESSION_KEY as FORM_VERSIONS_KEY
from models import FormVersion, User


class NoSecondConnection:
    """An engine that counts the connections the cache asks it for, and gives none."""

    dialect = None

    def __init__(self):
        self.asked = 0

    def raw_connection(self):
        self.asked += 1
        raise AssertionError("the cache took a second connection")


def _save_version(db, key: str, version: int) -> None:
    db.add(FormVersion(form_key=key, version=version, schema={"components": [], "v": version},
                       content_sha256="0" * 64))
    db.flush()


def test_in_the_callers_transaction_the_cache_reads_through_the_session(db):
    _save_version(db, "pgbouncer_form", 3)
    engine = NoSecondConnection()
    db.info[FORM_VERSIONS_KEY] = FormVersionCache(engine, in_caller_transaction=True)
    try:
        version, schema = latest_schema(db, "pgbouncer_form")
    finally:
        db.info.pop(FORM_VERSIONS_KEY)
    assert (version, schema["v"]) == (3, 3)
    assert engine.asked == 0


def test_without_the_setting_the_cache_takes_a_connection_of_its_own(db):
    _save_version(db, "pgbouncer_form", 3)
    engine = NoSecondConnection()
    db.info[FORM_VERSIONS_KEY] = FormVersionCache(engine)
    try:
        # Refused a connection, the cache knows nothing (the files are the latest versions).
        assert latest_schema(db, "pgbouncer_form") is None
    finally:
        db.info.pop(FORM_VERSIONS_KEY)
    assert engine.asked == 1


def test_a_failed_read_in_the_callers_transaction_leaves_it_usable(db):
    db.execute(text("DROP TABLE form_versions"))  # rolled back with the test's transaction
    db.info[FORM_VERSIONS_KEY] = FormVersionCache(NoSecondConnection(), in_caller_transaction=True)
    try:
        assert latest_schema(db, "any_form") is None
    finally:
        db.info.pop(FORM_VERSIONS_KEY)
    assert db.scalars(select(User.username).limit(1)).first() is not None
