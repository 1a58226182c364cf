"""Draft regulations on the portal and the staff pages: a citizen comments per section, staff
moderate (only approved comments are public, always escaped), the period closes on the clock,
the staff page lists every comment by section for the review, amendments link comments, and
the published page shows the final text with the summary of what changed."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.demo import load_demo_data
from app.scheduler import fire_due_timers
from programmes.drafts import comments as drafts
import engine as runtime
from models import HumanTask, clock
from models.drafts import DraftComment, DraftRegulation
from people.accounts import find_user
from tests.conftest import PROCESSES, deploy_file

SECTIONS = "ماده ۱ — ساعات کار بازارچه‌ها از ۸ تا ۲۰ است.\n\nماده ۲ — عوارض غرفه ماهانه پرداخت می‌شود."
EVIL = "<script>alert('x')</script> ساعت ۲۲ بهتر است"


@pytest.fixture
def process(app):
    return deploy_file(app, PROCESSES / "draft_regulation.bpmn")


def publish(login, app, title="دستورالعمل بازارچه‌های محلی") -> DraftRegulation:
    staff = login("pr_expert_d1")
    page = staff.get("/drafts/new")
    assert page.status_code == 200
    district = re.search(r'<option value="(\d+)"', page.get_data(as_text=True)).group(1)
    response = staff.post("/drafts/new", data={"title": title, "intro": "", "sections": SECTIONS,
                                               "district": district})
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    with app.extensions["db_sessions"]() as s:
        draft = s.scalars(select(DraftRegulation).order_by(DraftRegulation.id.desc())).first()
        list(draft.sections)
        s.expunge_all()
    return draft


def comment(client, draft, number, text, name=""):
    section = next(s for s in draft.sections if s.number == number)
    return client.post(f"/p/drafts/{draft.id}", data={"section": section.id, "name": name, "text": text})


def rows(app, model, **where):
    with app.extensions["db_sessions"]() as s:
        found = s.scalars(select(model).filter_by(**where)).all()
        s.expunge_all()
        return found


def test_a_citizen_comments_and_only_approved_comments_are_shown_escaped(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    listing = citizen.get("/p/drafts/").get_data(as_text=True)
    assert draft.title in listing and f"/p/drafts/{draft.id}" in listing
    page = citizen.get(f"/p/drafts/{draft.id}")
    assert page.status_code == 200 and 'data-testid="comment-form-1"' in page.get_data(as_text=True)
    sent = comment(citizen, draft, 1, EVIL, name="<b>مریم</b>")
    assert sent.status_code == 303
    thanks = citizen.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="comment-sent"' in thanks
    assert "alert(" not in thanks  # pending: not public
    (pending,) = rows(app, DraftComment, draft_id=draft.id)
    assert pending.status == "pending"

    staff = login("pr_expert_d1")
    review = staff.get(f"/drafts/{draft.id}").get_data(as_text=True)
    assert f'data-testid="approve-{pending.id}"' in review and "<script>alert" not in review
    assert staff.post(f"/drafts/{draft.id}/comments/{pending.id}/moderate",
                      data={"decision": "approved"}).status_code == 303
    shown = citizen.get(f"/p/drafts/{draft.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ساعت ۲۲ بهتر است" in shown
    assert "<script>alert" not in shown and "&lt;b&gt;مریم&lt;/b&gt;" in shown


def test_a_rejected_comment_needs_a_reason_and_stays_hidden(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    comment(citizen, draft, 2, "تبلیغ فروشگاه")
    (bad,) = rows(app, DraftComment, draft_id=draft.id)
    staff = login("pr_head_d1")
    url = f"/drafts/{draft.id}/comments/{bad.id}/moderate"
    assert staff.post(url, data={"decision": "rejected"}).status_code == 400
    assert staff.post(url, data={"decision": "rejected", "reason": "نامرتبط"}).status_code == 303
    assert "تبلیغ فروشگاه" not in citizen.get(f"/p/drafts/{draft.id}").get_data(as_text=True)
    assert rows(app, DraftComment, id=bad.id)[0].reason == "نامرتبط"
    # Other districts' staff and the auditor cannot moderate.
    assert login("pr_expert_d2").post(url, data={"decision": "approved"}).status_code == 404
    assert login("auditor").post(url, data={"decision": "approved"}).status_code == 403


def test_an_empty_or_long_comment_is_refused_with_the_form_again(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    assert comment(citizen, draft, 1, "  ").status_code == 400
    refused = comment(citizen, draft, 1, "x" * (drafts.COMMENT_MAX_CHARS + 1))
    assert refused.status_code == 400 and 'data-testid="error-text"' in refused.get_data(as_text=True)
    assert rows(app, DraftComment, draft_id=draft.id) == []


def test_an_oversized_body_is_refused_unread(app, login, process):
    draft = publish(login, app)
    assert comment(app.test_client(), draft, 1, "x" * (80 * 1024)).status_code == 413
    assert rows(app, DraftComment, draft_id=draft.id) == []


def test_the_period_closes_by_itself_and_late_comments_are_refused(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    clock.set_now(draft.closes_at + timedelta(seconds=1))
    late = comment(citizen, draft, 1, "دیر است")
    assert late.status_code == 409 and 'data-testid="comment-closed"' in late.get_data(as_text=True)
    assert 'data-testid="comment-form-1"' not in citizen.get(f"/p/drafts/{draft.id}").get_data(as_text=True)
    assert fire_due_timers(app.extensions["db_sessions"]) == 1
    tasks = rows(app, HumanTask, instance_id=draft.instance_id, status="ready")
    assert [t.form_key for t in tasks] == ["draft_review"]


def test_review_lists_comments_by_section_then_publication_shows_the_summary(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    comment(citizen, draft, 1, "تا ساعت ۲۲ باز باشد.")
    comment(citizen, draft, 2, "پرداخت فصلی بهتر است.", name="رضا")
    first, second = sorted(rows(app, DraftComment, draft_id=draft.id), key=lambda c: c.id)
    staff = login("pr_expert_d1")
    for c in (first, second):
        staff.post(f"/drafts/{draft.id}/comments/{c.id}/moderate", data={"decision": "approved"})
    clock.set_now(draft.closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])

    head = login("department_head_d1")
    page = head.get(f"/drafts/{draft.id}").get_data(as_text=True)
    table = page[page.index('data-testid="review-table"'):]
    one, two = table.index('review-section-1'), table.index('review-section-2')
    assert one < table.index("تا ساعت ۲۲ باز باشد.") < two < table.index("پرداخت فصلی بهتر است.")
    assert 'data-testid="amend-form-2"' in page and 'data-testid="review-task"' in page
    # The review task's page names the draft's staff page.
    (review,) = rows(app, HumanTask, instance_id=draft.instance_id, status="ready")
    assert f"/drafts/{draft.id}" in head.get(f"/tasks/{review.id}").get_data(as_text=True)

    s2 = next(s for s in draft.sections if s.number == 2)
    amended = head.post(f"/drafts/{draft.id}/sections/{s2.id}/amend",
                        data={"text": "ماده ۲ — عوارض غرفه فصلی پرداخت می‌شود.", "note": "به پیشنهاد شهروندان",
                              "comments": [str(second.id)]})
    assert amended.status_code == 303
    with app.extensions["db_sessions"]() as s:
        runtime.complete_task(s, review.id, find_user(s, "department_head_d1"), {"review_summary": "بند ۲ اصلاح شد."})
        approval = s.scalars(select(HumanTask).where(HumanTask.instance_id == draft.instance_id,
                                                     HumanTask.status == "ready")).one()
        runtime.complete_task(s, approval.id, find_user(s, "district_mayor_d1"), {"approval_decision": "approve"})
        s.commit()
    assert staff.post(f"/drafts/{draft.id}/publish", data={"note": "ابلاغ"}).status_code == 303

    public = citizen.get(f"/p/drafts/{draft.id}").get_data(as_text=True)
    assert 'data-testid="change-summary"' in public
    assert 'data-testid="summary-section-2"' in public and 'data-testid="summary-section-1"' not in public
    assert "عوارض غرفه فصلی پرداخت می‌شود." in public and f'href="#comment-{second.id}"' in public
    counts = re.search(r'data-testid="summary-counts">([^<]+)<', public).group(1)
    assert "۲" in counts and "۱" in counts
    assert 'data-testid="comment-form-1"' not in public


def test_the_review_task_page_lists_every_comment_by_section_and_refuses_to_end_with_one_unmoderated(
        app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    comment(citizen, draft, 1, "تا ساعت ۲۲ باز باشد.")
    comment(citizen, draft, 2, "پرداخت فصلی بهتر است.")
    first, second = sorted(rows(app, DraftComment, draft_id=draft.id), key=lambda c: c.id)
    clock.set_now(draft.closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])
    (review,) = rows(app, HumanTask, instance_id=draft.instance_id, status="ready")

    head = login("department_head_d1")
    page = head.get(f"/tasks/{review.id}").get_data(as_text=True)
    table = page[page.index('data-testid="draft-panel"'):]
    one, two = table.index("review-section-1"), table.index("review-section-2")
    assert one < table.index("تا ساعت ۲۲ باز باشد.") < two < table.index("پرداخت فصلی بهتر است.")
    assert 'data-testid="amend-form-2"' in table and 'data-testid="pending-comments"' in table
    # Ending the review with a comment unmoderated is refused, and the task stays open.
    refused = head.post(f"/tasks/{review.id}", data={"review_summary": "بررسی شد"})
    assert refused.status_code == 400
    assert "منتظر" in refused.get_data(as_text=True)
    assert rows(app, HumanTask, id=review.id)[0].status == "ready"

    # Moderating and amending from the task page come back to it.
    moderator = login("pr_expert_d1")
    for c in (first, second):
        moderated = moderator.post(f"/drafts/{draft.id}/comments/{c.id}/moderate",
                              data={"decision": "approved", "back_to_task": str(review.id)})
        assert moderated.status_code == 303
        assert moderated.headers["Location"].endswith(f"/tasks/{review.id}#comment-{c.id}")
    s2 = next(s for s in draft.sections if s.number == 2)
    amended = head.post(f"/drafts/{draft.id}/sections/{s2.id}/amend",
                        data={"text": "ماده ۲ — عوارض فصلی.", "comments": [str(second.id)],
                              "back_to_task": str(review.id)})
    assert amended.headers["Location"].endswith(f"/tasks/{review.id}#section-{s2.id}")
    page = head.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert 'data-testid="pending-comments"' not in page and 'data-testid="task-amendments"' in page
    assert head.post(f"/tasks/{review.id}", data={"review_summary": "بررسی شد"}).status_code == 302
    assert rows(app, HumanTask, id=review.id)[0].status == "completed"


def test_a_draft_is_reviewed_approved_and_published_from_the_inbox_onto_the_portal(app, login, process):
    draft = publish(login, app)
    clock.set_now(draft.closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])
    for username, data in (("department_head_d1", {"review_summary": "بدون تغییر"}),
                           ("district_mayor_d1", {"approval_decision": "approve"})):
        (task,) = rows(app, HumanTask, instance_id=draft.instance_id, status="ready")
        assert login(username).post(f"/tasks/{task.id}", data=data).status_code == 302, task.form_key
    (publication,) = rows(app, HumanTask, instance_id=draft.instance_id, status="ready")
    staff = login("pr_expert_d1")
    assert 'data-testid="draft-panel"' in staff.get(f"/tasks/{publication.id}").get_data(as_text=True)
    assert staff.post(f"/tasks/{publication.id}", data={"publication_note": "ابلاغ"}).status_code == 302
    # Published by the step, before anyone opens the draft's page.
    assert rows(app, DraftRegulation, id=draft.id)[0].published_at is not None
    assert 'data-testid="change-summary"' in app.test_client().get(f"/p/drafts/{draft.id}").get_data(as_text=True)


def test_staff_pages_need_login_and_the_right_role(app, login, process):
    client = app.test_client()
    for url in ("/drafts/", "/drafts/new"):
        assert client.get(url).status_code == 302
    assert login("auditor").get("/drafts/new").status_code == 403
    assert login("auditor").get("/drafts/").status_code == 200


def test_the_auditor_changes_nothing(app, login, process):
    draft = publish(login, app)
    comment(app.test_client(), draft, 1, "نظر")
    (pending,) = rows(app, DraftComment, draft_id=draft.id)
    clock.set_now(draft.closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])
    auditor = login("auditor")
    assert auditor.get(f"/drafts/{draft.id}").status_code == 200
    s1 = draft.sections[0]
    for url, data in ((f"/drafts/{draft.id}/sections/{s1.id}/amend", {"text": "متن دیگر"}),
                      (f"/drafts/{draft.id}/publish", {}),
                      (f"/drafts/{draft.id}/comments/{pending.id}/moderate", {"decision": "approved"}),
                      ("/drafts/new", {"title": "x", "sections": "y", "district": "1"})):
        assert auditor.post(url, data=data).status_code == 403, url
    assert rows(app, DraftComment, id=pending.id)[0].status == "pending"


@pytest.fixture
def limited_app(app, database_url):
    """An app of its own with a low limit, in the test's transaction like `app`."""
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                              "PORTAL_FILE_RATE_LIMIT": "2 per minute", "DRAFT_COMMENT_DAYS": "3"})
    with application.app_context():
        session = application.extensions["db_sessions"]()
        load_demo_data(session)
        session.commit()
        session.close()
    deploy_file(application, PROCESSES / "draft_regulation.bpmn")
    yield application
    application.extensions["db_engine"].dispose()


def test_commenting_is_rate_limited_and_the_period_is_configurable(limited_app):
    from tests.conftest import Browser
    draft = publish(lambda username: Browser(limited_app, username), limited_app)
    assert draft.closes_at - draft.opens_at == timedelta(days=3)
    client = limited_app.test_client()
    answers = [comment(client, draft, 1, f"نظر {n}").status_code for n in range(3)]
    assert answers == [303, 303, 429]
