"""Issue 19, safe on the internet: the password policy (CLI, admin pages, one's own password),
and login through LDAP and OpenID Connect. Login throttling and rate limits:
test_security_throttling_and_rate_limits.py."""
import time
from urllib.parse import parse_qs, urlsplit

import ldap3
import pytest
from joserfc.jwk import RSAKey

import people.directory
from app.demo import DEMO_PASSWORD
from http_support import alerts, page_text, translated
from login_support import START, post_login, post_token
from oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from models import clock
from people.accounts import authenticate, find_user
from people.passwords import PasswordPolicy, WeakPassword, check_password

STRONG = "Narenji-Kooh-Dasht-42"


# ---------------------------------------------------------------- the password policy

@pytest.mark.parametrize("password, username, why", [
    ("password", "", "at least"),
    ("12345678", "", "at least"),
    ("password1234", "", "most common"),
    ("1234567890", "", "most common"),
    ("sara.amini-1405", "sara.amini", "username"),
    ("aaaaaaaaaaaa", "", "too easy"),
    ("1qaz2wsx3edc4", "", "too easy"),
])
def test_weak_passwords_are_refused_with_the_reason(password, username, why):
    with pytest.raises(WeakPassword, match=why):
        check_password(password, username)


def test_a_strong_password_and_a_lower_configured_score_pass():
    check_password(STRONG, "sara")
    check_password("Sara1405!!x", "", PasswordPolicy(min_length=10, min_score=2))
    check_password(DEMO_PASSWORD, "pr_expert_d1")  # the demo users' password passes the policy


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


@pytest.mark.parametrize("weak", ["password", "12345678", "new_clerk_1", "new_clerk_1!"])
def test_users_create_refuses_a_weak_password_in_english_and_persian(cli, db, weak):
    result = cli("users", "create", "new_clerk_1", "--password", weak)
    assert result.exit_code != 0
    assert "گذرواژه" in result.output
    assert find_user(db, "new_clerk_1") is None


def test_users_create_and_set_password_accept_a_strong_password(cli, db):
    assert cli("users", "create", "new_clerk", "--password", STRONG).exit_code == 0
    assert authenticate(db, "new_clerk", STRONG) is not None
    refused = cli("users", "set-password", "new_clerk", "--password", "12345678")
    assert refused.exit_code != 0 and "گذرواژه" in refused.output
    result = cli("users", "set-password", "new_clerk", "--password", "Another-Long-Pass-7")
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert authenticate(db, "new_clerk", "Another-Long-Pass-7") is not None


def test_the_admin_creates_a_user_only_with_a_strong_password(app, login, db):
    admin = login("admin")
    form = {"username": "new_clerk", "full_name": "سارا امینی", "password": "password",
            "password_confirm": "password"}
    refused = admin.post("/admin/users/new", data=form)
    assert refused.status_code == 400
    assert translated(app, "The password must have at least {min_length} characters.").format(
        min_length="۱۰") in page_text(refused)
    assert find_user(db, "new_clerk") is None
    mismatch = admin.post("/admin/users/new", data={**form, "password": STRONG})
    assert translated(app, "The two passwords differ.") in page_text(mismatch)
    created = admin.post("/admin/users/new", data={**form, "password": STRONG, "password_confirm": STRONG})
    assert created.status_code == 303
    assert authenticate(db, "new_clerk", STRONG) is not None
    assert admin.post("/admin/users/new", data={**form, "password": STRONG, "password_confirm": STRONG}
                      ).status_code == 400  # taken


def test_the_admin_resets_a_password_only_to_a_strong_one(app, login, db):
    admin = login("admin")
    user = find_user(db, "pr_expert_d1")
    weak = admin.post(f"/admin/users/{user.id}/password",
                      data={"password": "pr_expert_d1-2026", "password_confirm": "pr_expert_d1-2026"})
    assert weak.status_code == 400
    assert translated(app, "The password must not be or contain the username.") in page_text(weak)
    done = admin.post(f"/admin/users/{user.id}/password", data={"password": STRONG, "password_confirm": STRONG})
    assert done.status_code == 303
    db.expire_all()
    assert authenticate(db, "pr_expert_d1", STRONG) is not None


def test_a_user_changes_their_own_password_under_the_policy(app, login, db):
    me = login("pr_expert_d1")
    assert me.get("/password").status_code == 200
    wrong = me.post("/password", data={"current_password": "nope", "password": STRONG, "password_confirm": STRONG})
    assert wrong.status_code == 400
    assert translated(app, "The current password is wrong.") in page_text(wrong)
    weak = me.post("/password", data={"current_password": DEMO_PASSWORD, "password": "qwertyuiop12",
                                      "password_confirm": "qwertyuiop12"})
    assert weak.status_code == 400
    assert authenticate(db, "pr_expert_d1", DEMO_PASSWORD) is not None
    done = me.post("/password", data={"current_password": DEMO_PASSWORD, "password": STRONG,
                                      "password_confirm": STRONG})
    assert done.status_code == 303
    db.expire_all()
    assert authenticate(db, "pr_expert_d1", STRONG) is not None
    # The session that changed it goes on; every other session of the user ends.
    assert me.get("/").status_code == 200


# ---------------------------------------------------------------- LDAP / Active Directory

BIND = "uid={username},ou=people,dc=qom,dc=ir"


@pytest.fixture
def directory(app, monkeypatch):
    """A mock directory (ldap3's MOCK_SYNC, the DIT on one Server) holding sara's and
    pr_expert_d1's directory passwords, and the app configured to log in against it."""
    server = ldap3.Server("ldap://directory.test")
    seed = ldap3.Connection(server, user="cn=admin,dc=qom,dc=ir", password="x", client_strategy=ldap3.MOCK_SYNC)
    for uid, secret in (("pr_expert_d1", "Directory-Secret-1"), ("stranger", "Stranger-Secret-2")):
        seed.strategy.add_entry(BIND.format(username=uid), {"uid": uid, "userPassword": secret,
                                                            "objectClass": "person"})
    monkeypatch.setattr(people.directory, "make_server", lambda directory: server)
    monkeypatch.setattr(people.directory, "CLIENT_STRATEGY", ldap3.MOCK_SYNC)
    app.config.update(LDAP_URL="ldap://directory.test", LDAP_BIND_TEMPLATE=BIND)
    return server


def test_the_directory_password_logs_a_local_user_in_and_the_local_one_still_works(app, directory):
    assert post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 302
    assert post_login(app.test_client(), "pr_expert_d1", DEMO_PASSWORD).status_code == 302
    assert post_token(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 200


def test_the_directory_refuses_wrong_passwords_empty_ones_and_users_unknown_here(app, directory):
    clock.set_now(START)
    client = app.test_client()
    assert post_login(client, "pr_expert_d1", "Directory-Secret-2").status_code == 401
    assert post_login(client, "pr_expert_d1", "").status_code == 401
    # The directory knows "stranger", this system does not: no roles, no login.
    assert post_login(client, "stranger", "Stranger-Secret-2").status_code == 401
    # A username that would change the bind DN is never sent.
    assert post_login(client, "x,ou=admins", "Directory-Secret-1").status_code == 401


def test_an_inactive_local_user_cannot_log_in_through_the_directory(app, directory, db):
    find_user(db, "pr_expert_d1").is_active = False
    db.commit()
    assert post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


def test_without_ldap_settings_the_directory_password_does_not_log_in(app, directory):
    app.config["LDAP_URL"] = ""
    assert post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


def test_an_unreachable_directory_refuses_without_an_error(app):
    app.config.update(LDAP_URL="ldap://127.0.0.1:1", LDAP_BIND_TEMPLATE=BIND, LDAP_TIMEOUT_SECONDS=1.0)
    assert post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


# ---------------------------------------------------------------- OpenID Connect

@pytest.fixture
def provider(app):
    """The fake provider, and the app configured to log in through it."""
    fake = FakeProvider()
    app.config.update(OIDC_ISSUER=fake.issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    yield fake
    fake.stop()


def _to_provider(client, next_=None):
    """Follow the login page's button: the redirect to the provider, and its query."""
    response = client.get("/login/oidc", query_string={"next": next_} if next_ else None)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/authorize"
    return {k: v[0] for k, v in parse_qs(target.query).items()}


def _callback(client, query, code="code-1"):
    return client.get(urlsplit(query["redirect_uri"]).path,
                      query_string={**parse_qs(urlsplit(query["redirect_uri"]).query), "code": code,
                                    "state": query["state"]})


def test_the_login_page_offers_the_city_login_only_when_configured(app, provider):
    assert 'data-testid="oidc-login"' in app.test_client().get("/login").get_data(as_text=True)
    app.config["OIDC_ISSUER"] = ""
    assert 'data-testid="oidc-login"' not in app.test_client().get("/login").get_data(as_text=True)
    assert app.test_client().get("/login/oidc").status_code == 404


def test_the_providers_id_token_logs_the_local_user_in_and_follows_next(app, provider):
    client = app.test_client()
    query = _to_provider(client, next_="/instances")
    assert query["client_id"] == CLIENT_ID and "openid" in query["scope"]
    provider.issue("code-1", query["nonce"], preferred_username="pr_expert_d1")
    response = _callback(client, query)
    assert response.status_code == 302, page_text(response)
    assert urlsplit(response.headers["Location"]).path == "/instances"
    assert client.get("/").status_code == 200
    assert provider.token_requests[0]["code"] == "code-1"


@pytest.mark.parametrize("what", ["wrong nonce", "another key", "wrong audience", "expired", "forged state"])
def test_an_id_token_or_state_that_does_not_check_out_logs_nobody_in(app, provider, what):
    client = app.test_client()
    query = _to_provider(client)
    claims = {"preferred_username": "pr_expert_d1"}
    nonce, key = query["nonce"], None
    if what == "wrong nonce":
        nonce = "not-the-nonce"
    elif what == "another key":
        key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    elif what == "wrong audience":
        claims["aud"] = "another-client"
    elif what == "expired":
        claims["exp"] = int(time.time()) - 600
    elif what == "forged state":
        query["state"] = "made-up-state"
    provider.issue("code-1", nonce, key, **claims)
    response = _callback(client, query)
    assert response.status_code == 401
    assert alerts(response) == [translated(app, "The city's login service did not confirm who you are.")]
    assert client.get("/").status_code == 302


def test_a_provider_user_unknown_here_is_refused_with_a_persian_message(app, provider):
    client = app.test_client()
    query = _to_provider(client)
    provider.issue("code-1", query["nonce"], preferred_username="stranger")
    response = _callback(client, query)
    assert response.status_code == 403
    assert alerts(response) == [translated(
        app, "No active account here matches your city login; ask the administrator.")]


def test_an_unreachable_provider_gives_a_clear_page_not_a_500(app):
    app.config.update(OIDC_ISSUER="http://127.0.0.1:1", OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    response = app.test_client().get("/login/oidc")
    assert response.status_code == 502
    assert alerts(response) == [translated(app, "The city's login service cannot be reached; try again later.")]
