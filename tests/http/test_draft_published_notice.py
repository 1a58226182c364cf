"""A citizen who comments on a draft regulation may leave a mobile: once the final text is
published, each approved commenter who did is told by SMS, once, signed by public relations."""
from datetime import timedelta

from sqlalchemy import select

from app.scheduler import fire_due_timers
import engine as runtime
from models import HumanTask, OutboxMessage, clock
from models.drafts import DraftComment
from people.accounts import find_user
from test_draft_comment_pages import process, publish, rows  # noqa: F401  (fixture)


def _comment(client, draft, number, text, phone=""):
    section = next(s for s in draft.sections if s.number == number)
    return client.post(f"/p/drafts/{draft.id}", data={"section": section.id, "name": "", "text": text,
                                                      "phone": phone})


def test_approved_commenters_who_left_a_mobile_are_told_once_the_final_text_is_published(app, login, process):
    draft = publish(login, app)
    citizen = app.test_client()
    bad = _comment(citizen, draft, 1, "نظر", phone="12345")
    assert bad.status_code == 400 and "۰۹" in bad.get_data(as_text=True)  # a Persian message at the field
    assert _comment(citizen, draft, 1, "تا ساعت ۲۲ باز باشد.", phone="۰۹۱۲۷۷۷۸۸۸۸").status_code == 303
    assert _comment(citizen, draft, 2, "تبلیغ", phone="09120000001").status_code == 303
    assert _comment(citizen, draft, 2, "فصلی بهتر است.").status_code == 303
    kept, spam, anonymous = sorted(rows(app, DraftComment, draft_id=draft.id), key=lambda c: c.id)
    assert kept.contact_phone == "09127778888"
    staff = login("pr_expert_d1")
    for c, decision in ((kept, "approved"), (spam, "rejected"), (anonymous, "approved")):
        staff.post(f"/drafts/{draft.id}/comments/{c.id}/moderate", data={"decision": decision, "reason": "تبلیغ"})
    assert "09127778888" not in citizen.get(f"/p/drafts/{draft.id}").get_data(as_text=True)  # never shown
    clock.set_now(draft.closes_at + timedelta(hours=1))
    fire_due_timers(app.extensions["db_sessions"])
    with app.extensions["db_sessions"]() as s:
        review = s.scalars(select(HumanTask).where(HumanTask.instance_id == draft.instance_id,
                                                   HumanTask.status == "ready")).one()
        runtime.complete_task(s, review.id, find_user(s, "department_head_d1"), {"review_summary": "بدون تغییر"})
        approval = s.scalars(select(HumanTask).where(HumanTask.instance_id == draft.instance_id,
                                                     HumanTask.status == "ready")).one()
        runtime.complete_task(s, approval.id, find_user(s, "district_mayor_d1"), {"approval_decision": "approve"})
        s.commit()
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.template == "draft_published")).all() == []
    assert staff.post(f"/drafts/{draft.id}/publish", data={"note": "ابلاغ"}).status_code == 303

    with app.extensions["db_sessions"]() as s:
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.template == "draft_published")).all()
        assert [(m.recipient, m.channel, m.instance_id) for m in sent] == [
            ("09127778888", "sms", draft.instance_id)]
        assert draft.title in sent[0].body and f"/p/drafts/{draft.id}" in sent[0].body
        assert sent[0].body.endswith("روابط عمومی شهرداری")
    staff_view = staff.get(f"/instances/{draft.instance_id}").get_data(as_text=True)
    assert 'data-template="draft_published"' in staff_view
