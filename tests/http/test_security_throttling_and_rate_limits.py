"""Issue 19, safe on the internet: login throttling with back-off (pages and API), and rate
limits shared through Redis, behind trusted proxies, per Open311 api_key. Passwords, LDAP and
OpenID Connect: test_security_passwords_ldap_and_oidc.py."""
import pytest
import redis
from sqlalchemy import select

from app import create_app
from app.demo import DEMO_PASSWORD
from app.extensions import limiter
from http_support import alerts, translated
from login_support import START, post_login, post_token
from models import LoginFailure, clock
from open311_support import BASE, issue_key
from people.throttle import ThrottlePolicy, login_wait_seconds, record_login_failure, record_login_success
from tests.database_support import TEST_CONFIG
from tests.redis_support import REDIS_URL, redis_prefix  # noqa: F401 - a fixture


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
    codes = [post_login(client, "pr_expert_d1", f"wrong-{n}").status_code for n in range(40)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    response = post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert client.get("/").status_code == 302  # still anonymous


def test_after_five_failures_the_login_page_says_in_persian_how_long_to_wait(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(4):
        assert post_login(client, "pr_expert_d1", f"wrong-{n}").status_code == 401
    fifth = post_login(client, "pr_expert_d1", "wrong-4")
    assert fifth.status_code == 401
    notice = translated(app, "Too many failed logins. Try again in %(seconds)s seconds.", seconds="۲")
    assert notice in alerts(fifth) and "۲" in notice
    refused = post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert alerts(refused) == [notice]  # no "wrong password": it was not checked
    clock.advance(seconds=1)
    assert post_login(client, "pr_expert_d1", DEMO_PASSWORD).headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert post_login(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 302


def test_each_further_failure_doubles_the_wait_and_long_waits_are_told_in_minutes(app):
    clock.set_now(START)
    client = app.test_client()
    waits = []
    for n in range(12):
        response = post_login(client, "pr_expert_d1", f"wrong-{n}")
        assert response.status_code == 401
        waits.append(int(response.headers.get("Retry-After", 0)))
        clock.advance(seconds=waits[-1])
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256]
    post_login(client, "pr_expert_d1", "wrong-again")
    response = post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert alerts(response) == [translated(app, "Too many failed logins. Try again in %(minutes)s minutes.",
                                           minutes="۹")]


def test_a_successful_login_resets_the_accounts_count(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(4):
        post_login(client, "pr_expert_d1", f"wrong-{n}")
    assert post_login(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 302
    other = app.test_client()
    for n in range(4):
        assert post_login(other, "pr_expert_d1", f"wrong-{n}").status_code == 401
    assert post_login(other, "pr_expert_d1", DEMO_PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_alike(app):
    clock.set_now(START)
    client = app.test_client()
    codes = [post_login(client, "nobody-here", f"wrong-{n}").status_code for n in range(6)]
    assert codes == [401] * 5 + [429]


def test_one_address_trying_many_accounts_is_throttled(app):
    clock.set_now(START)
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 3
    client = app.test_client()
    codes = [post_login(client, f"user{n}", "wrong").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    # Another address may still log in to an account that had no failure of its own.
    assert post_login(app.test_client(), "pr_expert_d1", DEMO_PASSWORD,
                       environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_the_api_token_endpoint_answers_429_json_with_retry_after(app):
    clock.set_now(START)
    client = app.test_client()
    assert [post_token(client, "pr_expert_d1", f"wrong-{n}").status_code for n in range(5)] == [401] * 5
    response = post_token(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.get_json() == {"error": "Too many failed logins: try again after Retry-After seconds.",
                                   "details": {"retry_after_seconds": 2}}
    clock.advance(seconds=2)
    assert post_token(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 200


def test_api_and_page_failures_add_up_on_one_account(app):
    clock.set_now(START)
    client = app.test_client()
    for n in range(3):
        post_token(client, "pr_expert_d1", f"wrong-{n}")
    post_login(client, "pr_expert_d1", "wrong")
    post_login(client, "pr_expert_d1", "wrong")
    assert post_token(client, "pr_expert_d1", DEMO_PASSWORD).status_code == 429


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
        post_login(client, f"user{n}", "wrong", headers={"X-Forwarded-For": "203.0.113.7"})
    assert post_login(client, "user9", "wrong", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert post_login(client, "user9", "wrong", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 401


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
