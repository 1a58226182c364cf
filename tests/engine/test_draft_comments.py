"""Public comment on draft regulations (programmes/drafts/comments.py, processes/draft_regulation.bpmn):
the period closes by itself on the settable clock, comments are moderated, the review lists
them by section, amendments name their comments, and the publication's summary counts them."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.scheduler import fire_due_timers
from programmes.drafts import comments as drafts
from programmes.drafts import review as draft_review
import engine as runtime
from models.errors import Conflict, Forbidden, InvalidData
from models import District, HumanTask, Instance, clock, utcnow
from people.accounts import find_user
from tests.conftest import PROCESSES, deploy_file

SECTIONS = "ماده ۱ — ساعات کار بازارچه‌ها از ۸ تا ۲۰ است.\n\nماده ۲ — عوارض غرفه ماهانه پرداخت می‌شود.\n\nماده ۳ — این دستورالعمل از تاریخ ابلاغ اجرا می‌شود."


@pytest.fixture
def published(app, db):
    deploy_file(app, PROCESSES / "draft_regulation.bpmn")
    district = db.scalars(select(District).where(District.code == "d1")).one()
    draft = drafts.publish_draft(db, find_user(db, "pr_expert_d1"), district.id,
                                 "دستورالعمل بازارچه‌های محلی", "پیش‌نویس برای اظهارنظر", SECTIONS, days=7)
    db.commit()
    return draft


def ready(db, draft, form_key):
    db.expire_all()
    return db.scalars(select(HumanTask).where(HumanTask.instance_id == draft.instance_id,
                                              HumanTask.form_key == form_key,
                                              HumanTask.status == "ready")).first()


def test_a_draft_is_published_in_numbered_sections_open_for_seven_days(db, published):
    assert [s.number for s in published.sections] == [1, 2, 3]
    assert published.sections[1].text.startswith("ماده ۲")
    assert published.closes_at - published.opens_at == timedelta(days=7)
    assert drafts.draft_state(published) == "open"
    instance = db.get(Instance, published.instance_id)
    assert instance.status == "running" and instance.waiting_timer_count == 1
    assert instance.data["draft_page"] == f"/drafts/{published.id}"


def test_the_period_closes_by_itself_and_a_late_comment_is_refused(app, db, published):
    first = published.sections[0]
    drafts.add_comment(db, published, first.id, "", "ساعت پایان را ۲۲ کنید.")
    db.commit()
    clock.set_now(published.closes_at + timedelta(minutes=1))
    # Past the deadline the portal refuses, even before the scheduler fired the timer.
    with pytest.raises(Conflict):
        drafts.add_comment(db, published, first.id, "علی", "دیر رسید")
    assert drafts.draft_state(published) == "review"
    assert ready(db, published, drafts.REVIEW_FORM) is None
    db.commit()  # the scheduler writes in its own session
    assert fire_due_timers(app.extensions["db_sessions"]) == 1
    review = ready(db, published, drafts.REVIEW_FORM)
    assert review is not None and review.role == "department_head"
    assert ready(db, published, drafts.REVIEW_FORM).task_spec == "Task_review_comments"


def test_before_the_deadline_nothing_fires(app, db, published):
    clock.set_now(published.closes_at - timedelta(minutes=1))
    db.commit()
    assert fire_due_timers(app.extensions["db_sessions"]) == 0
    assert drafts.is_open(published)


def test_comments_are_validated_and_capped(db, published):
    section = published.sections[0]
    with pytest.raises(InvalidData) as empty:
        drafts.add_comment(db, published, section.id, "", "   ")
    assert empty.value.details == {"text": "Required."}
    with pytest.raises(InvalidData) as long:
        drafts.add_comment(db, published, section.id, "x" * 200, "y" * (drafts.COMMENT_MAX_CHARS + 1))
    assert set(long.value.details) == {"text", "name"}
    with pytest.raises(InvalidData):
        drafts.add_comment(db, published, 999999, "", "بند ندارد")


def test_moderation_approves_or_rejects_with_a_reason(db, published):
    section = published.sections[1]
    good = drafts.add_comment(db, published, section.id, "مریم", "ماهانه سنگین است؛ فصلی شود.")
    bad = drafts.add_comment(db, published, section.id, "", "تبلیغ")
    with pytest.raises(Forbidden):
        drafts.moderate(db, find_user(db, "auditor"), published, good.id, "approved")
    with pytest.raises(Forbidden):
        drafts.moderate(db, find_user(db, "pr_expert_d2"), published, good.id, "approved")
    with pytest.raises(InvalidData):
        drafts.moderate(db, find_user(db, "pr_expert_d1"), published, bad.id, "rejected", "")
    drafts.moderate(db, find_user(db, "pr_expert_d1"), published, good.id, "approved")
    drafts.moderate(db, find_user(db, "pr_head_d1"), published, bad.id, "rejected", "نامرتبط")
    public = drafts.comments_by_section(db, published, statuses=("approved",))
    assert [[c.id for c in item["comments"]] for item in public] == [[], [good.id], []]
    assert drafts.comment_counts(db, published) == {"pending": 0, "approved": 1, "rejected": 1, "total": 2}


def _close_and_review(app, db, draft):
    clock.set_now(draft.closes_at + timedelta(hours=1))
    db.commit()
    fire_due_timers(app.extensions["db_sessions"])
    db.expire_all()


def test_review_amendments_approval_and_publication_summary(app, db, published):
    s1, s2, s3 = published.sections
    c1 = drafts.add_comment(db, published, s1.id, "", "تا ساعت ۲۲ باز باشد.")
    c2 = drafts.add_comment(db, published, s2.id, "رضا", "پرداخت فصلی بهتر است.")
    c3 = drafts.add_comment(db, published, s2.id, "", "موافقم")
    for c in (c1, c2, c3):
        drafts.moderate(db, find_user(db, "pr_expert_d1"), published, c.id, "approved")
    db.commit()
    head = find_user(db, "department_head_d1")
    with pytest.raises(Conflict):  # no amendment while the period is open
        draft_review.amend_section(db, head, published, s2.id, "عوارض فصلی", [c2.id])
    _close_and_review(app, db, published)

    by_section = drafts.comments_by_section(db, published)
    assert [(item["section"].number, [c.id for c in item["comments"]]) for item in by_section] == \
        [(1, [c1.id]), (2, [c2.id, c3.id]), (3, [])]
    with pytest.raises(InvalidData):  # a comment of another section
        draft_review.amend_section(db, head, published, s2.id, "عوارض غرفه فصلی پرداخت می‌شود.", [c1.id])
    with pytest.raises(Forbidden):
        draft_review.amend_section(db, find_user(db, "pr_expert_d1"), published, s2.id, "x", [])
    draft_review.amend_section(db, head, published, s2.id, "ماده ۲ — عوارض غرفه فصلی پرداخت می‌شود.",
                         [c2.id, c3.id], "به پیشنهاد شهروندان")
    draft_review.amend_section(db, head, published, s3.id, "ماده ۳ — این دستورالعمل یک ماه پس از ابلاغ اجرا می‌شود.")
    review = ready(db, published, drafts.REVIEW_FORM)
    runtime.complete_task(db, review.id, head, {"review_summary": "دو بند اصلاح شد."})
    approval = ready(db, published, drafts.APPROVAL_FORM)
    runtime.complete_task(db, approval.id, find_user(db, "district_mayor_d1"),
                          {"approval_decision": "approve"})
    db.commit()
    assert drafts.draft_state(published) == "review"
    draft_review.publish_final(db, find_user(db, "pr_expert_d1"), published, "ابلاغ شد")
    db.commit()
    assert drafts.draft_state(published) == "published"
    assert db.get(Instance, published.instance_id).status == "completed"

    summary = draft_review.change_summary(db, published)
    assert summary["counts"] == {"comments": 3, "approved": 3, "rejected": 0, "sections": 3,
                                 "sections_changed": 2, "sections_changed_by_comments": 1,
                                 "comments_leading_to_changes": 2}
    changed = {s["number"]: s for s in summary["sections"]}
    assert set(changed) == {2, 3}
    assert [c.id for c in changed[2]["comments"]] == [c2.id, c3.id]
    assert changed[2]["before"].startswith("ماده ۲ — عوارض غرفه ماهانه")
    assert changed[2]["after"].endswith("فصلی پرداخت می‌شود.")
    assert changed[3]["comments"] == [] and changed[2]["notes"] == ["به پیشنهاد شهروندان"]


def test_a_returned_approval_goes_back_to_the_review(app, db, published):
    _close_and_review(app, db, published)
    head = find_user(db, "department_head_d1")
    runtime.complete_task(db, ready(db, published, drafts.REVIEW_FORM).id, head, {"review_summary": "بدون تغییر"})
    runtime.complete_task(db, ready(db, published, drafts.APPROVAL_FORM).id,
                          find_user(db, "district_mayor_d1"),
                          {"approval_decision": "return", "approval_reason": "بند ۲ روشن نیست"})
    db.commit()
    assert ready(db, published, drafts.REVIEW_FORM) is not None
    assert draft_review.may_amend(db, head, published)


def test_the_step_completing_the_publication_task_marks_the_draft_published(app, db, published):
    _close_and_review(app, db, published)
    runtime.complete_task(db, ready(db, published, drafts.REVIEW_FORM).id,
                          find_user(db, "department_head_d1"), {"review_summary": "بدون تغییر"})
    runtime.complete_task(db, ready(db, published, drafts.APPROVAL_FORM).id,
                          find_user(db, "district_mayor_d1"), {"approval_decision": "approve"})
    runtime.complete_task(db, ready(db, published, drafts.PUBLICATION_FORM).id,
                          find_user(db, "pr_expert_d1"), {})
    db.commit()
    # Written by the step itself: a fresh session sees it without any page having been read.
    with app.extensions["db_sessions"]() as fresh:
        stored = fresh.get(type(published), published.id)
        assert stored.published_at is not None and utcnow() >= stored.published_at
        assert stored.published_at == fresh.get(Instance, published.instance_id).completed_at
    assert drafts.draft_state(published) == "published"


def test_the_review_cannot_end_while_a_comment_awaits_moderation(app, db, published):
    s1 = published.sections[0]
    waiting = drafts.add_comment(db, published, s1.id, "", "ساعت ۲۲ بهتر است")
    db.commit()
    _close_and_review(app, db, published)
    review = ready(db, published, drafts.REVIEW_FORM)
    head = find_user(db, "department_head_d1")
    with pytest.raises(InvalidData) as refused:
        runtime.complete_task(db, review.id, head, {"review_summary": "بدون تغییر"})
    assert refused.value.details == {"comments": "Awaiting moderation."}
    db.rollback()
    assert ready(db, published, drafts.REVIEW_FORM).id == review.id

    drafts.moderate(db, find_user(db, "pr_expert_d1"), published, waiting.id, "approved")
    runtime.complete_task(db, review.id, head, {"review_summary": "بدون تغییر"})
    db.commit()
    # What the reviewer was shown is kept with the completion, whatever the browser sent.
    kept = db.get(Instance, published.instance_id).data["comments_reviewed"]
    assert kept[0] == {"section": 1, "approved": [waiting.id], "rejected": []}
    assert [row["section"] for row in kept] == [1, 2, 3]
