"""A citizen comments on a section of a draft regulation on a phone-sized window; a member of
staff approves it on the draft's staff page (desktop window); the comment then appears on the
portal, escaped. After the period: the review, amendment, approval and publication done in the
browser, and the portal's summary of what changed. Chromium (Debian's), CSRF on."""
import pytest
from sqlalchemy import select

from programmes.drafts import comments as drafts
from live_server import fits_the_screen, log_in
from models import District
from models.drafts import DraftComment
from people.accounts import find_user
from tests.conftest import PROCESSES, deploy_file

pytestmark = pytest.mark.browser
COMMENT = "<b>ساعت</b> پایان را ۲۲ کنید تا شاغلان هم بتوانند خرید کنند."


@pytest.fixture
def draft(app):
    deploy_file(app, PROCESSES / "draft_regulation.bpmn")
    session = app.extensions["db_sessions"]()
    try:
        district = session.scalars(select(District).where(District.code == "d1")).one()
        made = drafts.publish_draft(
            session, find_user(session, "pr_expert_d1"), district.id, "دستورالعمل بازارچه‌های محلی",
            "پیش‌نویس برای اظهارنظر عمومی", "ماده ۱ — ساعات کار بازارچه‌ها از ۸ تا ۲۰ است.\n\n"
            "ماده ۲ — عوارض غرفه ماهانه پرداخت می‌شود.")
        session.commit()
        return made.id
    finally:
        session.close()


def test_a_citizen_comments_staff_approve_and_the_comment_appears(app, phone, page, draft):
    phone.goto("/p/drafts/")
    phone.get_by_test_id(f"draft-{draft}").click()
    assert phone.get_by_test_id("draft-title").inner_text() == "دستورالعمل بازارچه‌های محلی"
    assert fits_the_screen(phone)
    phone.get_by_test_id("comment-on-1").click()
    form = phone.get_by_test_id("comment-form-1")
    form.locator("input[name=name]").fill("مریم")
    form.locator("textarea[name=text]").fill(COMMENT)
    assert fits_the_screen(phone)
    phone.get_by_test_id("send-comment-1").click()
    assert "پس از بررسی" in phone.get_by_test_id("comment-sent").inner_text()
    assert phone.get_by_test_id("comment").count() == 0  # not public before moderation

    with app.extensions["db_sessions"]() as s:
        comment_id = s.scalars(select(DraftComment.id)).one()
    log_in(page, "pr_expert_d1")
    page.goto(f"/drafts/{draft}")
    assert COMMENT in page.get_by_test_id(f"staff-comment-{comment_id}").inner_text()
    page.get_by_test_id(f"approve-{comment_id}").click()
    page.wait_for_url(f"**/drafts/{draft}#comment-{comment_id}")
    assert page.get_by_test_id(f"comment-status-{comment_id}").inner_text() == "تأییدشده"

    phone.goto(f"/p/drafts/{draft}")
    shown = phone.get_by_test_id("comments-1").get_by_test_id("comment")
    assert shown.count() == 1
    assert COMMENT in shown.inner_text() and "مریم" in shown.inner_text()
    assert shown.locator("b").count() == 0  # the citizen's <b> is text, not markup
    assert fits_the_screen(phone) and phone.js_errors == [] and page.js_errors == []


def test_staff_review_amend_approve_and_publish_in_the_browser_and_the_portal_shows_what_changed(
        app, phone, page, draft):
    from datetime import timedelta

    from app.scheduler import fire_due_timers
    from models import HumanTask, clock
    from models.drafts import DraftRegulation, DraftSection
    with app.extensions["db_sessions"]() as s:
        section = s.scalars(select(DraftSection).where(DraftSection.draft_id == draft,
                                                       DraftSection.number == 2)).one()
        found = s.get(DraftRegulation, draft)
        comment = drafts.add_comment(s, found, section.id, "رضا", "پرداخت فصلی برای کاسبان بهتر است.")
        drafts.moderate(s, find_user(s, "pr_expert_d1"), found, comment.id, "approved")
        closes_at, comment_id, section_id = found.closes_at, comment.id, section.id
        s.commit()
    clock.set_now(closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])

    def open_task():
        with app.extensions["db_sessions"]() as s:
            return s.scalars(select(HumanTask.id).where(HumanTask.status == "ready",
                                                        HumanTask.form_key.like("draft_%"))).one()

    log_in(page, "department_head_d1")
    review = open_task()
    page.goto(f"/tasks/{review}")
    panel = page.get_by_test_id("draft-panel")
    assert "پرداخت فصلی برای کاسبان بهتر است." in panel.get_by_test_id("review-section-2").inner_text()
    amend = panel.get_by_test_id("amend-form-2")
    panel.get_by_test_id("review-section-2").locator("summary").click()
    amend.locator("textarea[name=text]").fill("ماده ۲ — عوارض غرفه فصلی پرداخت می‌شود.")
    amend.locator("input[name=note]").fill("به پیشنهاد شهروندان")
    amend.locator(f"input[name=comments][value='{comment_id}']").check()
    amend.locator("button").click()
    page.wait_for_url(f"**/tasks/{review}#section-{section_id}")
    assert "به پیشنهاد شهروندان" in page.get_by_test_id("task-amendments").inner_text()
    page.locator("textarea[name=review_summary]").fill("بند ۲ به پیشنهاد شهروندان اصلاح شد.")
    page.get_by_test_id("complete").click()
    page.wait_for_url("**/instances/**")

    log_in(page, "district_mayor_d1")
    page.goto(f"/tasks/{open_task()}")
    page.locator("input[name=approval_decision][value=approve]").check()
    page.get_by_test_id("complete").click()
    page.wait_for_url("**/instances/**")

    log_in(page, "pr_expert_d1")
    page.goto(f"/tasks/{open_task()}")
    page.locator("textarea[name=publication_note]").fill("ابلاغ شد.")
    page.get_by_test_id("complete").click()
    page.wait_for_url("**/instances/**")

    phone.goto(f"/p/drafts/{draft}")
    summary = phone.get_by_test_id("change-summary")
    assert "فصلی" in summary.inner_text() and "به پیشنهاد شهروندان" in summary.inner_text()
    assert "پرداخت فصلی برای کاسبان بهتر است." in summary.inner_text()  # the comment behind it
    assert phone.get_by_test_id("comment-form-1").count() == 0  # closed for comment
    assert fits_the_screen(phone) and phone.js_errors == [] and page.js_errors == []
