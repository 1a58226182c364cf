"""Fixtures: one migrated database per test session (per xdist worker; SQLite, or derived
from TEST_DATABASE_URL) holding the demo data, one app built once, and per test a transaction
that every session joins and that is rolled back at the end; tests marked `committed` get
emptied tables, committed demo data and a fresh app instead (tests/database_support.py).
Also: cheap password hashing, demo users, logged-in clients and API tokens."""
import os
import re
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import people.accounts
from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import limiter
from modeling.deploy import deploy_process
from models import clock
from tests.database_support import (TEST_CONFIG, TestTransaction, committed_rows_changed,
                                    create_test_database, drop_test_database, empty_all_tables,
                                    ensure_demo_data, reset_to_demo_data)

__all__ = ["empty_all_tables"]  # tests import it from here

FIXTURES = Path(__file__).parent / "fixtures"
PROCESSES = Path(__file__).resolve().parent.parent / "processes"
TESTS = Path(__file__).resolve().parent
# The support modules of the engine and HTTP tests (engine_support, http_support, ...) import
# each other by plain name and serve tests in other folders too: both folders are importable
# whichever tests run, not only when pytest has collected a test file of that folder.
for _support in ("engine", "http"):
    if str(Path(__file__).parent / _support) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent / _support))

# argon2id at its smallest cost for every test: each test's demo users and logins would
# otherwise spend most of its time hashing (real_password_hashing restores the real one).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Markers by folder (before -m selects): tests/browser drive Chromium against a live
    server, tests/faults run servers and schedulers in subprocesses; both need committed data."""
    for item in items:
        if TESTS / "browser" in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.committed)
        elif TESTS / "faults" in item.path.parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.committed)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not os.environ.get(
            "TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """The cheap hasher for the whole session; yields the production one."""
    production = people.accounts._hasher
    people.accounts._hasher = CHEAP_HASHER
    yield production
    people.accounts._hasher = production


@pytest.fixture
def real_password_hashing(_cheap_password_hashing, monkeypatch):
    """The production argon2 hasher, for the tests that check its parameters."""
    monkeypatch.setattr(people.accounts, "_hasher", _cheap_password_hashing)


@pytest.fixture(autouse=True)
def _real_clock():
    """Every test starts and ends on real time, whatever it did to the clock (models.clock)."""
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """This worker's migrated test database (dropped at the end if it was made for it)."""
    url = create_test_database(tmp_path_factory.mktemp("db"))
    yield url
    drop_test_database(url)


@pytest.fixture(scope="session")
def _shared_app(database_url, _cheap_password_hashing):
    """The app every savepoint-mode test uses, built once (create_app takes about a quarter of
    a second here, and some 1,400 tests use the app), and the committed demo data."""
    application = create_app({"DATABASE_URL": database_url, **TEST_CONFIG})
    ensure_demo_data(database_url, application.extensions["db_sessions"])
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def app(request, database_url, _shared_app):
    """The app with the demo data. Savepoint mode: the shared app, its sessions joined to the
    test's transaction, its config and rate-limit counters put back afterwards. Tests marked
    `committed`: a fresh app on real connections, after emptying the tables."""
    if request.node.get_closest_marker("committed"):
        committed_rows_changed()
        application = create_app({"DATABASE_URL": database_url, **TEST_CONFIG})
        try:
            reset_to_demo_data(database_url, application.extensions["db_sessions"])
            yield application
        finally:
            committed_rows_changed()
            application.extensions["db_engine"].dispose()
        return
    application = _shared_app
    real_sessions = application.extensions["db_sessions"]
    ensure_demo_data(database_url, real_sessions)
    config = dict(application.config)
    limiter.reset()
    transaction = TestTransaction(application.extensions["db_engine"])
    try:
        transaction.join(application)
        yield application
    finally:
        transaction.rollback()
        # A calendar entry the test made is rolled back: so must be the calendars cached from it.
        application.extensions["bpmn_engine"].calendars.invalidate()
        application.extensions["db_sessions"] = real_sessions
        application.config.clear()
        application.config.update(config)


@pytest.fixture
def db(app):
    """A session for arranging and checking; commit what you arrange."""
    session = app.extensions["db_sessions"]()
    yield session
    session.close()


def deploy_file(app, path: Path):
    """Deploy a BPMN file directly (as `flask processes deploy` would)."""
    session = app.extensions["db_sessions"]()
    version, _ = deploy_process(session, path.read_bytes(), filename=path.name)
    session.commit()
    session.close()
    return version


@pytest.fixture
def complaints(app):
    return deploy_file(app, PROCESSES / "complaints.bpmn")


class Browser:
    """A test client logged in as one user, with CSRF handled like a real browser."""

    def __init__(self, app, username):
        self.client = app.test_client()
        self.username = username
        response = self.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        return self.client.post(url, data=data or {}, **kw)


@pytest.fixture
def login(app):
    return lambda username: Browser(app, username)


class Api:
    """A JSON API client holding a bearer token."""

    def __init__(self, app, username):
        self.client = app.test_client()
        response = self.client.post("/api/v1/auth/token",
                                    json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers, **kw)


@pytest.fixture
def api(app):
    return lambda username: Api(app, username)


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 protocol server for the session (moto's, on 127.0.0.1, a free port): its URL."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def _s3_admin(s3_server):
    """A client of s3_server that makes the buckets (built once: a boto3 client costs ~0.5 s)."""
    import boto3
    return boto3.session.Session().client("s3", endpoint_url=s3_server, region_name="us-east-1",
                                          aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def s3_settings(s3_server, _s3_admin):
    """The DOCUMENTS_* settings of an S3 storage in a bucket of this test's own on s3_server."""
    import uuid
    settings = {"DOCUMENTS_STORAGE": "s3", "DOCUMENTS_S3_ENDPOINT_URL": s3_server,
                "DOCUMENTS_S3_BUCKET": f"test-{uuid.uuid4().hex[:12]}",
                "DOCUMENTS_S3_REGION": "us-east-1", "DOCUMENTS_S3_ACCESS_KEY": "test",
                "DOCUMENTS_S3_SECRET_KEY": "test"}
    _s3_admin.create_bucket(Bucket=settings["DOCUMENTS_S3_BUCKET"])
    return settings
