"""Pages of the event-chain check and the daily digests: auditors only; tampered rows show with
their kind and seq; a kept digest file uploaded is checked against the database."""
import io
import json

from sqlalchemy import text

from engine.events import event_digest
from audit.digests import make_daily_digest
from http_support import page_text
from models import Event


def tamper(app, statement, **params):
    with app.extensions["db_sessions"]() as s:
        s.execute(text(statement), params)
        s.commit()


def rows(response) -> list[tuple[str, str, str]]:
    """(instance, kind, seq) of each problem row of a page."""
    import re
    return re.findall(r'data-kind="(\w+)" data-seq="(\d*)" data-instance="(\d*)"',
                      response.get_data(as_text=True))


def test_only_auditors_and_administrators_open_the_audit_pages(app, login, arrange):
    for url in ("/audit/integrity", "/audit/digests"):
        assert login("pr_head_d1").get(url).status_code == 403
        assert login("central_pr").get(url).status_code == 403
        assert login("auditor").get(url).status_code == 200
        assert login("admin").get(url).status_code == 200


def test_the_integrity_page_lists_each_tampering_by_instance_kind_and_seq(app, login, arrange):
    first, _ = arrange.registered_service_instance("d1")
    second, _ = arrange.registered_service_instance("d2")
    browser = login("auditor")
    intact = browser.get("/audit/integrity?scope=all")
    assert 'data-testid="chain-intact"' in intact.get_data(as_text=True) and rows(intact) == []
    tamper(app, "UPDATE events SET data = '{\"x\": 1}' WHERE instance_id = :i AND seq = 2", i=first)
    tamper(app, "DELETE FROM events WHERE instance_id = :i AND seq = 1", i=second)
    broken = browser.get("/audit/integrity?scope=all")
    assert broken.status_code == 200
    assert 'data-testid="chain-broken"' in broken.get_data(as_text=True)
    assert rows(broken) == [("changed", "2", str(first)), ("deleted", "1", str(second))]
    assert "دیگر با چکیده‌اش (هش) نمی‌خواند" in page_text(broken)
    one = browser.get(f"/audit/integrity?instance={second}")
    assert rows(one) == [("deleted", "1", str(second))]


def test_truncation_shows_on_the_page(app, login, arrange):
    instance_id, _ = arrange.registered_service_instance("d1")
    head = arrange.instance(instance_id).last_event_seq
    tamper(app, "DELETE FROM events WHERE instance_id = :i AND seq = :s", i=instance_id, s=head)
    assert rows(login("auditor").get(f"/audit/integrity?instance={instance_id}")) == [
        ("truncated", str(head), str(instance_id))]


def _make_digest(app):
    with app.extensions["db_sessions"]() as s:
        digest = make_daily_digest(s)
        s.commit()
        return digest.day.isoformat(), digest.digest_sha256


def upload(browser, content: bytes):
    return browser.client.post("/audit/digests/check", content_type="multipart/form-data",
                               data={"digest": (io.BytesIO(content), "kept.json")})


def test_digests_are_listed_downloaded_as_json_and_checked_when_uploaded(app, login, arrange):
    instance_id, _ = arrange.registered_service_instance("d1")
    day, sha = _make_digest(app)
    browser = login("auditor")
    listing = browser.get("/audit/digests")
    assert sha in listing.get_data(as_text=True) and f"/audit/digests/{day}.json" in listing.get_data(as_text=True)
    download = browser.get(f"/audit/digests/{day}.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == f'attachment; filename="chain-digest-{day}.json"'
    kept = download.get_data()
    assert json.loads(kept)["digest_sha256"] == sha and json.loads(kept)["heads"][0][0] == instance_id
    assert browser.get("/audit/digests/2001-01-01.json").status_code == 404
    assert browser.get("/audit/digests/yesterday.json").status_code == 404

    holds = upload(browser, kept)
    assert holds.status_code == 200 and 'data-testid="digest-holds"' in holds.get_data(as_text=True)

    with app.extensions["db_sessions"]() as s:  # the head rewritten, hash and instance head too
        head = s.query(Event).filter_by(instance_id=instance_id).order_by(Event.seq.desc()).first()
        forged = event_digest(head.prev_sha256, instance_id, head.seq, head.type, head.task_spec,
                              head.spiff_task_id, head.actor_id, head.at, {"forged": True})
        seq = head.seq
    tamper(app, "UPDATE events SET data = '{\"forged\": true}', sha256 = :s WHERE instance_id = :i AND seq = :q",
           s=forged, i=instance_id, q=seq)
    tamper(app, "UPDATE instances SET last_event_sha256 = :s WHERE id = :i", s=forged, i=instance_id)
    broken = upload(browser, kept)
    assert 'data-testid="digest-broken"' in broken.get_data(as_text=True)
    assert rows(broken) == [("changed", str(seq), str(instance_id))]


def test_a_file_that_is_not_a_digest_is_refused(login, arrange):
    response = upload(login("auditor"), b"not json")
    assert response.status_code == 400 and 'data-testid="digest-error"' in response.get_data(as_text=True)


def test_a_user_who_is_not_an_auditor_cannot_check_a_digest(login, arrange):
    assert upload(login("pr_head_d1"), b"{}").status_code == 403

