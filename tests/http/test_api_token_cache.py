"""Bearer tokens checked from a short-lived cache (app/api/token_cache.py): a token known to
the process costs no query; a revocation made in this process refuses the token at once, one
made elsewhere (another worker or node) within API_TOKEN_CACHE_SECONDS; the token's expiry is
checked on every request."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select, text

from models import ApiToken, clock, utcnow

from tests.http.test_api_auth import assert_error_shape


@pytest.fixture
def token_queries(app):
    """The statements read from api_tokens since the fixture began (a list, growing)."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if "api_tokens" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _delete_tokens_as_another_node(db):
    """Drop every token with a plain statement, as another node's process would: this
    process's sessions see no ORM change, so only the cache's lifetime bounds the token."""
    db.execute(delete(ApiToken).execution_options(synchronize_session=False))
    db.commit()


def test_a_known_token_is_checked_without_a_query(api, token_queries):
    client = api("pr_expert_d1")
    assert client.get("/api/v1/processes").status_code == 200
    first = len(token_queries)
    for _ in range(3):
        assert client.get("/api/v1/processes").status_code == 200
        assert client.get("/api/v1/tasks").status_code == 200
    assert first == 1 and len(token_queries) == first


def test_with_no_cache_lifetime_every_request_asks_the_database(app, api, token_queries):
    app.config["API_TOKEN_CACHE_SECONDS"] = 0
    app.extensions.pop("api_token_cache", None)
    try:
        client = api("pr_expert_d1")
        for _ in range(3):
            assert client.get("/api/v1/processes").status_code == 200
        assert len(token_queries) == 3
    finally:
        app.extensions.pop("api_token_cache", None)


def test_a_token_revoked_elsewhere_stops_working_within_the_cache_lifetime(app, api, db):
    clock.set_now(utcnow())
    client = api("pr_expert_d1")
    assert client.get("/api/v1/processes").status_code == 200
    _delete_tokens_as_another_node(db)
    seconds = app.config["API_TOKEN_CACHE_SECONDS"]
    assert seconds == 30
    clock.advance(seconds=seconds - 1)
    assert client.get("/api/v1/processes").status_code == 200  # still trusted: within the bound
    clock.advance(seconds=1)
    assert_error_shape(client.get("/api/v1/processes"), 401)


def test_deactivating_a_user_refuses_their_cached_token_at_once(app, api):
    from http_support import Arrange
    client = api("pr_expert_d1")
    assert client.get("/api/v1/tasks").status_code == 200
    Arrange(app).set_active("pr_expert_d1", False)
    assert_error_shape(client.get("/api/v1/tasks"), 401)


def test_a_new_password_refuses_the_cached_token_at_once(app, api, db):
    from models import User
    from people.accounts import hash_password
    client = api("pr_expert_d1")
    assert client.get("/api/v1/tasks").status_code == 200
    db.scalars(select(User).where(User.username == "pr_expert_d1")).one().password_hash = \
        hash_password("a brand new long password 42")
    db.commit()
    assert_error_shape(client.get("/api/v1/tasks"), 401)


def test_a_cached_token_past_its_expiry_is_refused(app, api, db):
    clock.set_now(utcnow())
    client = api("pr_expert_d1")
    assert client.get("/api/v1/processes").status_code == 200
    # The expiry moved without this process's ORM (another node's statement): the cached
    # expiry still holds, and is checked on every request.
    db.execute(text("UPDATE api_tokens SET expires_at = :at"), {"at": utcnow() + timedelta(seconds=5)})
    db.commit()
    clock.advance(seconds=4)
    assert client.get("/api/v1/processes").status_code == 200
    clock.advance(hours=13)
    assert_error_shape(client.get("/api/v1/processes"), 401)


def test_a_grant_taken_back_applies_to_a_cached_token_at_once(complaints, api, db):
    from models import RoleGrant, User
    client = api("pr_expert_d1")
    body = {"district": "d1", "title": "از طریق API"}
    assert client.post("/api/v1/processes/complaints/instances", json=body).status_code == 201
    user = db.scalars(select(User).where(User.username == "pr_expert_d1")).one()
    user.grants.clear()
    db.commit()
    assert db.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).first() is None
    assert_error_shape(client.post("/api/v1/processes/complaints/instances", json=body), 403)
