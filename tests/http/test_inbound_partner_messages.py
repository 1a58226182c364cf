"""Answers from other city systems (issue 22): a partner registered on the admin page signs a
message (HMAC-SHA256 over "<timestamp>.<body>") that moves a waiting instance on; a bad
signature, an old timestamp, a message the diagram does not declare receivable and a second
delivery of the same message id change nothing."""
import hashlib
import hmac
import json
import re
from datetime import datetime

from sqlalchemy import select

import engine as runtime
from models import Event, Instance, User, clock
from models.inbound import InboundPartner, InboundPartnerMessage

from http_support import PROCESSES

FIXTURE = PROCESSES.parent / "tests" / "fixtures" / "partner_answer_wait.bpmn"
SECRET_SHOWN = re.compile(r'data-testid="new-partner-secret">([^<]+)<')
NOW = datetime(2026, 12, 1, 8, 0, 0)
URL = "/api/v1/inbound/messages"


def _register(login, **fields) -> str:
    """Register a partner on the admin page; its secret, as shown once."""
    form = {"code": "office-automation", "name": "اتوماسیون اداری",
            "message_names": "oa_answer, internal_closing", "correlation_variable": "oa_reference",
            **fields}
    response = login("admin").post("/admin/inbound-partners", data=form)
    assert response.status_code == 201, response.get_data(as_text=True)[-1500:]
    return SECRET_SHOWN.search(response.get_data(as_text=True)).group(1)


def _waiting_instance(app, arrange, reference="OA-1405-77") -> int:
    arrange.deploy(FIXTURE)
    session = app.extensions["db_sessions"]()
    user = session.scalars(select(User).where(User.username == "pr_expert_d1")).one()
    instance = runtime.start_instance(session, "partner_answer_wait", user,
                                      arrange.district_id("d1"), {"oa_reference": reference})
    session.commit()
    session.close()
    return instance.id


def _post(client, secret, body: dict, partner="office-automation", timestamp=None, signature=None):
    raw = json.dumps(body).encode()
    timestamp = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    signature = signature or hmac.new(secret.encode(), timestamp.encode() + b"." + raw,
                                      hashlib.sha256).hexdigest()
    return client.post(URL, data=raw, content_type="application/json",
                       headers={"X-Partner": partner, "X-Timestamp": timestamp,
                                "X-Signature": f"sha256={signature}"})


def _answer(instance_id, message_id="oa-9001", **changes) -> dict:
    return {"message_id": message_id, "message": "oa_answer", "instance_id": instance_id,
            "correlation_key": "OA-1405-77", "payload": {"letter_number": "۱۲۳/۴۵", "answer": "انجام شد"},
            **changes}


def _state(app, instance_id):
    session = app.extensions["db_sessions"]()
    instance = session.get(Instance, instance_id)
    events = session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)).all()
    state = (instance.data, [(e.type, e.actor.username if e.actor else None) for e in events],
             [t.task_spec for t in runtime.open_tasks(session, instance)])
    session.close()
    return state


def test_a_signed_answer_moves_the_waiting_instance_on_and_its_history_names_the_partner(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    assert _state(app, instance_id)[2] == []  # waiting at the catch events only

    response = _post(app.test_client(), secret, _answer(instance_id))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["delivered"] is True
    data, events, tasks = _state(app, instance_id)
    assert data["oa_answer"] == {"letter_number": "۱۲۳/۴۵", "answer": "انجام شد"}
    assert tasks == ["Task_read_answer"]
    assert ("message_received", "partner:office-automation") in events
    session = app.extensions["db_sessions"]()
    [event] = session.scalars(select(Event).where(Event.instance_id == instance_id,
                                                  Event.type == "message_received")).all()
    assert event.data["partner"] == "office-automation" and event.data["partner_message_id"] == "oa-9001"
    session.close()


def test_the_same_partner_message_id_twice_does_nothing_the_second_time(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    client = app.test_client()
    assert _post(client, secret, _answer(instance_id)).status_code == 200
    before = _state(app, instance_id)
    again = _post(client, secret, _answer(instance_id))
    assert again.status_code == 200 and again.get_json()["delivered"] is False
    assert _state(app, instance_id) == before
    session = app.extensions["db_sessions"]()
    assert len(session.scalars(select(InboundPartnerMessage)).all()) == 1
    session.close()


def test_a_bad_signature_an_unknown_partner_and_an_old_timestamp_are_refused_and_change_nothing(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    before = _state(app, instance_id)
    client = app.test_client()
    wrong = _post(client, "not-the-secret", _answer(instance_id))
    assert wrong.status_code == 401 and wrong.get_json()["error"]
    assert _post(client, secret, _answer(instance_id), partner="someone-else").status_code == 401
    old = _post(client, secret, _answer(instance_id), timestamp=int(clock.now().timestamp()) - 3600)
    assert old.status_code == 401
    future = _post(client, secret, _answer(instance_id), timestamp=int(clock.now().timestamp()) + 3600)
    assert future.status_code == 401
    assert _post(client, secret, _answer(instance_id), timestamp="yesterday").status_code == 401
    assert _state(app, instance_id) == before
    # A body changed after signing is refused: the signature covers it.
    raw = json.dumps(_answer(instance_id)).encode()
    timestamp = str(int(clock.now().timestamp()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    tampered = client.post(URL, data=raw.replace(b"oa-9001", b"oa-9002"), content_type="application/json",
                           headers={"X-Partner": "office-automation", "X-Timestamp": timestamp,
                                    "X-Signature": signature})
    assert tampered.status_code == 401
    assert _state(app, instance_id) == before


def test_a_message_the_instance_is_not_waiting_for_from_outside_is_409_and_nothing_changes(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    before = _state(app, instance_id)
    client = app.test_client()
    # Waited for, but only from inside: the diagram does not declare it receivable from outside.
    internal = _post(client, secret, _answer(instance_id, message="internal_closing"))
    assert internal.status_code == 409
    assert internal.get_json()["details"]["waiting_for"] == ["oa_answer"]
    # Not waited for at all (the partner may not send it either: refused before anything).
    assert _post(client, secret, _answer(instance_id, message="citizen_reply")).status_code == 403
    # The correlation key names another referral.
    assert _post(client, secret, _answer(instance_id, correlation_key="OA-1")).status_code == 409
    assert _state(app, instance_id) == before
    session = app.extensions["db_sessions"]()
    assert session.scalars(select(InboundPartnerMessage)).all() == []  # nothing kept of them
    session.close()


def test_an_instance_that_already_got_its_answer_refuses_another_with_409(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login, message_names="")
    instance_id = _waiting_instance(app, arrange)
    client = app.test_client()
    assert _post(client, secret, _answer(instance_id)).status_code == 200
    before = _state(app, instance_id)
    second = _post(client, secret, _answer(instance_id, message_id="oa-9002"))
    assert second.status_code == 409 and second.get_json()["details"]["waiting_for"] == []
    assert _state(app, instance_id) == before


def test_malformed_bodies_and_unknown_cases_are_clear_errors(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    client = app.test_client()
    assert _post(client, secret, _answer(instance_id, message_id="")).status_code == 400
    assert _post(client, secret, _answer(instance_id, payload=[1, 2])).status_code == 400
    assert _post(client, secret, _answer(2**40)).status_code == 404
    assert _post(client, secret, _answer(None, tracking_code="137-nothing")).status_code == 404
    assert _post(client, secret, _answer("x")).status_code == 400
    timestamp = str(int(clock.now().timestamp()))
    raw = b"\xff not json"
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    garbled = client.post(URL, data=raw, content_type="application/json",
                          headers={"X-Partner": "office-automation", "X-Timestamp": timestamp,
                                   "X-Signature": signature})
    assert garbled.status_code == 400


def test_the_partner_secret_is_shown_once_and_stored_only_wrapped(app, login):
    secret = _register(login)
    listing = login("admin").get("/admin/inbound-partners")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "office-automation" in text and secret not in text and SECRET_SHOWN.search(text) is None
    session = app.extensions["db_sessions"]()
    [row] = session.scalars(select(InboundPartner)).all()
    assert secret.encode() not in row.secret_wrapped
    session.close()


def test_a_revoked_partner_is_refused(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    session = app.extensions["db_sessions"]()
    partner_id = session.scalars(select(InboundPartner.id)).one()
    session.close()
    assert login("admin").post(f"/admin/inbound-partners/{partner_id}/revoke").status_code == 303
    assert _post(app.test_client(), secret, _answer(instance_id)).status_code == 401


def test_bad_partner_fields_are_refused_with_a_clear_message(app, login):
    admin = login("admin")
    response = admin.post("/admin/inbound-partners", data={"code": "A B", "name": "",
                                                          "correlation_variable": "not a name"})
    assert response.status_code == 400
    assert 'data-testid="partner-error"' in response.get_data(as_text=True)


def test_the_partner_page_is_forbidden_to_others_than_a_city_wide_administrator(app, login):
    for username in ("pr_expert_d1", "process_owner"):
        user = login(username)
        assert user.get("/admin/inbound-partners").status_code == 403
        assert user.post("/admin/inbound-partners", data={"code": "x-system", "name": "X"}).status_code == 403
    assert app.test_client().get("/admin/inbound-partners").status_code in (302, 401)
    session = app.extensions["db_sessions"]()
    assert session.scalars(select(InboundPartner)).all() == []
    session.close()


def test_a_secret_wrapped_under_another_master_key_is_refused_not_a_500(app, login, arrange):
    clock.set_now(NOW)
    secret = _register(login)
    instance_id = _waiting_instance(app, arrange)
    session = app.extensions["db_sessions"]()
    row = session.scalars(select(InboundPartner)).one()
    row.secret_wrapped = b"\x00" * 12 + row.secret_wrapped[12:]  # as if the master key had changed
    session.commit()
    session.close()
    assert _post(app.test_client(), secret, _answer(instance_id)).status_code == 401
