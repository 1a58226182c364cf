"""The city-wide chain of operator actions and the signed daily digest: each action chained with
who, when and why; a digest signed with an Ed25519 key kept outside the database; a rewritten
digest, a recomputed instance chain or a rewritten action is caught by verify_digests."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from audit import signing
from audit.digests import digest_export, make_daily_digest, verify_digests, write_digest_copy
from audit.operator_chain import check_city_chain
from engine import append_operator_event, list_operator_events, verify_city_chain
from engine.events import event_digest
from models import Event, Instance
from models.audit import ChainDigest, OperatorEvent
from records.retention import approve_disposals, awaiting_approval, dispose_due_records, set_legal_hold
from test_integrity_chain import _user, run_instance, sql
from test_retention import DESTROY, TODAY, add_record

DAY = date(2026, 11, 25)


def signer(tmp_path, name="key.pem") -> signing.DigestSigner:
    path = signing.write_key_file(tmp_path / name)
    return signing.signer_from_settings({"AUDIT_SIGNING_KEY_FILE": str(path)}, tmp_path, False)


def actions(db, type_=None):
    return [e for e in list_operator_events(db) if type_ is None or e.type == type_]


def test_operator_actions_are_chained_with_actor_time_and_reason(db):
    auditor = _user(db, "auditor")
    before = len(actions(db))
    first = append_operator_event(db, "legal_hold_placed", actor=auditor, reason=" دعوای حقوقی ",
                                  data={"record_id": 7})
    second = append_operator_event(db, "process_deployed", reason="نسخهٔ تازه")
    db.commit()
    assert (first.seq, second.seq, second.prev_sha256) == (before + 1, before + 2, first.sha256)
    assert first.actor_id == auditor.id and first.data == {"record_id": 7, "reason": "دعوای حقوقی"}
    assert first.at is not None and verify_city_chain(actions(db)) is None
    assert check_city_chain(db) == []


def test_an_operator_action_rewritten_breaks_the_city_chain(db):
    append_operator_event(db, "legal_hold_placed", actor=_user(db, "auditor"), reason="دعوا")
    append_operator_event(db, "legal_hold_released", actor=_user(db, "auditor"), reason="پایان دعوا")
    db.commit()
    sql(db, "UPDATE operator_events SET data = :d WHERE seq = 1",
        d=json.dumps({"reason": "بی‌دلیل"}))
    db.expire_all()
    [problem] = check_city_chain(db)
    assert (problem.kind, problem.seq) == ("city", 1)


def test_legal_holds_and_every_step_of_a_destruction_are_in_the_chain(db):
    auditor, member = _user(db, "auditor"), _user(db, "records_committee")
    held = add_record(db, DESTROY, TODAY - timedelta(days=30))
    set_legal_hold(db, held, auditor, True, "پرونده در دادگاه است")
    set_legal_hold(db, held, auditor, False, "حکم صادر شد")
    dispose_due_records(db, today=TODAY)  # proposed to the committee
    approve_disposals(db, [r.id for r in awaiting_approval(db)], member, "جلسهٔ ۱۲ آذر")
    dispose_due_records(db, today=TODAY)
    db.commit()
    chain = [(e.type, e.actor_id, e.data["reason"], e.data["record_id"]) for e in actions(db)]
    assert chain == [
        ("legal_hold_placed", auditor.id, "پرونده در دادگاه است", held),
        ("legal_hold_released", auditor.id, "حکم صادر شد", held),
        ("disposal_proposed", None, "F-__-0-2-07: 6 months, destroy", held),
        ("disposal_approved", member.id, "جلسهٔ ۱۲ آذر", held),
        ("record_destroyed", None, "F-__-0-2-07: 6 months, destroy", held)]
    assert verify_city_chain(actions(db)) is None


def test_a_signed_digest_verifies_with_its_public_key(db, complaints, app, tmp_path):
    run_instance(app, "d1")
    append_operator_event(db, "process_deployed", reason="نسخهٔ تازه")
    key = signer(tmp_path)
    digest = make_daily_digest(db, DAY, signer=key)
    db.commit()
    assert digest.signature and digest.key_id == key.key_id
    last = actions(db)[-1]  # the complaints diagram's deploy comes first
    assert (last.type, digest.city_seq, digest.city_sha256) == ("process_deployed", last.seq, last.sha256)
    assert verify_digests(db, key.public_key) == []
    other = signer(tmp_path, "other.pem")
    assert [p.kind for p in verify_digests(db, other.public_key)] == ["signature"]


def test_a_digest_rewritten_to_match_no_longer_carries_a_valid_signature(db, complaints, app, tmp_path):
    instance_id = run_instance(app, "d1")
    key = signer(tmp_path)
    make_daily_digest(db, DAY, signer=key)
    db.commit()
    _recompute_chain(db, instance_id)
    assert "changed" in [p.kind for p in verify_digests(db, key.public_key)]
    # ... and the intruder rewrites the digest's heads and hash too: the signature no longer holds
    from audit.digests import canonical_sha256, current_heads
    heads = current_heads(db)
    sql(db, "UPDATE chain_digests SET heads = :h, digest_sha256 = :s",
        h=json.dumps(heads), s=canonical_sha256(heads))
    db.expire_all()
    assert [p.kind for p in verify_digests(db, key.public_key)] == ["signature"]


def test_an_unsigned_digest_is_reported(db, complaints, app):
    run_instance(app, "d1")
    make_daily_digest(db, DAY)
    db.commit()
    assert [p.kind for p in verify_digests(db, None)] == ["unsigned"]


def test_a_kept_copy_shows_a_replaced_or_deleted_digest(db, complaints, app, tmp_path):
    run_instance(app, "d1")
    key = signer(tmp_path)
    digest = make_daily_digest(db, DAY, signer=key)
    db.commit()
    copies = tmp_path / "copies"
    write_digest_copy(digest_export(digest, key.public_text), copies)
    assert verify_digests(db, key.public_key, copies) == []
    sql(db, "DELETE FROM chain_digests")
    problems = verify_digests(db, key.public_key, copies)
    assert [p.kind for p in problems] == ["copy"] and "deleted" in problems[0].explanation


def test_outside_development_a_missing_key_refuses_with_what_to_set(tmp_path):
    with pytest.raises(signing.SigningKeyError, match="AUDIT_SIGNING_KEY_FILE.*flask audit keygen"):
        signing.signer_from_settings({}, tmp_path, development=False)
    assert list(tmp_path.iterdir()) == []  # nothing generated
    with pytest.raises(signing.SigningKeyError, match="cannot be read"):
        signing.signer_from_settings({"AUDIT_SIGNING_KEY_FILE": str(tmp_path / "none.pem")},
                                     tmp_path, development=False)
    with pytest.raises(signing.SigningKeyError, match="not an Ed25519"):
        signing.signer_from_settings({"AUDIT_SIGNING_KEY": "not a key"}, tmp_path, False)


def test_in_development_a_marked_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = signing.signer_from_settings({}, tmp_path, development=True)
    again = signing.signer_from_settings({}, tmp_path, development=True)
    assert first.development and first.key_id == again.key_id
    assert [p.name for p in tmp_path.iterdir()] == ["audit-signing-key.DEVELOPMENT-ONLY.pem"]
    assert (tmp_path / signing.DEV_KEY_NAME).stat().st_mode & 0o077 == 0


def test_the_key_itself_may_come_from_the_environment_as_base64(tmp_path):
    from cryptography.hazmat.primitives import serialization
    key = signing.load_private_key(signing.generate_key_pem())
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    import base64
    chosen = signing.signer_from_settings({"AUDIT_SIGNING_KEY": base64.b64encode(raw).decode()},
                                          tmp_path, development=False)
    assert chosen.public_text == signing.public_key_text(key.public_key())
    [pinned] = signing.trusted_public_keys({"AUDIT_PUBLIC_KEY": chosen.public_text}, None)
    assert signing.public_key_text(pinned) == chosen.public_text


def test_after_a_key_change_digests_of_the_old_key_verify_when_both_are_pinned(db, complaints, app, tmp_path):
    run_instance(app, "d1")
    old, new = signer(tmp_path, "old.pem"), signer(tmp_path, "new.pem")
    make_daily_digest(db, DAY, signer=old)
    make_daily_digest(db, DAY + timedelta(days=1), signer=new)
    db.commit()
    assert [p.kind for p in verify_digests(db, [new.public_key])] == ["signature"]
    both = signing.trusted_public_keys({"AUDIT_PUBLIC_KEY": f"{old.public_text}, {new.public_text}"}, None)
    assert verify_digests(db, both) == []


def _recompute_chain(db, instance_id):
    """What an intruder with write access does: change an event and recompute every hash after
    it and the instance's head, so the chain check alone sees nothing."""
    events = db.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)).all()
    prev = events[0].prev_sha256
    for ev in events:
        data = dict(ev.data, forged=True) if ev.seq == 1 else ev.data
        sha = event_digest(prev, ev.instance_id, ev.seq, ev.type, ev.task_spec, ev.spiff_task_id,
                           ev.actor_id, ev.at, data)
        ev.data, ev.prev_sha256, ev.sha256 = data, prev, sha
        prev = sha
    db.get(Instance, instance_id).last_event_sha256 = prev
    db.commit()
    from audit.event_chain import check_instance
    assert check_instance(db, instance_id) == []  # the chain alone looks intact
