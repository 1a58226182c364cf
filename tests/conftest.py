"""Fixtures: one migrated database per test run (SQLite, or TEST_DATABASE_URL), emptied
before each test; the app; demo users; logged-in clients and API tokens."""
import os
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.demo import DEMO_PASSWORD, load_demo_data
from app.migrate import upgrade_database
from formjs import version_cache as form_version_cache
from modeling.deploy import deploy_process
from models import Base, clock, make_engine

FIXTURES = Path(__file__).parent / "fixtures"
PROCESSES = Path(__file__).resolve().parent.parent / "processes"
# The support modules of the engine and HTTP tests (engine_support, http_support, ...) import
# each other by plain name and serve tests in other folders too: both folders are importable
# whichever tests run, not only when pytest has collected a test file of that folder.
for _support in ("engine", "http"):
    if str(Path(__file__).parent / _support) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent / _support))


@pytest.fixture(autouse=True)
def _real_clock():
    """Every test starts and ends on real time, whatever it did to the clock (models.clock)."""
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _forms_from_files_afterwards():
    """Every test ends reading forms from their files: an app it built points the process-wide
    cache of form versions at its database (formjs.version_cache), which the next test,
    perhaps without an app, must not read."""
    yield
    form_version_cache.use_database(None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    upgrade_database(url)
    return url


def empty_all_tables(url):
    """Delete every row of every table (the schema stays)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def app(database_url):
    empty_all_tables(database_url)
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"})
    with application.app_context():
        session = application.extensions["db_sessions"]()
        load_demo_data(session)
        session.commit()
        session.close()
    yield application
    application.extensions["db_engine"].dispose()


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
