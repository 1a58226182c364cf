"""Open311's abuse limits: past them a client gets 429, in Open311's error shape."""
import pytest

from app import create_app
from open311_support import BASE, deploy_citizen_processes, issue_key, json_errors, post_request, stored_requests, xml_of


@pytest.fixture
def strict_app(app, database_url):
    """A second app on the same (demo-filled) database, with low limits."""
    strict = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                         "SECRET_KEY": "test", "OPEN311_POST_RATE_LIMIT": "2 per minute",
                         "OPEN311_RATE_LIMIT": "5 per minute"})
    deploy_citizen_processes(strict)
    yield strict
    strict.extensions["db_engine"].dispose()


def test_a_third_post_within_a_minute_reaches_the_rate_limit_and_is_not_filed(strict_app):
    client = strict_app.test_client()
    _, key = issue_key(strict_app)
    assert [post_request(client, key).status_code for _ in range(2)] == [201, 201]
    response = post_request(client, key)
    assert response.status_code == 429
    assert "2 per 1 minute" in json_errors(response)[0]
    response = post_request(client, key, "xml")
    assert response.status_code == 429
    assert xml_of(response).find("error").findtext("code") == "429"
    assert len(stored_requests(strict_app)) == 2


def test_reading_one_resource_past_the_general_limit_is_refused_too(strict_app):
    client = strict_app.test_client()
    codes = [client.get(f"{BASE}/requests.json").status_code for _ in range(5)]
    assert codes == [200] * 5
    response = client.get(f"{BASE}/requests.xml")
    assert response.status_code == 429
    assert xml_of(response).tag == "errors"
    # Each endpoint counts on its own (one limit per decorated view).
    assert client.get(f"{BASE}/services.json").status_code == 200
