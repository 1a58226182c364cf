"""A citizen comments on a section of a draft regulation on a phone-sized window; a member of
staff approves it on the draft's staff page (desktop window); the comment then appears on the
portal, escaped. Chromium (Debian's), CSRF on."""
import pytest
from sqlalchemy import select

from engine import draft_comments as drafts
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
