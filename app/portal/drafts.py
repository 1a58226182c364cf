"""Draft regulations open for public comment, on the citizens' portal (programmes/drafts/comments.py).

URL table (no login; on the portal blueprint, so its rate limit, body cap and CSRF apply):
  GET       /p/drafts/            draft_list     (drafts open for comment, under review, published)
  GET/POST  /p/drafts/<id>        draft_page     (sections, approved comments; POST: a comment
                                                  on one section, rate-limited like filing)
"""
from flask import redirect, render_template, request, url_for

from programmes.drafts import comments as drafts
from programmes.drafts import review as draft_review
from models.errors import Conflict, InvalidData, NotFound

from ..db import db_session
from ..extensions import config_limit, limiter
from . import bp


@bp.route("/drafts/")
def draft_list():
    session = db_session()
    shown = [(d, drafts.draft_state(d)) for d in drafts.public_drafts(session)]
    return render_template("portal/drafts.html", drafts=shown)


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@limiter.limit(config_limit("PORTAL_FILE_RATE_LIMIT"), methods=["POST"])
def draft_page(draft_id):
    session = db_session()
    try:
        draft = drafts.get_draft(session, draft_id)
    except NotFound:
        return render_template("portal/draft_missing.html"), 404
    values, errors, status, closed = {}, {}, 200, False
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("section", "name", "text", "phone")}
        try:
            drafts.add_comment(session, draft, values["section"], values["name"], values["text"],
                               values["phone"])
        except InvalidData as exc:
            errors, status = exc.details, 400
        except Conflict:
            closed, status = True, 409
        else:
            return redirect(url_for(".draft_page", draft_id=draft.id, sent=1,
                                    _anchor="section-" + values["section"]), code=303)
    state = drafts.draft_state(draft)
    summary = draft_review.change_summary(session, draft) if state == "published" else None
    return render_template(
        "portal/draft.html", draft=draft, state=state, summary=summary, closed=closed,
        sections=drafts.comments_by_section(session, draft, statuses=("approved",)),
        values=values, errors=errors, sent=request.args.get("sent") == "1",
        max_chars=drafts.COMMENT_MAX_CHARS), status
