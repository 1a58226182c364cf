"""A rework revises its quality record (records.quality.keep_record): the press conference
report F-__-0-2-13 returned by the PR head and written again is one record with two revisions;
the list and the exports show the current one, the record page every revision, newest first."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from models import QualityRecord, User
from path_support import deploy, drive, start_on_page
from records.retention import approve_disposals, awaiting_approval, dispose_due_records, set_legal_hold
from workcal import jalali

F13 = "F-__-0-2-13"
SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
            "conference_place": "سالن جلسات شهرداری منطقه", "topics": "طرح‌های عمرانی",
            "schedule_note": ""}
INVITATION = {"invited_on": "2025-08-25", "invitation_text": "از خبرنگاران محترم دعوت می‌شود ...",
              "invited_media": [{"outlet": "خبرگزاری ایرنا", "reporter": "علی رضایی",
                                 "contact": "09121234567"}]}
HELD = {"held_on": "2025-09-01", "held_place": "سالن جلسات شهرداری منطقه", "held_note": ""}
ATTENDANCE = {"attendees": [{"name": "علی رضایی", "outlet": "خبرگزاری ایرنا",
                             "signature_received": True}]}
REPORT = {"summary": "نشست با حضور ۱۲ خبرنگار برگزار شد.", "questions_raised": "زمان پایان پروژه",
          "commitments_made": "گزارش ماهانه", "coverage_links": "https://example.ir/a"}
REWRITTEN = {**REPORT, "commitments_made": "گزارش ماهانه و بازدید از پروژه"}


@pytest.fixture
def reworked_report(app, login):
    """A press conference whose report the PR head returned once; (instance id, browsers)."""
    deploy(app, "press_conference")
    head, mayor, expert = login("pr_head_d1"), login("district_mayor_d1"), login("pr_expert_d1")
    instance_id = start_on_page(head, "press_conference", "d1")
    drive(head, instance_id, "Task_schedule_conference", SCHEDULE)
    drive(mayor, instance_id, "Task_approve_schedule", {"schedule_decision": "approve",
                                                         "schedule_decision_note": ""})
    drive(expert, instance_id, "Task_send_invitation", INVITATION)
    drive(head, instance_id, "Task_hold_conference", HELD)
    drive(expert, instance_id, "Task_record_attendance", ATTENDANCE)
    drive(expert, instance_id, "Task_write_report", REPORT)
    drive(head, instance_id, "Task_approve_report", {"report_decision": "return",
                                                     "report_review_reason": "تعهدات کامل نیست"})
    drive(expert, instance_id, "Task_write_report", REWRITTEN)
    return instance_id, head, expert


def _reports(app, instance_id):
    with app.extensions["db_sessions"]() as s:
        rows = s.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id,
                                                     QualityRecord.code == F13)
                         .order_by(QualityRecord.id)).all()
        s.expunge_all()
        return rows


def test_a_returned_and_rewritten_report_is_one_record_with_two_revisions(app, reworked_report):
    instance_id, _head, _expert = reworked_report
    first, second = _reports(app, instance_id)
    assert (first.revision, second.revision) == (1, 2)
    assert first.superseded_by_id == second.id and first.superseded_at == second.created_at
    assert second.superseded_at is None and second.superseded_by_id is None
    assert first.data["commitments_made"] == REPORT["commitments_made"]
    assert second.data["commitments_made"] == REWRITTEN["commitments_made"]
    # the earlier revision is kept as long as the current one: it is its history
    assert first.retention_until == second.retention_until


def test_the_record_list_and_export_show_only_the_current_revision(app, reworked_report):
    instance_id, head, _expert = reworked_report
    first, second = _reports(app, instance_id)
    listing = head.get(f"/records?code={F13}").get_data(as_text=True)
    assert f'href="/records/{second.id}"' in listing
    assert f'href="/records/{first.id}"' not in listing
    exported = head.get(f"/records/export.csv?code={F13}").get_data().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(exported)))
    assert [line[0] for line in lines[1:]] == [str(second.id)]
    assert REWRITTEN["commitments_made"] in exported and REPORT["commitments_made"] + "," not in exported


def test_the_record_page_lists_the_revisions_newest_first_with_who_and_solar_hijri_dates(
        app, reworked_report):
    instance_id, head, _expert = reworked_report
    first, second = _reports(app, instance_id)
    page = head.get(f"/records/{second.id}").get_data(as_text=True)
    table = page[page.index('data-testid="record-revisions"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-testid="record-revision".*?</tr>', table, re.S)
    assert len(rows) == 2
    assert ">۲<" in rows[0] and f'href="/records/{first.id}"' in rows[1]
    with app.extensions["db_sessions"]() as s:
        expert_name = s.scalars(select(User).where(User.username == "pr_expert_d1")).one().display_name
    assert all(expert_name in row for row in rows)
    solar_year = jalali.to_persian_digits(str(jalali.solar_parts(second.created_at.date())[0]))
    assert solar_year in rows[0] and not re.search(r"\d{4}-\d{2}-\d{2}", table)
    # the earlier revision's own page says it was superseded and links to the current one
    old = head.get(f"/records/{first.id}").get_data(as_text=True)
    assert 'data-testid="record-superseded"' in old and f'href="/records/{second.id}"' in old


def test_a_legal_hold_on_the_record_keeps_its_earlier_revision_too(app, reworked_report):
    instance_id, _head, _expert = reworked_report
    first, second = _reports(app, instance_id)
    with app.extensions["db_sessions"]() as s:
        auditor = s.scalars(select(User).where(User.username == "auditor")).one()
        set_legal_hold(s, second.id, auditor, True, "پرونده قضایی")
        s.commit()
        later = second.retention_until.replace(year=second.retention_until.year + 1)
        disposed = {d.record_id for d in dispose_due_records(s, today=later)}
        committee = s.scalars(select(User).where(User.username == "records_committee")).one()
        approve_disposals(s, [r.id for r in awaiting_approval(s)], committee)  # all it was asked
        disposed |= {d.record_id for d in dispose_due_records(s, today=later)}
        assert disposed and not disposed & {first.id, second.id}
        s.rollback()
    assert [r.legal_hold for r in _reports(app, instance_id)] == [True, True]
