"""Abuse limits of the public endpoints: filing and following are rate-limited per address."""
import pytest
from portal_support import FILED, deploy_citizen_processes

from app import create_app
from app.demo import load_demo_data


@pytest.fixture
def limited_app(app, database_url):
    """An app of its own with low limits, in the test's transaction like `app`."""
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                              "PORTAL_FILE_RATE_LIMIT": "2 per minute",
                              "PORTAL_TRACK_RATE_LIMIT": "3 per minute",
                              "PORTAL_RATE_LIMIT": "8 per minute"})
    with application.app_context():
        session = application.extensions["db_sessions"]()
        load_demo_data(session)
        session.commit()
        session.close()
    deploy_citizen_processes(application)
    yield application
    application.extensions["db_engine"].dispose()


def test_filing_more_than_the_limit_is_refused_with_a_persian_page(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        assert client.post("/p/requests/new", data=FILED, content_type="multipart/form-data").status_code == 303
    refused = client.post("/p/requests/new", data=FILED, content_type="multipart/form-data")
    assert refused.status_code == 429
    assert 'data-testid="too-many"' in refused.get_data(as_text=True)


def test_guessing_follow_up_checks_is_stopped_after_a_few_tries(limited_app):
    client = limited_app.test_client()
    answers = [client.post("/p/track", data={"code": "137-050101-ABCDEF", "check": f"{n:04d}"}).status_code
               for n in range(5)]
    assert answers == [400, 400, 400, 429, 429]


def test_every_public_page_has_a_limit(limited_app):
    client = limited_app.test_client()
    codes = [client.get("/p/").status_code for _ in range(9)]
    assert codes[:8] == [200] * 8 and codes[8] == 429
