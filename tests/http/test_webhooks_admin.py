"""The administrator's webhooks pages: subscribe (the secret shown once), refuse what is not
an http(s) address or names no event, the delivery log in Solar Hijri with Persian digits,
redelivery by hand, enable/disable; everyone else refused, bad ids answered, never a 500."""
import re
import sys
from pathlib import Path

import pytest

import engine as runtime
from app.scheduler import send_webhooks_job
from engine_support import district_id, user
from http_support import page_text
from modeling.deploy import deploy_process
from models.webhooks import EVENT_KINDS
from notifications.webhooks import DeliverySettings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notifications"))
from webhook_support import (Receiver, deliveries, documented_verifier,  # noqa: E402
                             forget_cached_subscriptions, forget_subscriptions_after_test,  # noqa: F401
                             receiver, subscriptions)  # noqa: F401 (fixtures)

SECRET_SHOWN = re.compile(r'data-testid="new-webhook-secret">([^<]+)<')
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PERSIAN_DIGITS = re.compile(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}")
SETTINGS = DeliverySettings(timeout_seconds=5, max_attempts=1)


def start_review(app):
    session = app.extensions["db_sessions"]()
    deploy_process(session, (FIXTURES / "review_loop.bpmn").read_bytes(), filename="review_loop.bpmn")
    runtime.start_instance(session, "t_review", user(session, "pr_expert_d1"), district_id(session, "d1"))
    session.commit()
    session.close()


def test_an_admin_subscribes_and_sees_the_secret_once(app, db, login, receiver):
    admin = login("admin")
    response = admin.post("/admin/webhooks", data={"url": receiver.url, "description": "اتوماسیون اداری",
                                                    "events": ["task.created", "instance.started"]})
    assert response.status_code == 201
    secret = SECRET_SHOWN.search(response.get_data(as_text=True)).group(1)
    [row] = subscriptions(db)
    assert (row.url, row.events, row.enabled, row.secret) == (
        receiver.url, ["instance.started", "task.created"], True, secret)
    listing = page_text(admin.get("/admin/webhooks"))
    assert receiver.url in listing and "اتوماسیون اداری" in listing and secret not in listing
    log_page = admin.get(f"/admin/webhooks/{row.id}")
    assert log_page.status_code == 200 and secret not in page_text(log_page)


@pytest.mark.parametrize("form, field", [
    ({"url": "ftp://example.org/hooks", "events": ["task.created"]}, "url"),
    ({"url": "javascript:alert(1)", "events": ["task.created"]}, "url"),
    ({"url": "example.org/hooks", "events": ["task.created"]}, "url"),
    ({"url": "http://", "events": ["task.created"]}, "url"),
    ({"url": "https://example.org/a hooks", "events": ["task.created"]}, "url"),
    ({"url": "https://example.org/" + "a" * 2001, "events": ["task.created"]}, "url"),
    ({"url": "https://example.org/hooks", "events": []}, "events"),
    ({"url": "https://example.org/hooks", "events": ["task.deleted"]}, "events"),
    ({"url": "https://example.org/hooks", "events": ["task.created"], "description": "x" * 201}, "description"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_made(app, db, login, form, field):
    response = login("admin").post("/admin/webhooks", data=form)
    assert response.status_code == 400
    text = page_text(response)
    assert 'data-testid="webhook-error"' in text
    if field == "url":
        assert "http://" in text and "https://" in text  # the message says what is accepted
    assert subscriptions(db) == []


def test_a_control_character_is_refused_and_nothing_is_made(app, db, login):
    response = login("admin").post("/admin/webhooks", data={"url": "https://example.org/\x00hooks",
                                                            "events": ["task.created"]})
    assert response.status_code == 400 and subscriptions(db) == []


def test_the_url_message_is_persian_on_a_persian_page(app, login):
    text = page_text(login("admin").post("/admin/webhooks", data={"url": "ftp://x", "events": ["task.created"]}))
    assert "نشانی" in text


@pytest.mark.parametrize("username", ["pr_expert_d1", "auditor", "process_owner"])
def test_nobody_but_an_administrator_reaches_the_pages(app, db, login, username, receiver):
    admin = login("admin")
    admin.post("/admin/webhooks", data={"url": receiver.url, "events": ["task.created"]})
    [row] = subscriptions(db)
    other = login(username)
    for response in (other.get("/admin/webhooks"), other.get(f"/admin/webhooks/{row.id}"),
                     other.post("/admin/webhooks", data={"url": "https://x.org", "events": ["task.created"]}),
                     other.post(f"/admin/webhooks/{row.id}/disable"),
                     other.post(f"/admin/webhooks/{row.id}/deliveries/1/redeliver")):
        assert response.status_code == 403
    assert [(r.id, r.enabled) for r in subscriptions(db)] == [(row.id, True)]
    assert app.test_client().get("/admin/webhooks").status_code in (302, 401)  # to the login


def test_unknown_ids_are_answered_without_a_500(app, db, login, receiver):
    admin = login("admin")
    admin.post("/admin/webhooks", data={"url": receiver.url, "events": ["task.created"]})
    [row] = subscriptions(db)
    assert admin.get("/admin/webhooks/999999").status_code == 404
    assert admin.post("/admin/webhooks/999999/enable").status_code == 404
    assert admin.post(f"/admin/webhooks/{row.id}/deliveries/999999/redeliver").status_code == 404
    assert admin.get("/admin/webhooks/99999999999999999999999").status_code in (400, 404)
    assert admin.get("/admin/webhooks/abc").status_code == 404


def test_the_log_shows_each_delivery_and_a_failed_one_is_redelivered_by_hand(app, db, login, receiver):
    receiver.statuses = [500]
    admin = login("admin")
    admin.post("/admin/webhooks", data={"url": receiver.url, "events": ["instance.started"]})
    [row] = subscriptions(db)
    start_review(app)
    sessions = app.extensions["db_sessions"]
    assert send_webhooks_job(sessions, SETTINGS) == {"failed": 1}  # one attempt allowed here
    [delivery] = deliveries(db, row.id)
    page = admin.get(f"/admin/webhooks/{row.id}")
    text = page_text(page)
    assert delivery.event_id in text and "500" in text and "ناموفق" in text
    assert PERSIAN_DIGITS.search(text), "times in Solar Hijri with Persian digits"

    response = admin.post(f"/admin/webhooks/{row.id}/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 303
    assert deliveries(db, row.id)[0].status == "pending"
    assert send_webhooks_job(sessions, SETTINGS) == {"delivered": 1}
    [first, second] = receiver.requests
    assert first["body"] == second["body"]  # the same event, signed again
    verify = documented_verifier()
    assert verify(row.secret, second["body"], second["headers"]["X-City-Signature"])
    text = page_text(admin.get(f"/admin/webhooks/{row.id}"))
    assert "تحویل شد" in text and "۲" in text  # two attempts


def test_disabling_stops_deliveries_and_enabling_resumes_them(app, db, login, receiver):
    admin = login("admin")
    admin.post("/admin/webhooks", data={"url": receiver.url, "events": list(EVENT_KINDS)})
    [row] = subscriptions(db)
    assert admin.post(f"/admin/webhooks/{row.id}/disable").status_code == 303
    assert subscriptions(db)[0].enabled is False
    start_review(app)
    assert deliveries(db, row.id) == []
    # A disabled subscription's delivery is not sent again by hand either.
    assert admin.post(f"/admin/webhooks/{row.id}/enable").status_code == 303
    start_review(app)
    assert [d.event_kind for d in deliveries(db, row.id)] == ["instance.started", "task.created"]
    assert send_webhooks_job(app.extensions["db_sessions"], SETTINGS) == {"delivered": 2}
    assert receiver.kinds() == ["instance.started", "task.created"]


def test_the_api_subscribes_lists_disables_and_shows_the_log_for_an_administrator_only(
        app, db, api, receiver):
    admin = api("admin")
    response = admin.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["instance.started"],
                                                    "description": "GIS"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["instance.started"]
    listed = admin.get("/api/v1/webhooks").get_json()["webhooks"]
    assert [(w["id"], w["url"], w["enabled"]) for w in listed] == [(body["id"], receiver.url, True)]
    assert body["secret"] not in admin.get("/api/v1/webhooks").get_data(as_text=True)
    start_review(app)
    [delivery] = admin.get(f"/api/v1/webhooks/{body['id']}/deliveries").get_json()["deliveries"]
    assert (delivery["event"], delivery["status"]) == ("instance.started", "pending")
    assert admin.post(f"/api/v1/webhooks/{body['id']}/disable").get_json()["enabled"] is False
    for bad in ({"url": "ftp://x", "events": ["task.created"]}, {"url": receiver.url, "events": "task.created"},
                {"url": 7, "events": ["task.created"]}, [1, 2]):
        refused = admin.post("/api/v1/webhooks", json=bad)
        assert refused.status_code == 400 and refused.get_json()["error"]
    assert admin.post("/api/v1/webhooks/999999/enable").status_code == 404
    other = api("pr_expert_d1")
    assert other.get("/api/v1/webhooks").status_code == 403
    assert other.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["task.created"]}).status_code == 403
    assert len(subscriptions(db)) == 1
