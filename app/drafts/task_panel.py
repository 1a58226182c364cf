"""What a draft regulation's review, approval and publication tasks show beside their form:
every comment by section (with moderation and amendment while the review is open), the
amendments so far and the summary of what changed."""
from programmes.drafts import comments as drafts
from programmes.drafts import review as draft_review

PANEL_FORMS = (drafts.REVIEW_FORM, drafts.APPROVAL_FORM, drafts.PUBLICATION_FORM)


def task_extras(session, task, user) -> dict:
    """Template context of a draft task's page (empty for other tasks)."""
    if task.form_key not in PANEL_FORMS:
        return {}
    draft = draft_review.draft_of_instance(session, task.instance_id)
    if draft is None:
        return {}
    is_open_review = task.status == "ready" and task.form_key == drafts.REVIEW_FORM
    return {"draft_panel": {
        "draft": draft, "task_id": task.id, "open_review": is_open_review,
        "sections": drafts.comments_by_section(session, draft),
        "counts": drafts.comment_counts(session, draft),
        "amendments": draft_review.amendments(session, draft),
        "summary": draft_review.change_summary(session, draft),
        "may_moderate": is_open_review and drafts.may_moderate(user, draft),
        "may_amend": is_open_review and draft_review.may_amend(session, user, draft)}}
