"""Crypto-shredding: personal fields sealed with the case's own key (at any depth, nothing else
touched), opened for whoever reads them, unreadable for good once the key is destroyed; the
retention job destroys a case's key only with the last of its kept records."""
from datetime import date, timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from engine.events import list_events, read_events
import engine as runtime
from models import CaseKey, HumanTask, Instance, QualityRecord, User
from models.shredding import (DESTROYED, PERSONAL_FIELDS, KeyRing, destroy_case_key, is_sealed,
                              reveal_personal, seal_personal)
from people.accounts import find_district, find_user
from records.retention import approve_disposals, awaiting_approval, dispose_due_records
from tests.http.http_support import REGISTER_SERVICE

CASE = {"subject": "چاله", "complainant_name": "مریم احمدی", "phone": "09123456789",
        "rows": [{"applicant_name": "علی رضایی", "topic": "پارک"}], "note": None,
        "national_id": ""}


def started(db) -> int:
    user = find_user(db, "pr_expert_d1")
    instance = runtime.start_instance(db, "complaints", user, find_district(db, "d1").id)
    db.commit()
    return instance.id


def test_the_personal_fields_are_declared_once_and_name_phone_national_id_email_address():
    assert {"citizen_name", "citizen_phone", "national_id", "contact_email", "address",
            "complainant_name", "applicant_name", "phone"} <= PERSONAL_FIELDS


def test_personal_values_are_sealed_at_any_depth_and_opened_with_the_cases_key(db, complaints):
    instance_id = started(db)
    sealed = seal_personal(db, instance_id, CASE)
    assert sealed["subject"] == "چاله" and sealed["rows"][0]["topic"] == "پارک"
    assert is_sealed(sealed["complainant_name"]) and is_sealed(sealed["phone"])
    assert is_sealed(sealed["rows"][0]["applicant_name"])
    assert sealed["note"] is None and sealed["national_id"] == ""  # nothing to hide
    assert "مریم" not in str(sealed) and seal_personal(db, instance_id, sealed) == sealed
    assert reveal_personal(db, instance_id, sealed) == CASE
    assert seal_personal(db, None, CASE) == CASE  # no case, no key: records outside a case


def test_a_destroyed_key_leaves_the_values_unreadable_and_seals_nothing_again(db, complaints):
    instance_id = started(db)
    sealed = seal_personal(db, instance_id, CASE)
    db.commit()
    destroy_case_key(db, instance_id)
    db.commit()
    assert db.get(CaseKey, instance_id).wrapped_key is None
    opened = reveal_personal(db, instance_id, sealed)
    assert opened["complainant_name"] == DESTROYED and opened["rows"][0]["applicant_name"] == DESTROYED
    assert opened["subject"] == "چاله"
    assert seal_personal(db, instance_id, CASE)["phone"] == DESTROYED


def test_another_master_key_cannot_unwrap_a_cases_key(db, complaints):
    instance_id = started(db)
    wrapped = KeyRing("the city's key").wrap(b"k" * 32, instance_id)
    assert KeyRing("the city's key").unwrap(wrapped, instance_id) == b"k" * 32
    with pytest.raises(InvalidTag):
        KeyRing("another key").unwrap(wrapped, instance_id)
    with pytest.raises(InvalidTag):  # bound to its case too
        KeyRing("the city's key").unwrap(wrapped, instance_id + 1)


def test_the_event_log_stores_the_sealed_text_and_shows_it_opened(db, complaints):
    instance_id = started(db)
    user = find_user(db, "pr_expert_d1")
    task = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    runtime.complete_task(db, task.id, user, REGISTER_SERVICE)
    db.commit()
    stored = [e for e in list_events(db, instance_id) if e.type == "task_completed"][0]
    shown = [e for e in read_events(db, instance_id) if e.type == "task_completed"][0]
    assert is_sealed(stored.data["data"]["complainant_name"])
    assert shown.data["data"]["complainant_name"] == "مریم احمدی"
    assert shown.sha256 == stored.sha256


def test_the_cases_key_goes_only_with_the_last_of_its_kept_records(db, complaints):
    instance_id = started(db)
    district = find_district(db, "d1").id
    due = date.today() - timedelta(days=2)
    seal_personal(db, instance_id, CASE)  # the case has a key
    kept = QualityRecord(code="F-__-0-2-03", instance_id=instance_id, district_id=district,
                         data={}, retention_until=date.today() + timedelta(days=30))
    destroyed = QualityRecord(code="F-__-0-2-07", instance_id=instance_id, district_id=district,
                              data={}, retention_until=due)
    db.add_all([kept, destroyed])
    db.commit()
    committee = db.scalars(select(User).where(User.username == "records_committee")).one()
    dispose_due_records(db)
    approve_disposals(db, [r.id for r in awaiting_approval(db)], committee)
    assert [d.record_id for d in dispose_due_records(db)] == [destroyed.id]
    db.commit()
    assert db.get(CaseKey, instance_id).wrapped_key is not None  # the other record still needs it
    kept.retention_until, kept.code = due, "F-__-0-2-14"  # a destroy rule, due now
    db.commit()
    dispose_due_records(db)
    approve_disposals(db, [kept.id], committee)
    dispose_due_records(db)
    db.commit()
    assert db.get(CaseKey, instance_id).wrapped_key is None


def test_shredding_a_mardom_salam_message_blanks_the_request_and_its_sms(app, db):
    from mardom_salam_support import add_request, deploy_all, make_meeting, up_to_meeting
    from engine import shred_case
    from models import OutboxMessage
    deploy_all(app)
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    request = add_request(db, meeting)
    message_id = request.message_instance_id
    shred_case(db, message_id)
    db.commit()
    db.expire_all()
    assert (request.citizen_name, request.citizen_phone) == (DESTROYED, None)
    sms = db.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == message_id)).all()
    assert sms and all("09121110001" not in m.recipient + m.body and "علی رضایی" not in m.body
                       for m in sms)
    instance = db.get(Instance, message_id)
    assert "09121110001" not in instance.state_json and instance.data["citizen_phone"] == DESTROYED


def test_a_key_made_in_a_rolled_back_transaction_is_not_used_again(app, db, complaints):
    instance_id = started(db)
    seal_personal(db, instance_id, CASE)  # makes the case's key, never stored
    db.rollback()
    sealed = seal_personal(db, instance_id, CASE)
    db.commit()
    with app.extensions["db_sessions"]() as other:  # knows only the stored key
        assert reveal_personal(other, instance_id, sealed) == CASE


def test_once_destroyed_even_a_value_kept_in_plain_text_from_before_sealing_reads_destroyed(db, complaints):
    instance_id = started(db)
    legacy = {"data": {"complainant_name": "مریم احمدی", "subject": "چاله"}}  # an event of before
    assert reveal_personal(db, instance_id, legacy) == legacy  # no key: nothing sealed, shown as kept
    destroy_case_key(db, instance_id)
    db.commit()
    assert reveal_personal(db, instance_id, legacy) == {
        "data": {"complainant_name": DESTROYED, "subject": "چاله"}}
