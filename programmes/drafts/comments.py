"""Public comment on draft regulations (MISSION.md, source 002, Isfahan governorate):

«پیش نویس کلیه مقررات و لوایح ... را به مدت یک هفته از طریق درگاه الکترونیک سازمان در معرض
اظهارنظر ذینفعان ... قرار داده و پس از دریافت نظرات و انتقادات نسبت به بررسی، اصلاح و سپس
تصویب و ابلاغ اقدام نماید.»

Staff publish a draft in numbered sections (publish_draft): a row of draft_regulations and an
instance of processes/draft_regulation.bpmn, whose timer waits for the deadline in the data
(`comments_close_at`) and then opens the review task; the scheduler fires it. The portal takes
comments only while `now < closes_at` (add_comment), so the deadline holds even before the
timer fires. Comments are pending until staff approve or reject them with a reason
(moderate); only approved ones are public. During review, amendments change a section's text
and name the comments behind them (amend_section); the publication task completes the
instance and the portal shows the final text with change_summary, computed from those rows.
The review, amendments and publication are in programmes/drafts/review.py.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import User, utcnow
from models.drafts import DraftComment, DraftRegulation, DraftSection
from people import access
from people.permissions import may

from models.errors import Conflict, Forbidden, InvalidData, NotFound

PROCESS_KEY = "draft_regulation"
DEFAULT_COMMENT_DAYS = 7
COMMENT_MAX_CHARS = 2000
NAME_MAX_CHARS = 120
TITLE_MAX_CHARS = 300
SECTION_MAX_CHARS = 10000
MAX_SECTIONS = 200
# The forms of the diagram's tasks: review (amendments are made then), the final publication.
REVIEW_FORM, APPROVAL_FORM, PUBLICATION_FORM = "draft_review", "draft_approval", "draft_publication"


def may_edit(user: User, district_id: int | None = None) -> bool:
    """May publish drafts (in that district; None: in some district)."""
    return may(user, "edit_drafts", district_id)


def may_moderate(user: User, draft: DraftRegulation) -> bool:
    """May approve or reject the comments of the draft (in its district or city-wide)."""
    return may(user, "moderate_comments", draft.district_id)


def parse_sections(text: str) -> list[str]:
    """Sections from one text: paragraphs separated by an empty line, in order."""
    paragraphs, current = [], []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current).strip())
            current = []
    if current:
        paragraphs.append("\n".join(current).strip())
    return paragraphs


# ------------------------------------------------------------------ publishing for comment

def publish_draft(session, user: User, district_id, title: str, intro: str, sections_text: str,
                  days: int = DEFAULT_COMMENT_DAYS) -> DraftRegulation:
    """Publish a draft for comment for `days` days and start its process instance."""
    from engine import start_instance  # runtime imports much; only when publishing

    title, intro = (title or "").strip(), (intro or "").strip()
    sections = parse_sections(sections_text)
    errors = {}
    if not title:
        errors["title"] = "Required."
    elif len(title) > TITLE_MAX_CHARS:
        errors["title"] = "Too long."
    if not sections:
        errors["sections"] = "Required."
    elif len(sections) > MAX_SECTIONS or any(len(s) > SECTION_MAX_CHARS for s in sections):
        errors["sections"] = "Too long."
    if len(intro) > SECTION_MAX_CHARS:
        errors["intro"] = "Too long."
    if errors:
        raise InvalidData("The draft is incomplete or too long.", errors)
    try:
        district_id = int(district_id)
    except (TypeError, ValueError):
        raise InvalidData("Unknown district.", {"district": "Unknown district."}) from None
    if not may_edit(user, district_id):
        raise Forbidden("You may not publish drafts in this district.")
    now = utcnow()
    closes_at = now + timedelta(days=int(days))
    draft = DraftRegulation(title=title, intro=intro, district_id=district_id, opens_at=now,
                            closes_at=closes_at, created_by_id=user.id, created_at=now)
    draft.sections = [DraftSection(number=n, original_text=text, text=text)
                      for n, text in enumerate(sections, start=1)]
    session.add(draft)
    session.flush()
    instance = start_instance(session, PROCESS_KEY, user, district_id, title=title, data={
        "draft_id": draft.id, "draft_title": title, "draft_page": f"/drafts/{draft.id}",
        "comments_close_at": closes_at.isoformat() + "+00:00", "comment_days": int(days)})
    draft.instance_id = instance.id
    session.flush()
    return draft


def get_draft(session, draft_id) -> DraftRegulation:
    draft = session.get(DraftRegulation, draft_id) if str(draft_id).isdigit() else None
    if draft is None:
        raise NotFound("No such draft.")
    return draft


def is_open(draft: DraftRegulation, now=None) -> bool:
    """Open for comment: before the deadline (whether or not the timer has fired yet)."""
    return draft.published_at is None and (now or utcnow()) < draft.closes_at


def draft_state(draft: DraftRegulation, now=None) -> str:
    """open | review (closed, being reviewed, amended, approved) | published."""
    if draft.published_at is not None:
        return "published"
    return "open" if is_open(draft, now) else "review"


def public_drafts(session) -> list[DraftRegulation]:
    """Every draft the portal lists, newest first."""
    return list(session.scalars(select(DraftRegulation).order_by(DraftRegulation.id.desc())))


def staff_drafts(session, user: User) -> list[DraftRegulation]:
    query = select(DraftRegulation).order_by(DraftRegulation.id.desc())
    districts = access.district_ids_of(user)
    if districts is not None:
        query = query.where(DraftRegulation.district_id.in_(districts))
    return list(session.scalars(query))


def may_view(user: User, draft: DraftRegulation) -> bool:
    districts = access.district_ids_of(user)
    return districts is None or draft.district_id in districts


# ------------------------------------------------------------------ comments

def add_comment(session, draft: DraftRegulation, section_id, name: str, text: str,
                phone=None) -> DraftComment:
    """A citizen's comment on a section, pending moderation; refused after the deadline.
    phone: a mobile to be told when the final text is published (optional, never shown)."""
    from programmes.citizens.requests import normalise_phone
    if not is_open(draft):
        raise Conflict("The comment period of this draft has ended.")
    section = next((s for s in draft.sections if str(s.id) == str(section_id)), None)
    name, text = (name or "").strip(), (text or "").strip()
    errors = {}
    if section is None:
        errors["section"] = "Choose a section."
    if not text:
        errors["text"] = "Required."
    elif len(text) > COMMENT_MAX_CHARS:
        errors["text"] = "Too long."
    if len(name) > NAME_MAX_CHARS:
        errors["name"] = "Too long."
    try:
        phone = normalise_phone(phone)
    except ValueError:
        errors["phone"] = "A mobile number of 11 digits starting with 09."
    if errors:
        raise InvalidData("The comment could not be accepted.", errors)
    comment = DraftComment(draft_id=draft.id, section_id=section.id, author_name=name, text=text,
                           contact_phone=phone, status="pending", reason="", created_at=utcnow())
    session.add(comment)
    session.flush()
    return comment


def moderate(session, user: User, draft: DraftRegulation, comment_id, decision: str,
             reason: str = "") -> DraftComment:
    """Approve (public) or reject (with a reason, never public) a comment of the draft."""
    if not may_moderate(user, draft):
        raise Forbidden("You may not moderate the comments of this draft.")
    comment = session.get(DraftComment, comment_id) if str(comment_id).isdigit() else None
    if comment is None or comment.draft_id != draft.id:
        raise NotFound("No such comment.")
    reason = (reason or "").strip()
    if decision not in ("approved", "rejected"):
        raise InvalidData("Choose approve or reject.", {"decision": "Required."})
    if decision == "rejected" and not reason:
        raise InvalidData("A rejected comment needs a reason.", {"reason": "Required."})
    if len(reason) > COMMENT_MAX_CHARS:
        raise InvalidData("The reason is too long.", {"reason": "Too long."})
    comment.status, comment.reason = decision, reason if decision == "rejected" else ""
    comment.moderated_by_id, comment.moderated_at = user.id, utcnow()
    session.flush()
    return comment


def comments_by_section(session, draft: DraftRegulation, statuses=None) -> list[dict]:
    """[{section, comments}] in section order; statuses limits them (None: every comment)."""
    query = select(DraftComment).where(DraftComment.draft_id == draft.id).order_by(DraftComment.id)
    if statuses is not None:
        query = query.where(DraftComment.status.in_(tuple(statuses)))
    grouped = {section.id: [] for section in draft.sections}
    for comment in session.scalars(query):
        grouped.setdefault(comment.section_id, []).append(comment)
    return [{"section": s, "comments": grouped[s.id]} for s in draft.sections]


def comment_counts(session, draft: DraftRegulation) -> dict[str, int]:
    rows = session.execute(select(DraftComment.status, func.count()).where(
        DraftComment.draft_id == draft.id).group_by(DraftComment.status)).all()
    counts = {state: 0 for state in ("pending", "approved", "rejected")}
    counts.update({state: n for state, n in rows})
    counts["total"] = sum(n for _, n in rows)
    return counts
