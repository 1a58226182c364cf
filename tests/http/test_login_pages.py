"""Log in, log out, the `next` redirect, the language switch, and anonymous access."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.demo import DEMO_PASSWORD
from http_support import Arrange, alerts, location_path, page_text, translated


def _post_login(client, username, password, next_=None):
    return client.post("/login", query_string={"next": next_} if next_ else None,
                       data={"username": username, "password": password})


@pytest.fixture
def client(app):
    return app.test_client()


def test_login_page_renders_a_username_and_password_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = page_text(response)
    assert 'name="username"' in body and 'name="password"' in body and 'type="password"' in body
    assert 'dir="rtl"' in body and 'lang="fa"' in body


def test_good_credentials_log_in_and_redirect_to_the_inbox(app, client):
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 302
    assert location_path(response) == "/"
    inbox = client.get("/")
    assert inbox.status_code == 200
    assert 'data-testid="current-user"' in inbox.get_data(as_text=True)
    assert "کارشناس روابط عمومی — d1" in page_text(inbox)


def test_wrong_password_answers_401_with_the_message_and_no_session(app, client):
    response = _post_login(client, "pr_expert_d1", "not-the-password")
    assert response.status_code == 401
    assert alerts(response) == [translated(app, "Wrong username or password.")]
    assert re.search(r"[\u0600-\u06FF]", alerts(response)[0])  # Persian by default
    assert 'name="username"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_username_gets_the_same_answer_as_a_wrong_password(app, client):
    response = _post_login(client, "nobody-here", DEMO_PASSWORD)
    assert response.status_code == 401
    assert alerts(response) == [translated(app, "Wrong username or password.")]


def test_inactive_user_cannot_log_in_even_with_the_right_password(app, client):
    Arrange(app).set_active("pr_expert_d1", False)
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD)
    assert response.status_code == 401
    assert alerts(response) == [translated(app, "Wrong username or password.")]
    assert client.get("/").status_code == 302


def test_deactivating_a_logged_in_user_ends_their_session(app, login):
    browser = login("pr_expert_d1")
    assert browser.get("/").status_code == 200
    Arrange(app).set_active("pr_expert_d1", False)
    response = browser.get("/")
    assert response.status_code == 302
    assert location_path(response).startswith("/login")


def test_login_follows_next_to_a_same_site_path_with_its_query(client):
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD, next_="/instances?status=running")
    assert response.status_code == 302
    assert location_path(response) == "/instances?status=running"


@pytest.mark.parametrize("target", [
    "//evil.example/phish", "https://evil.example/phish", "http:evil.example",
    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "evil.example",
    "/\t/evil.example", " //evil.example",
])
def test_login_never_redirects_off_site(client, target):
    response = _post_login(client, "pr_expert_d1", DEMO_PASSWORD, next_=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert parts.scheme in ("", "http"), location
    # Browsers read a raw backslash like a slash: "/\\host" would be "//host"
    # (a percent-encoded %5C stays part of the path).
    assert not location.replace("\\", "/").startswith("//"), location
    assert "evil.example" not in parts.netloc


def test_anonymous_visitor_is_sent_to_login_with_next_and_comes_back_after(client):
    response = client.get("/instances?status=completed")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    next_ = parse_qs(target.query)["next"][0]
    assert next_ == "/instances?status=completed"
    back = _post_login(client, "pr_expert_d1", DEMO_PASSWORD, next_=next_)
    assert location_path(back) == "/instances?status=completed"


def test_every_page_and_action_redirects_an_anonymous_visitor_to_login(app, client):
    """Every staff route (all but login/logout/language, the API and static files)."""
    public = ("auth.", "api.", "public.", "portal.", "open311.", "static",  # the citizens' side
              "observability.",  # probes and metrics (tests/http/test_observability.py)
              "channels_in.")  # SMS and bot webhooks, each checked by its secret (test_channels_in.py)
    checked = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(public):
            continue
        url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "complaints",
                     rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert urlsplit(response.headers["Location"]).path == "/login", (method, url)
            checked.add(rule.endpoint)
    assert checked >= {"inbox.inbox", "inbox.task", "inbox.claim", "inbox.unclaim", "inbox.reassign",
                       "instances.start_list", "instances.start", "instances.instance_list",
                       "instances.instance", "instances.diagram"}


def test_logout_ends_the_session(login):
    browser = login("pr_expert_d1")
    response = browser.post("/logout")
    assert response.status_code == 302
    assert location_path(response) == "/login"
    assert browser.get("/").status_code == 302


def test_logout_is_not_available_by_get(app, login):
    browser = login("pr_expert_d1")
    response = browser.get("/logout")
    assert response.status_code == 405
    assert browser.get("/").status_code == 200  # still logged in


def test_pages_are_persian_right_to_left_by_default(login):
    body = login("pr_expert_d1").get("/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in body
    assert "bootstrap.rtl.min.css" in body


def test_switching_to_english_makes_pages_left_to_right_and_back(login):
    browser = login("pr_expert_d1")
    response = browser.post("/lang/en", data={"next": "/instances"})
    assert response.status_code == 302
    assert location_path(response) == "/instances"
    body = browser.get("/instances").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in body
    assert "bootstrap.min.css" in body and "bootstrap.rtl.min.css" not in body
    browser.post("/lang/fa", data={"next": "/"})
    assert '<html lang="fa" dir="rtl">' in browser.get("/").get_data(as_text=True)


def test_language_choice_works_before_logging_in(client):
    client.post("/lang/en")
    assert 'dir="ltr"' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_404_and_changes_nothing(login):
    browser = login("pr_expert_d1")
    assert browser.post("/lang/de").status_code == 404
    assert 'dir="rtl"' in browser.get("/").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(login):
    response = login("pr_expert_d1").post("/lang/en", data={"next": "//evil.example/x"})
    assert location_path(response) == "/"


def test_with_csrf_protection_on_a_form_post_needs_the_pages_token(app):
    from app import create_app
    protected = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                            "WTF_CSRF_ENABLED": True, "SECRET_KEY": "test"})
    try:
        client = protected.test_client()
        refused = client.post("/login", data={"username": "pr_expert_d1", "password": DEMO_PASSWORD})
        assert refused.status_code == 400
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        accepted = client.post("/login", data={"username": "pr_expert_d1", "password": DEMO_PASSWORD,
                                               "csrf_token": token})
        assert accepted.status_code == 302
        # The JSON API authenticates with bearer tokens and is exempt.
        api = protected.test_client().post("/api/v1/auth/token",
                                           json={"username": "pr_expert_d1", "password": DEMO_PASSWORD})
        assert api.status_code == 200
    finally:
        protected.extensions["db_engine"].dispose()
