"""Issue 19's findings on secrets, sessions, cookies and headers, each replayed: a session cookie
signed with the repository's development key, a cookie kept after logout, a password change or
deactivation, cookie flags the environment could not set, pages without security headers."""
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from app import create_app
from app.config import DEVELOPMENT_SECRET_KEY, ConfigError
from app.demo import DEMO_PASSWORD
from models import ApiToken
from models.shredding import DEVELOPMENT_KEY
from people.accounts import deactivate_user, find_user, hash_password
from tests.database_support import TEST_CONFIG
from http_support import Arrange, location_path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
REAL_SECRETS = {"SECRET_KEY": "k" * 48, "PERSONAL_DATA_KEY": "p" * 48}
# A production app on the test database (its transaction): no TESTING, APP_ENV production.
PRODUCTION = {**TEST_CONFIG, "TESTING": False, "APP_ENV": "production"}


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    """The deployment's own environment never decides these tests."""
    for key in ("APP_ENV", "SECRET_KEY", "PERSONAL_DATA_KEY", "PUBLIC_BASE_URL", "HSTS_SECONDS",
                "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE"):
        monkeypatch.delenv(key, raising=False)


def _app(app, **settings):
    """Another app on the test database (joined to the test's transaction)."""
    base = dict(PRODUCTION) if settings.get("APP_ENV", "production") == "production" else dict(TEST_CONFIG)
    base.pop("SECRET_KEY", None)
    return create_app({**base, "DATABASE_URL": app.config["DATABASE_URL"], **settings})


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _log_in(application, username="pr_expert_d1"):
    client = application.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _with_cookie(application, cookie: str):
    client = application.test_client()
    client.set_cookie("session", cookie)
    return client


def _logged_in(client, path="/") -> bool:
    response = client.get(path)
    if response.status_code == 302 and location_path(response).startswith("/login"):
        return False
    assert response.status_code == 200, response.status_code
    return True


def _cookie_signed_with(secret_key: str, data: dict) -> str:
    signer = Flask("forger")
    signer.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps(data)


# ---------------------------------------------------------------- secrets

def test_production_refuses_to_start_without_a_secret_key_and_says_how_to_make_one(app):
    with pytest.raises(ConfigError) as refused:
        _app(app, PERSONAL_DATA_KEY=REAL_SECRETS["PERSONAL_DATA_KEY"])
    message = str(refused.value)
    assert "SECRET_KEY" in message and "secrets.token_urlsafe" in message
    assert "APP_ENV=development" in message


def test_production_refuses_the_development_secret_key_given_explicitly(app):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        _app(app, SECRET_KEY=DEVELOPMENT_SECRET_KEY, PERSONAL_DATA_KEY=REAL_SECRETS["PERSONAL_DATA_KEY"])


def test_production_refuses_the_development_personal_data_key(app):
    with pytest.raises(ConfigError, match="PERSONAL_DATA_KEY is not set"):
        _app(app, SECRET_KEY=REAL_SECRETS["SECRET_KEY"])
    with pytest.raises(ConfigError, match="PERSONAL_DATA_KEY"):
        _app(app, SECRET_KEY=REAL_SECRETS["SECRET_KEY"], PERSONAL_DATA_KEY=DEVELOPMENT_KEY)


def test_production_refuses_a_short_secret(app):
    with pytest.raises(ConfigError, match="SECRET_KEY is too short"):
        _app(app, SECRET_KEY="changeme", PERSONAL_DATA_KEY=REAL_SECRETS["PERSONAL_DATA_KEY"])


def test_production_names_every_missing_secret_at_once(app):
    with pytest.raises(ConfigError) as refused:
        _app(app, SECRET_KEY="")
    assert "SECRET_KEY is not set" in str(refused.value)
    assert "PERSONAL_DATA_KEY is not set" in str(refused.value)


def test_production_is_the_default_and_the_environment_supplies_the_secrets(app, monkeypatch):
    with pytest.raises(ConfigError):
        create_app({"DATABASE_URL": app.config["DATABASE_URL"]})
    monkeypatch.setenv("SECRET_KEY", REAL_SECRETS["SECRET_KEY"])
    monkeypatch.setenv("PERSONAL_DATA_KEY", REAL_SECRETS["PERSONAL_DATA_KEY"])
    started = create_app({"DATABASE_URL": app.config["DATABASE_URL"]})
    assert started.config["APP_ENV"] == "production" and started.secret_key == REAL_SECRETS["SECRET_KEY"]


def test_development_and_tests_start_with_the_development_keys(app):
    assert _app(app, APP_ENV="development", TESTING=False).secret_key == DEVELOPMENT_SECRET_KEY
    assert _app(app, APP_ENV="production", TESTING=True, SECRET_KEY=DEVELOPMENT_SECRET_KEY).testing


def test_an_unknown_app_env_is_refused(app):
    with pytest.raises(ConfigError, match="APP_ENV must be development or production"):
        _app(app, APP_ENV="staging", **REAL_SECRETS)


def test_a_cookie_forged_with_the_development_key_opens_nothing_in_production(app, db):
    admin = find_user(db, "admin")
    forged = _cookie_signed_with(DEVELOPMENT_SECRET_KEY, {"_user_id": admin.get_id(), "_fresh": True})
    # The forgery is real: an app still on the development key takes it for the administrator.
    development = _app(app, APP_ENV="development", TESTING=False, SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert _with_cookie(development, forged).get("/admin/api-keys").status_code == 200
    production = _app(app, **REAL_SECRETS)
    response = _with_cookie(production, forged).get("/admin/api-keys")
    assert response.status_code == 302 and location_path(response).startswith("/login")


# ---------------------------------------------------------------- sessions

def test_the_old_cookie_no_longer_logs_in_after_logout(app):
    client = _log_in(app)
    kept = _session_cookie(client)
    assert _logged_in(_with_cookie(app, kept))
    client.post("/logout")
    assert not _logged_in(client)
    assert not _logged_in(_with_cookie(app, kept))


def test_logging_out_ends_the_users_sessions_on_other_devices_too(app):
    phone, desk = _log_in(app), _log_in(app)
    phone.post("/logout")
    assert not _logged_in(desk)
    assert _logged_in(_log_in(app)), "logging in again works"


def test_logging_out_leaves_other_users_logged_in(app):
    mine, theirs = _log_in(app, "pr_expert_d1"), _log_in(app, "pr_head_d1")
    mine.post("/logout")
    assert _logged_in(theirs)


def test_the_old_cookie_no_longer_logs_in_after_a_password_change(app, db):
    client = _log_in(app)
    kept = _session_cookie(client)
    find_user(db, "pr_expert_d1").password_hash = hash_password("a new long password 42")
    db.commit()
    assert not _logged_in(client)
    assert not _logged_in(_with_cookie(app, kept))
    fresh = app.test_client()
    fresh.post("/login", data={"username": "pr_expert_d1", "password": "a new long password 42"})
    assert _logged_in(fresh)


def test_a_password_change_also_ends_the_users_api_tokens(app, db, api):
    token = api("pr_expert_d1")
    other = api("pr_head_d1")
    find_user(db, "pr_expert_d1").password_hash = hash_password("a new long password 42")
    db.commit()
    assert token.get("/api/v1/tasks").status_code == 401
    assert other.get("/api/v1/tasks").status_code == 200


def test_a_user_deactivated_by_any_code_and_reactivated_gets_no_old_session_or_token_back(app, db, api):
    client, token = _log_in(app), api("pr_expert_d1")
    Arrange(app).set_active("pr_expert_d1", False)
    Arrange(app).set_active("pr_expert_d1", True)
    assert not _logged_in(client)
    assert token.get("/api/v1/tasks").status_code == 401


def test_a_login_that_rehashes_the_password_keeps_its_own_session(app, db, real_password_hashing):
    # The demo users' hashes are the tests' cheap ones: the login stores a production-strength
    # hash (people.accounts.authenticate), which moves the version on before the session starts.
    before = find_user(db, "pr_expert_d1").session_version
    client = _log_in(app)
    db.expire_all()
    assert find_user(db, "pr_expert_d1").session_version == before + 1
    assert _logged_in(client)


def test_the_old_cookie_and_api_tokens_stop_working_after_deactivation_and_stay_dead(app, db, api):
    client = _log_in(app)
    kept = _session_cookie(client)
    token = api("pr_expert_d1")
    assert token.get("/api/v1/tasks").status_code == 200
    user = find_user(db, "pr_expert_d1")
    deactivate_user(db, user)
    db.commit()
    assert not _logged_in(_with_cookie(app, kept))
    assert token.get("/api/v1/tasks").status_code == 401
    assert db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).first() is None
    user.is_active = True  # reactivated: the old cookie and token stay dead
    db.commit()
    assert not _logged_in(_with_cookie(app, kept))
    assert token.get("/api/v1/tasks").status_code == 401
    assert _logged_in(_log_in(app))


def test_a_cookie_of_the_old_format_with_a_bare_user_id_logs_no_one_in(app, db):
    user_id = find_user(db, "admin").id
    old = _cookie_signed_with(app.secret_key, {"_user_id": str(user_id), "_fresh": True})
    assert not _logged_in(_with_cookie(app, old), "/admin/api-keys")


def test_flask_users_deactivate_ends_the_users_sessions(app, db):
    client = _log_in(app)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "pr_expert_d1"])
    assert result.exit_code == 0, result.output
    assert not _logged_in(client)
    missing = app.test_cli_runner().invoke(args=["users", "deactivate", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output


def test_saving_a_user_without_a_new_password_or_deactivation_ends_nothing(app, db):
    client = _log_in(app, "pr_head_d1")
    user = find_user(db, "pr_head_d1")
    user.is_active = True
    user.password_hash = user.password_hash
    user.full_name = "A new name"
    db.commit()
    assert _logged_in(client)


# ---------------------------------------------------------------- cookies

def _set_cookie_header(application) -> str:
    client = application.test_client()
    response = client.post("/login", data={"username": "pr_expert_d1", "password": DEMO_PASSWORD})
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))


def test_the_session_cookie_is_httponly_and_samesite_lax_by_default(app):
    cookie = _set_cookie_header(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_cookie_flags_come_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SAMESITE", "Strict")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    cookie = _set_cookie_header(_app(app, **REAL_SECRETS))
    assert "SameSite=Strict" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_the_cookie_is_secure_when_the_site_is_served_over_https(app, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://137.city.example")
    application = _app(app, **REAL_SECRETS)
    assert application.config["REMEMBER_COOKIE_SECURE"] is True
    assert "Secure" in _set_cookie_header(application)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")  # unless the environment says otherwise
    assert "Secure" not in _set_cookie_header(_app(app, **REAL_SECRETS))


def test_a_bad_samesite_setting_is_refused(app):
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SAMESITE"):
        _app(app, SESSION_COOKIE_SAMESITE="lax-ish", **REAL_SECRETS)
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        _app(app, SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=False, **REAL_SECRETS)


# ---------------------------------------------------------------- headers

def _assert_security_headers(response):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'", "no inline script, no other site's"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'" and directives["base-uri"] == "'self'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    return directives


@pytest.mark.parametrize("path", ["/login", "/p/", "/api/v1/openapi.json", "/open311/v2/services.json",
                                  "/static/app.css", "/no-such-page"])
def test_every_response_carries_the_security_headers(app, path):
    response = app.test_client().get(path)
    _assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers, "not over plain HTTP"


def test_staff_pages_and_api_answers_carry_the_security_headers(app, login, api):
    _assert_security_headers(login("pr_expert_d1").get("/"))
    _assert_security_headers(api("pr_expert_d1").get("/api/v1/tasks"))


def test_hsts_is_sent_when_the_site_is_served_over_https(app):
    application = _app(app, PUBLIC_BASE_URL="https://137.city.example", **REAL_SECRETS)
    response = application.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    _assert_security_headers(response)


def test_the_map_tile_server_is_an_allowed_image_source(app):
    application = _app(app, MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png", **REAL_SECRETS)
    directives = _assert_security_headers(application.test_client().get("/p/"))
    assert "https://*.tiles.example.org" in directives["img-src"].split()
    default = _app(app, MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png", **REAL_SECRETS)
    directives = _assert_security_headers(default.test_client().get("/p/"))
    assert "https://tile.openstreetmap.org" in directives["img-src"].split()


def test_no_template_has_an_inline_script_or_event_handler():
    # What the Content-Security-Policy refuses to run: scripts must be files under app/static
    # (a JSON data block, <script type="application/json">, is data and allowed).
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: an inline event handler"
        assert "javascript:" not in text, path
