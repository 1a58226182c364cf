"""The audit chain as an operator meets it: `flask audit digest` signs with a key kept outside
the database, `flask audit verify` fails on a rewritten digest, a recomputed chain or a kept copy
that differs; legal holds, disposals, migrations, repairs, grants, calendar entries and API keys
are written into the city-wide chain with who and why, and the auditors' page lists them in
Persian."""
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import modeling.repair
from audit.digests import canonical_sha256, current_heads
from audit.operator_chain import check_city_chain
from audit.signing import DEV_KEY_NAME, write_key_file
from engine import list_operator_events
from http_support import page_text
from models import QualityRecord
from models.audit import ChainDigest
from people.accounts import find_district
from test_integrity_chain import _user, run_instance, sql
from test_operator_chain import _recompute_chain
from test_studio_migration import URL as MIGRATE_URL, arrange as arrange_migration

DESTROY = "F-__-0-2-07"  # 6 months, destroy
STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"


@pytest.fixture
def keyed(app, tmp_path):
    """The app with a signing key file of its own and a directory of kept copies."""
    key = write_key_file(tmp_path / "signing.pem")
    app.config.update(AUDIT_SIGNING_KEY_FILE=str(key), AUDIT_DIGEST_DIR=str(tmp_path / "copies"))
    return app


@pytest.fixture
def audit(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["audit", *args])


def actions(db, type_):
    db.expire_all()
    return [e for e in list_operator_events(db) if e.type == type_]


def test_the_digest_is_signed_and_verify_checks_its_signature(keyed, audit, db, complaints, tmp_path):
    run_instance(keyed, "d1")
    made = audit("digest", "--day", "2026-11-25")
    assert made.exit_code == 0, made.output
    assert "signed by key" in made.output
    row = db.scalars(select(ChainDigest)).one()
    assert row.signature and row.city_seq >= 1
    kept = json.loads((tmp_path / "copies" / "chain-digest-2026-11-25.json").read_text())
    assert (kept["signature"], kept["digest_sha256"]) == (row.signature, row.digest_sha256)
    verified = audit("verify", "--digests-only")
    assert verified.exit_code == 0, verified.output
    assert "1 signed digest(s) checked, 0 problem(s)" in verified.output

    sql(db, "UPDATE chain_digests SET instance_count = instance_count + 1")
    tampered = audit("verify", "--digests-only")
    assert tampered.exit_code == 1
    assert "signature: The signature of the digest of 2026-11-25 does not match it" in tampered.output
    assert "copy: The digest of 2026-11-25 in the database" not in tampered.output  # hash unchanged


def test_verify_fails_when_the_chain_was_recomputed_and_the_digest_rewritten(keyed, audit, db, complaints):
    instance_id = run_instance(keyed, "d1")
    assert audit("digest", "--day", "2026-11-25").exit_code == 0
    _recompute_chain(db, instance_id)
    assert audit("chain").exit_code == 0  # the chain check alone sees nothing
    recomputed = audit("verify")
    assert recomputed.exit_code == 1
    assert f"instance {instance_id} seq " in recomputed.output and "its history was rewritten" in recomputed.output
    heads = current_heads(db)
    sql(db, "UPDATE chain_digests SET heads = :h, digest_sha256 = :s",
        h=json.dumps(heads), s=canonical_sha256(heads))
    rewritten = audit("verify", "--digests-only")
    assert rewritten.exit_code == 1
    assert "signature: " in rewritten.output and "copy: The digest of 2026-11-25" in rewritten.output


def test_without_a_key_outside_development_no_digest_is_made(app, audit, db, complaints):
    app.config.update(PERSONAL_DATA_KEY="a production secret", AUDIT_SIGNING_KEY_FILE="",
                      AUDIT_SIGNING_KEY="")
    refused = audit("digest")
    assert refused.exit_code == 1
    assert "No key to sign the daily chain digest: set AUDIT_SIGNING_KEY_FILE" in refused.output
    assert db.scalars(select(ChainDigest)).all() == []


def test_in_development_a_marked_key_is_generated_and_shown_on_the_digests_page(app, audit, login, tmp_path):
    app.config.update(AUDIT_DEV_KEY_DIR=str(tmp_path))
    assert audit("digest").exit_code == 0
    assert (tmp_path / DEV_KEY_NAME).exists()
    page = page_text(login("auditor").get("/audit/digests"))
    assert 'data-testid="public-key"' in page and 'data-testid="development-key"' in page
    assert "کلید آزمایشی" in page


def test_keygen_writes_a_key_once_and_prints_its_public_key(audit, tmp_path):
    out = tmp_path / "k.pem"
    made = audit("keygen", "--out", str(out))
    assert made.exit_code == 0 and "public key (AUDIT_PUBLIC_KEY): " in made.output
    assert out.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = audit("keygen", "--out", str(out))
    assert again.exit_code == 1 and "never overwritten" in again.output


def _record(db) -> int:
    record = QualityRecord(code=DESTROY, district_id=find_district(db, "d1").id,
                           data={"subject": "ملاقات با شهردار"}, created_at=datetime(2020, 1, 1),
                           retention_until=date.today() - timedelta(days=30))
    db.add(record)
    db.commit()
    return record.id


def test_holds_and_a_destruction_are_in_the_chain_and_listed_in_persian(keyed, audit, login, db):
    record_id = _record(db)
    auditor = login("auditor")
    assert auditor.post(f"/audit/records/{record_id}/hold",
                        data={"reason": "پرونده در دادگاه است"}).status_code == 303
    assert auditor.post(f"/audit/records/{record_id}/release",
                        data={"reason": "حکم قطعی صادر شد"}).status_code == 303
    assert audit("dispose").exit_code == 0  # proposed to the committee
    assert login("records_committee").post("/audit/disposals", data={
        "all": "1", "reason": "صورت‌جلسهٔ کمیسیون ۱۲"}).status_code == 303
    assert audit("dispose").exit_code == 0  # destroyed
    placed, released = actions(db, "legal_hold_placed")[-1], actions(db, "legal_hold_released")[-1]
    approved, destroyed = actions(db, "disposal_approved")[-1], actions(db, "record_destroyed")[-1]
    assert (placed.actor.username, placed.data["reason"], placed.data["record_id"]) == (
        "auditor", "پرونده در دادگاه است", record_id)
    assert (released.actor.username, released.data["reason"]) == ("auditor", "حکم قطعی صادر شد")
    assert (approved.actor.username, approved.data["reason"]) == ("records_committee", "صورت‌جلسهٔ کمیسیون ۱۲")
    assert destroyed.actor is None and destroyed.data["record_id"] == record_id
    assert placed.seq < released.seq < approved.seq < destroyed.seq

    page = page_text(auditor.get("/audit/actions"))
    assert 'data-testid="city-chain-intact"' in page
    for text in ("توقیف قانونی اعمال شد", "توقیف قانونی برداشته شد", "امحا را کمیسیون سوابق تأیید کرد",
                 "سابقه امحا شد", "پرونده در دادگاه است", "صورت‌جلسهٔ کمیسیون ۱۲",
                 "مدت نگهداری ۶ ماهه در فهرست سوابق به پایان رسید."):
        assert text in page, text
    assert audit("digest").exit_code == 0
    verified = audit("verify", "--digests-only")
    assert verified.exit_code == 0, verified.output


def test_the_actions_page_is_for_auditors_and_shows_a_broken_chain(app, login, db):
    _record_id = _record(db)
    assert login("auditor").post(f"/audit/records/{_record_id}/hold",
                                 data={"reason": "دعوا"}).status_code == 303
    assert login("pr_expert_d1").get("/audit/actions").status_code == 403
    seq = actions(db, "legal_hold_placed")[-1].seq
    sql(db, "UPDATE operator_events SET data = :d WHERE seq = :s", d=json.dumps({"reason": "x"}), s=seq)
    page = page_text(login("auditor").get("/audit/actions"))
    assert 'data-testid="city-chain-problems"' in page and "زنجیرهٔ اقدامات راهبران" in page


def test_a_migration_is_in_both_chains_with_actor_and_reason_and_still_verifies(app, login, db, audit):
    at_a, _at_b, _versions = arrange_migration(app, 2)
    owner = login("process_owner")
    assert owner.post(MIGRATE_URL, data={"ids": [at_a], "target": 2, "action": "move",
                                         "reason": "اصلاح مسیر بررسی"}).status_code == 302
    # The bulk move is recorded once when it starts and once when it ends.
    [started] = actions(db, "instances_migration_started")
    [finished] = actions(db, "instances_migration_finished")
    assert (started.actor.username, started.data["reason"], started.data["instance_ids"]) == (
        "process_owner", "اصلاح مسیر بررسی", [at_a])
    assert (started.data["to_version"], finished.data["moved"], finished.data["refused"]) == (2, [at_a], [])
    assert finished.actor.username == "process_owner"
    verified = audit("verify", "--instance", str(at_a))
    assert verified.exit_code == 0 and "OK" in verified.output
    deployed = actions(db, "process_deployed")
    assert [e.data["version"] for e in deployed if e.data["process_key"] == "migration_demo"] == [1, 2]
    page = page_text(login("auditor").get("/audit/actions"))
    assert "انتقال گروهی پرونده‌ها به نسخهٔ دیگر آغاز شد" in page and "اصلاح مسیر بررسی" in page
    assert "اصلاح مسیر بررسی" in page_text(owner.get(f"/instances/{at_a}"))  # in its history too


def test_a_diagram_repaired_on_import_is_in_the_chain(login, db, monkeypatch):
    def repair(xml):
        return modeling.repair.RepairResult(xml, [("Task_register", "The task had no lane.")])
    monkeypatch.setattr(modeling.repair, "repair_bpmn", repair)
    owner = login("process_owner")
    response = owner.post("/studio/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO((STUDIO / "valid.bpmn").read_bytes()), "diagram.bpmn")})
    assert response.status_code == 303
    [repaired] = actions(db, "diagram_repaired")
    assert repaired.actor.username == "process_owner"
    assert repaired.data["fixes"] == [["Task_register", "The task had no lane.", {}]]
    assert repaired.data["reason"] == "The task had no lane."


def test_grants_calendar_entries_and_api_keys_are_in_the_chain(login, db):
    admin = login("admin")
    target = _user(db, "pr_expert_d2")
    db.rollback()
    assert admin.post(f"/admin/users/{target.id}/grants", data={
        "role": "auditor", "scope": "city", "reason": "بازرسی سالانه"}).status_code == 303
    assert admin.post("/calendar/entries", data={"day": "1405/10/01", "kind": "closure",
                                                 "note": "برف سنگین"}).status_code == 303
    created = admin.post("/admin/api-keys", data={"name": "سامانه ۱۳۷ استان"})
    assert created.status_code == 201
    [granted] = actions(db, "role_granted")
    assert (granted.actor.username, granted.data["role"], granted.data["reason"]) == (
        "admin", "auditor", "بازرسی سالانه")
    [entry] = actions(db, "calendar_entry_added")
    assert (entry.actor.username, entry.data["reason"], entry.data["kind"]) == ("admin", "برف سنگین", "closure")
    [key] = actions(db, "api_key_created")
    assert (key.actor.username, key.data["reason"]) == ("admin", "سامانه ۱۳۷ استان")
    assert not re.search(r"[A-Za-z0-9_-]{40,}", json.dumps(key.data))  # never the key itself
    assert admin.post("/admin/substitutes", data={
        "user": "pr_expert_d1", "substitute": "pr_expert_d2", "from": "1405/10/01",
        "until": "1405/10/10", "reason": "مرخصی استحقاقی"}).status_code == 303
    [named] = actions(db, "substitute_named")
    assert (named.actor.username, named.data["reason"], named.data["substitute"]) == (
        "admin", "مرخصی استحقاقی", "pr_expert_d2")
    assert check_city_chain(db) == []


def test_an_uploaded_digest_whose_signature_does_not_hold_is_shown(keyed, audit, login, complaints):
    run_instance(keyed, "d1")
    assert audit("digest", "--day", "2026-11-25").exit_code == 0
    auditor = login("auditor")
    kept = auditor.get("/audit/digests/2026-11-25.json").get_json()
    assert kept["signature"] and kept["public_key"]

    def check(content):
        return page_text(auditor.post("/audit/digests/check", content_type="multipart/form-data",
                                      data={"digest": (io.BytesIO(content), "kept.json")}))
    assert 'data-kind="signature"' not in check(json.dumps(kept).encode())
    kept["city_seq"] += 1
    assert 'data-kind="signature"' in check(json.dumps(kept).encode())


def test_grants_and_roles_made_on_the_command_line_are_in_the_chain(app, db):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["roles", "create", "archivist", "--fa", "بایگان", "--en", "Archivist",
                               "--reason", "واحد بایگانی تازه"])
    assert made.exit_code == 0, made.output
    granted = runner.invoke(args=["users", "grant", "pr_expert_d1", "archivist", "--district", "d1",
                                  "--reason", "حکم کارگزینی ۴۵"])
    assert granted.exit_code == 0, granted.output
    [role] = actions(db, "role_created")
    [grant] = actions(db, "role_granted")
    assert (role.actor, role.data["role"], role.data["reason"]) == (None, "archivist", "واحد بایگانی تازه")
    assert (grant.data["username"], grant.data["role"], grant.data["reason"], grant.data["by"]) == (
        "pr_expert_d1", "archivist", "حکم کارگزینی ۴۵", "command line")
