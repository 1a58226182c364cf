"""Issue 19, safe on the internet: login throttling with back-off (pages and API), the password
policy (CLI, admin pages, one's own password), LDAP login, and rate limits shared through Redis,
behind trusted proxies, per Open311 api_key; login through LDAP and OpenID Connect."""
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import ldap3
import pytest
import redis
from joserfc.jwk import RSAKey
from sqlalchemy import select

import people.directory
from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import limiter
from http_support import alerts, page_text, translated
from oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from models import LoginFailure, clock
from open311_support import BASE, issue_key
from people.accounts import authenticate, find_user
from people.passwords import PasswordPolicy, WeakPassword, check_password
from people.throttle import ThrottlePolicy, login_wait_seconds, record_login_failure, record_login_success
from tests.database_support import TEST_CONFIG

START = datetime(2026, 12, 6, 8, 0, 0)
STRONG = "Narenji-Kooh-Dasht-42"
from tests.redis_support import REDIS_URL, redis_prefix  # noqa: F401 - a fixture


def _post_login(client, username, password, **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def _token(client, username, password, **kw):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


# ---------------------------------------------------------------- throttling, engine level

def test_waits_start_after_the_free_failures_then_double_up_to_the_cap():
    policy = ThrottlePolicy(account_free_failures=5, address_free_failures=20, max_wait_seconds=900)
    assert [policy.wait_after("account", n) for n in range(1, 12)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128]
    assert policy.wait_after("account", 40) == 900
    assert policy.wait_after("address", 19) == 0 and policy.wait_after("address", 20) == 2


def test_failures_are_counted_per_account_and_address_and_success_clears_only_the_account(db):
    clock.set_now(START)
    policy = ThrottlePolicy(account_free_failures=2, address_free_failures=3)
    assert record_login_failure(db, "Sara", "10.0.0.1", policy) == 0
    assert record_login_failure(db, "sara", "10.0.0.1", policy) == 2  # one account, any case
    assert login_wait_seconds(db, "sara", "10.0.0.9") == 2
    assert login_wait_seconds(db, "ali", "10.0.0.1") == 0
    assert record_login_failure(db, "ali", "10.0.0.1", policy) == 2  # the address's third
    clock.advance(seconds=2)
    assert login_wait_seconds(db, "sara", "10.0.0.2") == 0
    record_login_success(db, "sara")
    assert db.scalars(select(LoginFailure.scope).where(LoginFailure.key == "sara")).all() == []
    assert db.scalars(select(LoginFailure.failures).where(LoginFailure.key == "10.0.0.1")).one() == 3


def test_a_count_long_without_failures_starts_again(db):
    clock.set_now(START)
    policy = ThrottlePolicy(account_free_failures=2, forget_after_seconds=3600)
    record_login_failure(db, "sara", None, policy)
    clock.advance(hours=2)
    assert record_login_failure(db, "sara", None, policy) == 0


# ---------------------------------------------------------------- throttling, login page and API

def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(app):
    clock.set_now(START)
    client = app.test_client()
    codes = [_post_login(client, "pr_expert_d1", f"wrong-{n}").status_code for n in range(40)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert client.get("/").status_code == 302  # still anonymous


def test_after_five_failures_the_login_page_says_in_persian_how_long_to_wait(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(4):
        assert _post_login(client, "pr_expert_d1", f"wrong-{n}").status_code == 401
    fifth = _post_login(client, "pr_expert_d1", "wrong-4")
    assert fifth.status_code == 401
    notice = translated(app, "Too many failed logins. Try again in %(seconds)s seconds.", seconds="۲")
    assert notice in alerts(fifth) and "۲" in notice
    refused = _post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert alerts(refused) == [notice]  # no "wrong password": it was not checked
    clock.advance(seconds=1)
    assert _post_login(client, "pr_expert_d1", DEMO_PASSWORD).headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert _post_login(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 302


def test_each_further_failure_doubles_the_wait_and_long_waits_are_told_in_minutes(app):
    clock.set_now(START)
    client = app.test_client()
    waits = []
    for n in range(12):
        response = _post_login(client, "pr_expert_d1", f"wrong-{n}")
        assert response.status_code == 401
        waits.append(int(response.headers.get("Retry-After", 0)))
        clock.advance(seconds=waits[-1])
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256]
    _post_login(client, "pr_expert_d1", "wrong-again")
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert alerts(response) == [translated(app, "Too many failed logins. Try again in %(minutes)s minutes.",
                                           minutes="۹")]


def test_a_successful_login_resets_the_accounts_count(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(4):
        _post_login(client, "pr_expert_d1", f"wrong-{n}")
    assert _post_login(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 302
    other = app.test_client()
    for n in range(4):
        assert _post_login(other, "pr_expert_d1", f"wrong-{n}").status_code == 401
    assert _post_login(other, "pr_expert_d1", DEMO_PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_alike(app):
    clock.set_now(START)
    client = app.test_client()
    codes = [_post_login(client, "nobody-here", f"wrong-{n}").status_code for n in range(6)]
    assert codes == [401] * 5 + [429]


def test_one_address_trying_many_accounts_is_throttled(app):
    clock.set_now(START)
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 3
    client = app.test_client()
    codes = [_post_login(client, f"user{n}", "wrong").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    # Another address may still log in to an account that had no failure of its own.
    assert _post_login(app.test_client(), "pr_expert_d1", DEMO_PASSWORD,
                       environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_the_api_token_endpoint_answers_429_json_with_retry_after(app):
    clock.set_now(START)
    client = app.test_client()
    assert [_token(client, "pr_expert_d1", f"wrong-{n}").status_code for n in range(5)] == [401] * 5
    response = _token(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.get_json() == {"error": "Too many failed logins: try again after Retry-After seconds.",
                                   "details": {"retry_after_seconds": 2}}
    clock.advance(seconds=2)
    assert _token(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 200


def test_api_and_page_failures_add_up_on_one_account(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(3):
        _token(client, "pr_expert_d1", f"wrong-{n}")
    _post_login(client, "pr_expert_d1", "wrong")
    _post_login(client, "pr_expert_d1", "wrong")
    assert _token(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 429


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
    assert _post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 302
    assert _post_login(app.test_client(), "pr_expert_d1", DEMO_PASSWORD).status_code == 302
    assert _token(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 200


def test_the_directory_refuses_wrong_passwords_empty_ones_and_users_unknown_here(app, directory):
    clock.set_now(START)
    client = app.test_client()
    assert _post_login(client, "pr_expert_d1", "Directory-Secret-2").status_code == 401
    assert _post_login(client, "pr_expert_d1", "").status_code == 401
    # The directory knows "stranger", this system does not: no roles, no login.
    assert _post_login(client, "stranger", "Stranger-Secret-2").status_code == 401
    # A username that would change the bind DN is never sent.
    assert _post_login(client, "x,ou=admins", "Directory-Secret-1").status_code == 401


def test_an_inactive_local_user_cannot_log_in_through_the_directory(app, directory, db):
    find_user(db, "pr_expert_d1").is_active = False
    db.commit()
    assert _post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


def test_without_ldap_settings_the_directory_password_does_not_log_in(app, directory):
    app.config["LDAP_URL"] = ""
    assert _post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


def test_an_unreachable_directory_refuses_without_an_error(app):
    app.config.update(LDAP_URL="ldap://127.0.0.1:1", LDAP_BIND_TEMPLATE=BIND, LDAP_TIMEOUT_SECONDS=1.0)
    assert _post_login(app.test_client(), "pr_expert_d1", "Directory-Secret-1").status_code == 401


# ---------------------------------------------------------------- rate limits: proxies, Open311 keys, Redis

@pytest.fixture
def limiter_kept():
    """The process-wide limiter's storage as the shared app set it, put back after a test whose
    apps pointed it elsewhere (create_app re-initialises it)."""
    names = ("_storage", "_limiter", "_key_prefix", "_storage_dead", "_fallback_limiter")
    saved = {name: getattr(limiter, name) for name in names}
    yield
    for name, value in saved.items():
        setattr(limiter, name, value)


def _app(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, **TEST_CONFIG, **settings})


def _services(client, **kw):
    return client.get(f"{BASE}/services.json", **kw).status_code


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app, database_url, limiter_kept):
    direct = _app(database_url, OPEN311_RATE_LIMIT="2 per minute")
    client = direct.test_client()
    codes = [_services(client, headers={"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(3)]
    assert codes == [200, 200, 429]


def test_with_one_trusted_proxy_each_forwarded_address_has_its_own_limit(app, database_url, limiter_kept):
    proxied = _app(database_url, OPEN311_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    client = proxied.test_client()
    phone_a, phone_b = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.4, 203.0.113.8"}
    assert [_services(client, headers=phone_a) for _ in range(3)] == [200, 200, 429]
    assert [_services(client, headers=phone_b) for _ in range(2)] == [200, 200]  # the last hop counts


def test_login_throttling_counts_the_forwarded_address(app, database_url, limiter_kept):
    clock.set_now(START)
    proxied = _app(database_url, TRUSTED_PROXIES=1, LOGIN_ADDRESS_FREE_FAILURES=2)
    client = proxied.test_client()
    for n in range(2):
        _post_login(client, f"user{n}", "wrong", headers={"X-Forwarded-For": "203.0.113.7"})
    assert _post_login(client, "user9", "wrong", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert _post_login(client, "user9", "wrong", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 401


def test_open311_counts_per_valid_api_key_and_otherwise_per_address(app, database_url, limiter_kept):
    strict = _app(database_url, OPEN311_RATE_LIMIT="2 per minute")
    _, key_a = issue_key(strict, "App A")
    _, key_b = issue_key(strict, "App B")
    client = strict.test_client()
    with_key = lambda key: client.get(f"{BASE}/services.json", query_string={"api_key": key}).status_code
    assert [with_key(key_a) for _ in range(3)] == [200, 200, 429]
    assert [with_key(key_b) for _ in range(2)] == [200, 200]  # same address, its own allowance
    assert [_services(client) for _ in range(2)] == [200, 200]  # no key: the address's own
    assert with_key("made-up-key") == 429  # an unknown key counts as the address


def test_two_apps_on_one_redis_share_the_counts(app, database_url, limiter_kept, redis_prefix):
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix,
                "OPEN311_RATE_LIMIT": "3 per minute"}
    first = _app(database_url, **settings)
    assert [_services(first.test_client()) for _ in range(2)] == [200, 200]
    # A second app (another worker or node) starts with a storage of its own: with memory://
    # its count would start at 0; on Redis it sees the first app's two requests.
    second = _app(database_url, **settings)
    assert [_services(second.test_client()) for _ in range(2)] == [200, 429]
    assert _services(first.test_client()) == 429
    assert any(redis_prefix in key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(
        match=f"*{redis_prefix}*"))


def test_memory_storage_is_per_app_so_redis_is_what_shares(app, database_url, limiter_kept):
    settings = {"RATELIMIT_STORAGE_URI": "memory://", "OPEN311_RATE_LIMIT": "3 per minute"}
    first = _app(database_url, **settings)
    assert [_services(first.test_client()) for _ in range(2)] == [200, 200]
    second = _app(database_url, **settings)
    assert [_services(second.test_client()) for _ in range(2)] == [200, 200]


def test_an_unreachable_redis_falls_back_to_memory_instead_of_errors(app, database_url, limiter_kept):
    gone = _app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", OPEN311_RATE_LIMIT="2 per minute")
    client = gone.test_client()
    assert [_services(client) for _ in range(3)] == [200, 200, 429]


def test_the_storage_uri_and_proxies_are_read_from_the_environment(monkeypatch):
    from app.config import load_config
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/1")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    config = load_config()
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/1" and config["TRUSTED_PROXIES"] == 2


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
