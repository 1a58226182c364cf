"""Webhooks of the 137 cycle (processes/citizen_message_137.bpmn) worked on its pages: a
message answered on the spot goes out as message.closed with its tracking code; one nobody
replies to goes out as task.escalated when the 72-hour timer gives the deputy a follow-up."""
import re
import sys
from pathlib import Path

import pytest
from path_support import drive, fire_timers_when_due, start_on_page

from app.scheduler import send_webhooks_job
from models import clock
from notifications.webhooks import DeliverySettings
from message_137_support import ACTORS, INTAKE, KEY, REFERRED, deploy_messages

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notifications"))
from webhook_support import (Receiver, documented_verifier, forget_cached_subscriptions,  # noqa: E402
                             forget_subscriptions_after_test, receiver)  # noqa: F401 (fixtures)

SECRET = re.compile(r'data-testid="new-webhook-secret">([^<]+)<')


def subscribe(login, url, kinds) -> str:
    response = login("admin").post("/admin/webhooks", data={"url": url, "events": kinds})
    assert response.status_code == 201
    return SECRET.search(response.get_data(as_text=True)).group(1)


def test_a_message_answered_on_the_spot_is_sent_as_message_closed_with_its_tracking_code(
        app, login, receiver):
    deploy_messages(app)
    secret = subscribe(login, receiver.url, ["message.closed", "instance.completed"])
    operator = login(ACTORS["Task_register_message"])
    instance_id = start_on_page(operator, KEY, "d1")
    drive(operator, instance_id, "Task_register_message",
          {**INTAKE, "outcome": "answered", "on_spot_answer": "ساعت کاری اداره اعلام شد."})
    assert send_webhooks_job(app.extensions["db_sessions"], DeliverySettings()) == {"delivered": 2}
    assert receiver.kinds() == ["instance.completed", "message.closed"]
    closed = receiver.requests[1]
    data = closed["json"]["data"]
    assert data["instance"]["id"] == instance_id and data["instance"]["status"] == "completed"
    assert data["message"]["tracking_code"] == data["instance"]["tracking_code"] is not None
    assert data["message"]["outcome"] == "answered" and data["message"]["channel"] == "phone"
    assert "ساعت کاری" not in closed["body"].decode("utf-8")  # the answer itself stays here
    assert documented_verifier()(secret, closed["body"], closed["headers"]["X-City-Signature"])


def test_no_reply_in_72_hours_is_sent_as_task_escalated(app, login, receiver):
    deploy_messages(app)
    subscribe(login, receiver.url, ["task.escalated", "task.created"])
    clock.set_now(REFERRED)
    operator = login(ACTORS["Task_register_message"])
    instance_id = start_on_page(operator, KEY, "d1")
    drive(operator, instance_id, "Task_register_message", INTAKE)
    assert fire_timers_when_due(app, instance_id) == ["Timer_no_reply_72h"]
    send_webhooks_job(app.extensions["db_sessions"], DeliverySettings())
    sent = [(r["json"]["type"], r["json"]["data"]["task"]["task_spec"]) for r in receiver.requests]
    assert sent == [("task.created", "Task_register_message"),
                    ("task.created", "Task_executive_reply"),
                    ("task.escalated", "Task_deputy_followup")]
