"""An Open311 client closes the loop without staff help on the citizen's side: it files, follows
the request's status through the API, the citizen answers the satisfaction link they were sent,
and the API then shows the request closed with its answer."""
import re

from open311_support import BASE, filed_code, open311  # noqa: F401 - fixture
from path_support import drive, ready_specs
from portal_support import instance_of, outbox_bodies


def status_of(client, code):
    [record] = client.get(f"{BASE}/requests/{code}.json").get_json()
    return record


def test_an_open311_request_is_answered_judged_by_the_citizen_and_closed(app, open311, login):
    client, key = open311
    code = filed_code(client, key)
    assert status_of(client, code)["status"] == "open"
    instance_id = instance_of(app, code).id
    drive(login("intake_operator_d1"), instance_id, "Task_register_message",
          {"channel": "api", "category": "service", "description": "چراغ خاموش است",
           "location": "خیابان بهار", "outcome": "referred"})
    record = status_of(client, code)
    assert record["expected_datetime"]  # the working-time deadline of the executive unit
    drive(login("department_head_d1"), instance_id, "Task_executive_reply", {"reply_text": "لامپ‌ها تعویض شد."})
    assert status_of(client, code)["status_notes"] == "پاسخ داده شد؛ منتظر نظر شما درباره پاسخ هستیم."

    [sms] = outbox_bodies(app, instance_id, "satisfaction_check")[:1]
    link = re.search(r"https?://\S+/p/satisfaction/(\S+)", sms)
    assert link, sms
    citizen = app.test_client()
    assert citizen.post(f"/p/satisfaction/{link.group(1)}", data={"satisfied": "yes"}).status_code == 200
    closed = status_of(client, code)
    assert (closed["status"], closed["status_notes"]) == ("closed", "لامپ‌ها تعویض شد.")
    assert ready_specs(app, instance_id) == []
