"""The review of a draft regulation after its comment period (programmes/drafts/comments.py):
amendments that name the comments behind them, approval, publication with a summary of what
changed. The review and publication tasks keep what they were shown (engine hooks shown_data, registered in programmes/drafts/__init__.py);
the draft is marked published in the step that ends its instance (ON_INSTANCE_COMPLETED).
"""
from __future__ import annotations

from sqlalchemy import select

from models import HumanTask, User, utcnow
from models.drafts import DraftAmendment, DraftComment, DraftRegulation
from people import access

from programmes.drafts.comments import (COMMENT_MAX_CHARS, PROCESS_KEY, PUBLICATION_FORM, REVIEW_FORM,
                             SECTION_MAX_CHARS, comment_counts, comments_by_section)
from models.errors import Conflict, Forbidden, InvalidData, NotFound


def ready_task(session, draft: DraftRegulation, form_key: str) -> HumanTask | None:
    if draft.instance_id is None:
        return None
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == draft.instance_id, HumanTask.form_key == form_key,
        HumanTask.status == "ready")).first()


def may_amend(session, user: User, draft: DraftRegulation) -> bool:
    """The holder of the open review task's role (amendments are part of the review)."""
    task = ready_task(session, draft, REVIEW_FORM)
    return task is not None and access.can_act_on_task(user, task)


def amend_section(session, user: User, draft: DraftRegulation, section_id, new_text: str,
                  comment_ids=(), note: str = "") -> DraftAmendment:
    """Change a section's text during the review, naming the comments that led to it."""
    if access.is_read_only(user):
        raise Forbidden("The review of this draft belongs to another role or district.")
    if ready_task(session, draft, REVIEW_FORM) is None:
        raise Conflict("Sections can be amended only while the comments are being reviewed.")
    if not may_amend(session, user, draft):
        raise Forbidden("The review of this draft belongs to another role or district.")
    section = next((s for s in draft.sections if str(s.id) == str(section_id)), None)
    if section is None:
        raise NotFound("No such section.")
    new_text, note = (new_text or "").strip(), (note or "").strip()
    if not new_text:
        raise InvalidData("The new text is empty.", {"text": "Required."})
    if len(new_text) > SECTION_MAX_CHARS or len(note) > COMMENT_MAX_CHARS:
        raise InvalidData("The new text is too long.", {"text": "Too long."})
    if new_text == section.text:
        raise InvalidData("The new text is the same as the current one.", {"text": "Unchanged."})
    wanted = {int(c) for c in comment_ids if str(c).isdigit()}
    known = set(session.scalars(select(DraftComment.id).where(
        DraftComment.draft_id == draft.id, DraftComment.section_id == section.id,
        DraftComment.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise InvalidData("A linked comment is not a comment on this section.",
                          {"comments": "Unknown comment."})
    amendment = DraftAmendment(draft_id=draft.id, section_id=section.id, old_text=section.text,
                               new_text=new_text, note=note, comment_ids=sorted(known),
                               created_by_id=user.id, created_at=utcnow())
    section.text = new_text
    session.add(amendment)
    session.flush()
    return amendment


def amendments(session, draft: DraftRegulation) -> list[DraftAmendment]:
    return list(session.scalars(select(DraftAmendment).where(DraftAmendment.draft_id == draft.id)
                                .order_by(DraftAmendment.id)))


def change_summary(session, draft: DraftRegulation) -> dict:
    """What changed because of the comments: each changed section (text before and after,
    the notes and the comments linked to its amendments), and the counts."""
    changes = amendments(session, draft)
    linked_ids = {cid for a in changes for cid in a.comment_ids or []}
    linked = {c.id: c for c in session.scalars(select(DraftComment).where(
        DraftComment.id.in_(linked_ids)))} if linked_ids else {}
    sections = []
    for section in draft.sections:
        own = [a for a in changes if a.section_id == section.id]
        if not own or section.text == section.original_text:
            continue
        ids = sorted({cid for a in own for cid in a.comment_ids or []})
        sections.append({"number": section.number, "before": section.original_text,
                         "after": section.text, "notes": [a.note for a in own if a.note],
                         # Only approved comments are public; a rejected one is counted only.
                         "comments": [linked[i] for i in ids if linked[i].status == "approved"],
                         "comment_count": len(ids)})
    counts = comment_counts(session, draft)
    changed_ids = {s.id for s in draft.sections if s.number in {x["number"] for x in sections}}
    because = {cid for a in changes if a.section_id in changed_ids for cid in a.comment_ids or []}
    return {"sections": sections,
            "counts": {"comments": counts["total"], "approved": counts["approved"],
                       "rejected": counts["rejected"], "sections": len(draft.sections),
                       "sections_changed": len(sections),
                       "sections_changed_by_comments": sum(1 for s in sections if s["comment_count"]),
                       "comments_leading_to_changes": len(because)}}


def publish_final(session, user: User, draft: DraftRegulation, note: str = "") -> DraftRegulation:
    """Complete the publication task: the final text and the summary go public."""
    from engine import complete_task

    if access.is_read_only(user):
        raise Forbidden("This task belongs to another role or district.")
    task = ready_task(session, draft, PUBLICATION_FORM)
    if task is None:
        raise Conflict("The draft is not ready for publication.")
    complete_task(session, task.id, user, {"publication_note": (note or "").strip()[:2000]})
    return draft


# ------------------------------------------------------------------ what the engine asks of drafts

def draft_of_instance(session, instance_id) -> DraftRegulation | None:
    """The draft an instance of the draft regulation process is about."""
    return session.scalars(select(DraftRegulation).where(
        DraftRegulation.instance_id == instance_id)).first()


def check_review(session, task: HumanTask) -> None:
    """The review ends only when every comment has been approved or rejected."""
    draft = draft_of_instance(session, task.instance_id)
    pending = comment_counts(session, draft)["pending"] if draft is not None else 0
    if pending:
        raise InvalidData("{n} comments still await moderation: approve or reject them before "
                          "ending the review.", {"comments": "Awaiting moderation."}, n=pending)


def review_data(session, task: HumanTask) -> dict:
    """What the review saw, by section: kept with its completion."""
    draft = draft_of_instance(session, task.instance_id)
    if draft is None:
        return {}
    return {"comments_reviewed": [
        {"section": item["section"].number,
         "approved": [c.id for c in item["comments"] if c.status == "approved"],
         "rejected": [c.id for c in item["comments"] if c.status == "rejected"]}
        for item in comments_by_section(session, draft)],
        "amendments_made": len(amendments(session, draft))}


def publication_data(session, task: HumanTask) -> dict:
    """The summary of changes as published, kept with the publication task's completion."""
    draft = draft_of_instance(session, task.instance_id)
    return {"change_summary": change_summary(session, draft)["counts"]} if draft else {}


def mark_published(session, instance) -> None:
    """The instance ended (its publication task done, from whichever page): the draft is public."""
    draft = draft_of_instance(session, instance.id)
    if draft is not None and draft.published_at is None:
        draft.published_at = instance.completed_at or utcnow()
