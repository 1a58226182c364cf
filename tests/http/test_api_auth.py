"""API v1: tokens, the 401 on every protected endpoint, JSON errors, the OpenAPI description."""
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from models import ApiToken, utcnow

PUBLIC = {"api.token", "api.openapi"}


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]


def example_path(rule) -> str:
    """The rule's URL with every variable filled in."""
    return re.sub(r"<(?:(\w+):)?(\w+)>",
                  lambda m: "1" if m.group(1) == "int" else "complaints", rule.rule)


def assert_error_shape(response, status):
    assert response.status_code == status
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], dict)
    return body


def test_good_credentials_get_a_bearer_token(app):
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"username": "pr_expert_d1", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert len(body["token"]) >= 32
    assert body["expires_in_seconds"] == int(app.config["API_TOKEN_HOURS"] * 3600)
    me = app.test_client().get("/api/v1/processes",
                               headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200


@pytest.mark.parametrize("credentials", [
    {"username": "pr_expert_d1", "password": "wrong-password"},
    {"username": "nobody", "password": DEMO_PASSWORD},
    {"username": "pr_expert_d1"},
    {},
])
def test_bad_credentials_are_401_json(app, credentials):
    response = app.test_client().post("/api/v1/auth/token", json=credentials)
    assert_error_shape(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_inactive_user_gets_no_token(app):
    from http_support import Arrange
    Arrange(app).set_active("pr_expert_d1", False)
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"username": "pr_expert_d1", "password": DEMO_PASSWORD})
    assert_error_shape(response, 401)


@pytest.mark.parametrize("body, content_type", [
    ("username=pr_expert_d1&password=x", "application/x-www-form-urlencoded"),
    ("not json", "application/json"),
    ('["pr_expert_d1", "pw"]', "application/json"),
    ("", None),
])
def test_token_request_that_is_not_a_json_object_is_400_json(app, body, content_type):
    response = app.test_client().post("/api/v1/auth/token", data=body, content_type=content_type)
    assert_error_shape(response, 400)


def test_only_the_hash_of_a_token_is_stored(app, db):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "auditor",
                                                    "password": DEMO_PASSWORD}).get_json()["token"]
    stored = db.scalars(select(ApiToken.token_sha256)).all()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_every_protected_endpoint_without_a_token_is_401_json(app):
    client = app.test_client()
    checked = set()
    for rule in api_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(example_path(rule), method=method, json={})
            assert_error_shape(response, 401)
            checked.add(rule.endpoint)
    assert checked >= {"api.processes", "api.start_instance", "api.instance", "api.instance_events",
                       "api.tasks", "api.task", "api.claim", "api.unclaim", "api.reassign",
                       "api.complete"}, checked


@pytest.mark.parametrize("header", [
    "Bearer not-a-real-token", "Bearer ", "Basic cHJfZXhwZXJ0X2QxOnB3", "bearer", "Token abc",
])
def test_every_protected_endpoint_with_a_bad_token_is_401_json(app, header):
    client = app.test_client()
    for rule in api_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(example_path(rule), method=method, json={},
                                   headers={"Authorization": header})
            assert_error_shape(response, 401)


def test_an_expired_token_is_401(api, db):
    client = api("pr_expert_d1")
    assert client.get("/api/v1/processes").status_code == 200
    for row in db.scalars(select(ApiToken)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert_error_shape(client.get("/api/v1/processes"), 401)


def test_a_token_of_a_deactivated_user_stops_working(app, api):
    from http_support import Arrange
    client = api("pr_expert_d1")
    Arrange(app).set_active("pr_expert_d1", False)
    assert_error_shape(client.get("/api/v1/tasks"), 401)


def test_a_web_session_cookie_does_not_authenticate_the_api(login):
    browser = login("pr_expert_d1")
    assert_error_shape(browser.get("/api/v1/processes"), 401)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/tasks/abc", "/api/v1/", "/api/v2/tasks"])
def test_unknown_route_under_the_api_is_404_json(api, path):
    assert_error_shape(api("pr_expert_d1").get(path), 404)


def test_wrong_method_under_the_api_is_405_json(app):
    assert_error_shape(app.test_client().get("/api/v1/auth/token"), 405)
    assert_error_shape(app.test_client().delete("/api/v1/tasks/1"), 405)


def test_openapi_document_is_public_and_looks_like_openapi_3_1(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for path, item in spec["paths"].items():
        assert path.startswith("/")
        for method, op in item.items():
            assert method in {"get", "post", "put", "patch", "delete"}
            assert op["responses"], (path, method)
            for status, answer in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and answer["description"]
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_references_resolve(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for ref in _refs(spec):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], ref


def test_openapi_lists_every_route_of_the_api_blueprint_and_nothing_else(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    server = spec["servers"][0]["url"]
    from_app = set()
    for rule in api_rules(app):
        assert rule.rule.startswith(server), rule.rule
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(server):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            from_app.add((path, method.lower()))
    in_spec = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert from_app == in_spec


def test_openapi_marks_which_operations_need_a_token(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["security"] == [{"bearer": []}]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            public = op.get("security") == []
            assert public == (path in ("/auth/token", "/openapi.json")), (path, method)
            if not public:
                assert "401" in op["responses"], (path, method)
