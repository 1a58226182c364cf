"""The retention page: due records, legal holds (auditors only, CSRF on) and the disposal log;
the records committee's approval page (committee only; bad ids refused in Persian)."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import create_app
from records.retention import awaiting_approval, dispose_due_records
from workcal.jalali import to_persian_digits
from models import QualityRecord, utcnow
from models.audit import LegalHoldChange
from people.accounts import find_district


def csrf_token_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def add_record(app, code, until, district="d1") -> int:
    with app.extensions["db_sessions"]() as s:
        record = QualityRecord(code=code, district_id=find_district(s, district).id,
                               data={"subject": "x"}, created_at=datetime(2020, 1, 1),
                               retention_until=until)
        s.add(record)
        s.commit()
        return record.id


def record_row(app, record_id) -> QualityRecord:
    with app.extensions["db_sessions"]() as s:
        row = s.get(QualityRecord, record_id)
        s.expunge_all()
        return row


def section(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}".*?</table>', html, re.S).group(0)


def test_the_page_lists_due_and_held_records_to_auditors_only(app, login):
    past = date.today() - timedelta(days=3)
    due_id = add_record(app, "F-__-0-2-07", past)
    add_record(app, "F-__-0-2-07", date.today() + timedelta(days=30))
    assert login("pr_head_d1").get("/audit/retention").status_code == 403
    html = login("auditor").get("/audit/retention").get_data(as_text=True)
    due = section(html, "retention-due")
    assert f'data-record="{due_id}"' in due and due.count("data-record=") == 1
    assert '<bdi dir="ltr">F-__-0-2-07</bdi>: ۶ ماه، سپس امحا' in due
    assert f"/audit/records/{due_id}/hold" in due
    # An administrator sees the page but may not hold: no hold forms.
    admin = login("admin").get("/audit/retention").get_data(as_text=True)
    assert "/hold" not in section(admin, "retention-due")


def test_an_auditor_places_and_releases_a_hold_and_the_record_is_disposed_after(app, login):
    record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
    browser = login("auditor")
    response = browser.post(f"/audit/records/{record_id}/hold", data={"reason": "شکایت در دادگاه"})
    assert response.status_code == 303
    assert record_row(app, record_id).legal_hold is True
    html = browser.get("/audit/retention").get_data(as_text=True)
    assert f'data-record="{record_id}"' in section(html, "retention-held")
    assert f'data-record="{record_id}"' not in section(html, "retention-due")
    assert "شکایت در دادگاه" in section(html, "hold-history")
    with app.extensions["db_sessions"]() as s:
        assert dispose_due_records(s) == []
        s.commit()
    assert browser.post(f"/audit/records/{record_id}/release", data={"reason": "رأی صادر شد"}).status_code == 303
    assert record_row(app, record_id).legal_hold is False
    with app.extensions["db_sessions"]() as s:
        assert dispose_due_records(s) == []  # proposed to the records committee first
        s.commit()
    committee = login("records_committee")
    assert f'data-record="{record_id}"' in section(committee.get("/audit/disposals").get_data(as_text=True),
                                                   "awaiting-approval")
    due = section(browser.get("/audit/retention").get_data(as_text=True), "retention-due")
    assert "در انتظار کمیسیون" in due
    assert committee.post("/audit/disposals", data={"records": [str(record_id)]}).status_code == 303
    due = section(browser.get("/audit/retention").get_data(as_text=True), "retention-due")
    assert "تأییدشده توسط کمیسیون امحای سوابق" in due
    with app.extensions["db_sessions"]() as s:
        assert len(dispose_due_records(s)) == 1
        s.commit()
    log = section(browser.get("/audit/retention").get_data(as_text=True), "disposal-log")
    assert f'data-record="{record_id}" data-action="destroyed"' in log
    assert "کار نگهداری شبانه" in log
    assert f"پرونده \u2066F-__-0-2-07\u2069 #{to_persian_digits(record_id)} در تاریخ " in log
    assert "امحا شد." in log


def test_the_disposal_log_filters_by_code_and_date(app, login):
    archived = add_record(app, "F-__-0-2-03", date(2020, 1, 1))
    destroyed = add_record(app, "F-__-0-2-07", date(2020, 1, 1))
    with app.extensions["db_sessions"]() as s:
        dispose_due_records(s)
        s.commit()
    assert login("records_committee").post("/audit/disposals", data={"all": "1"}).status_code == 303
    with app.extensions["db_sessions"]() as s:
        dispose_due_records(s)
        s.commit()
    browser = login("auditor")
    by_code = section(browser.get("/audit/retention?code=F-__-0-2-03").get_data(as_text=True), "disposal-log")
    assert f'data-record="{archived}"' in by_code and f'data-record="{destroyed}"' not in by_code
    today = utcnow().date().isoformat()  # disposed_at is naive UTC
    assert browser.get(f"/audit/retention?from={today}&to={today}").get_data(as_text=True).count(
        'data-action="') == 2
    old = section(browser.get("/audit/retention?to=2020-01-01").get_data(as_text=True), "disposal-log")
    assert "data-action=" not in old
    assert browser.get("/audit/retention?from=yesterday").status_code == 400


def test_holds_refuse_non_auditors_and_empty_reasons(app, login):
    record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
    for username in ("admin", "pr_head_d1"):
        response = login(username).post(f"/audit/records/{record_id}/hold", data={"reason": "x"})
        assert response.status_code == 403
    response = login("auditor").post(f"/audit/records/{record_id}/hold", data={"reason": ""})
    assert response.status_code == 303 and record_row(app, record_id).legal_hold is False
    with app.extensions["db_sessions"]() as s:
        assert s.scalars(select(LegalHoldChange)).all() == []


def test_a_hold_needs_the_pages_csrf_token(app):
    protected = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                            "WTF_CSRF_ENABLED": True, "SECRET_KEY": "test"})
    try:
        record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
        client = protected.test_client()
        from app.demo import DEMO_PASSWORD
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": "auditor", "password": DEMO_PASSWORD, "csrf_token": token})
        url = f"/audit/records/{record_id}/hold"
        assert client.post(url, data={"reason": "x"}).status_code == 400
        assert record_row(app, record_id).legal_hold is False
        page = client.get("/audit/retention").get_data(as_text=True)
        form_token = re.search(rf'action="{url}".*?name="csrf_token" value="([^"]+)"', page, re.S).group(1)
        assert client.post(url, data={"reason": "x", "csrf_token": form_token}).status_code == 303
        assert record_row(app, record_id).legal_hold is True
    finally:
        protected.extensions["db_engine"].dispose()


def test_an_auditor_holds_a_record_not_yet_due_from_its_own_page_and_releases_it(app, login):
    record_id = add_record(app, "F-__-0-2-07", date.today() + timedelta(days=90))
    auditor = login("auditor")
    page = auditor.get(f"/records/{record_id}").get_data(as_text=True)
    assert 'data-testid="record-hold-form"' in page
    held = auditor.post(f"/audit/records/{record_id}/hold", data={"reason": "پرونده قضایی", "back": "record"})
    assert held.status_code == 303 and held.headers["Location"].endswith(f"/records/{record_id}")
    assert record_row(app, record_id).legal_hold is True
    assert 'data-testid="legal-hold"' in auditor.get(f"/records/{record_id}").get_data(as_text=True)
    auditor.post(f"/audit/records/{record_id}/release", data={"reason": "رأی صادر شد", "back": "record"})
    assert record_row(app, record_id).legal_hold is False
    staff_page = login("pr_head_d1").get(f"/records/{record_id}").get_data(as_text=True)
    assert 'data-testid="record-hold-form"' not in staff_page


def test_the_committee_page_is_refused_to_other_roles(app, login):
    record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
    with app.extensions["db_sessions"]() as s:
        dispose_due_records(s)
        s.commit()
    for username in ("auditor", "admin", "pr_head_d1"):
        browser = login(username)
        assert browser.get("/audit/disposals").status_code == 403
        assert browser.post("/audit/disposals", data={"records": [str(record_id)]}).status_code == 403
    with app.extensions["db_sessions"]() as s:
        assert [r.id for r in awaiting_approval(s)] == [record_id]


@pytest.mark.parametrize("sent", [["abc"], ["999999"], ["99999999999999999999"], []])
def test_bad_record_ids_get_a_persian_error_and_nothing_is_approved(app, login, sent):
    record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
    with app.extensions["db_sessions"]() as s:
        dispose_due_records(s)
        s.commit()
    response = login("records_committee").post("/audit/disposals", data={"records": sent})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = section(html, "approval-error") if 'data-testid="approval-error"' in html else html
    assert "در انتظار تأیید امحا نیست" in error or "انتخاب کنید" in error
    with app.extensions["db_sessions"]() as s:
        assert [r.id for r in awaiting_approval(s)] == [record_id]
        assert dispose_due_records(s) == []


def test_flask_audit_dispose_proposes_then_destroys_what_the_committee_approved(app, login):
    record_id = add_record(app, "F-__-0-2-07", date.today() - timedelta(days=3))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["audit", "dispose"])
    assert first.exit_code == 0 and "0 record(s) disposed of, 1 awaiting the records committee" in first.output
    assert login("records_committee").post("/audit/disposals", data={"all": "1"}).status_code == 303
    second = runner.invoke(args=["audit", "dispose"])
    assert second.exit_code == 0, second.output
    assert f"Record F-__-0-2-07 #{record_id} was destroyed on 14" in second.output
    assert record_row(app, record_id).disposal == "destroyed"
