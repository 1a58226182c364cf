"""The step-through page (/audit/instances/<id>/replay): each event's state on the instance's
own diagram version, the data it changed, forward and back; who may open it."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from message_137_support import deploy_messages, referred_message, reply  # noqa: E402


def replied_message(app) -> int:
    deploy_messages(app)
    db = app.extensions["db_sessions"]()
    try:
        message = referred_message(db)
        reply(db, message.id, "لامپ تعویض شد.")
        return message.id
    finally:
        db.close()


def test_an_auditor_sees_each_step_with_the_data_it_changed(app, login):
    instance_id = replied_message(app)
    auditor = login("auditor")
    last = auditor.get(f"/audit/instances/{instance_id}/replay").get_data(as_text=True)
    assert 'data-matches="true"' in last
    steps = re.findall(r'href="/audit/instances/\d+/replay\?step=(\d+)"', last)
    total = max(int(n) for n in steps)
    reply_step = next(n for n in range(1, total + 1) if 'data-element="Task_executive_reply"' in
                      auditor.get(f"/audit/instances/{instance_id}/replay?step={n}").get_data(as_text=True))
    page = auditor.get(f"/audit/instances/{instance_id}/replay?step={reply_step}").get_data(as_text=True)
    changes = re.search(r'data-testid="changes">(.*?)</table>', page, re.S).group(1)
    assert "reply_text" in changes and "لامپ تعویض شد." in changes
    assert re.search(rf'href="[^"]*step={reply_step - 1}" data-testid="step-back"', page)
    assert reply_step == total and 'data-testid="step-forward"' not in page  # the last event
    assert 'data-current=\'"Task_executive_reply"\'' in page


def test_a_step_out_of_range_shows_the_nearest_one(app, login):
    instance_id = replied_message(app)
    auditor = login("auditor")
    first = auditor.get(f"/audit/instances/{instance_id}/replay?step=-4").get_data(as_text=True)
    assert 'data-step="1"' in first and 'data-type="instance_started"' in first
    beyond = auditor.get(f"/audit/instances/{instance_id}/replay?step=9999")
    assert beyond.status_code == 200


def test_staff_of_another_district_may_not_step_through_it(app, login):
    instance_id = replied_message(app)
    assert login("intake_operator_d2").get(f"/audit/instances/{instance_id}/replay").status_code == 403
    assert login("intake_operator_d1").get(f"/audit/instances/{instance_id}/replay").status_code == 200
    assert login("auditor").get("/audit/instances/999999/replay").status_code == 404
