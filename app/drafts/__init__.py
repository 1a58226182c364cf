"""Draft regulations for public comment, the staff's side (programmes/drafts/comments.py).

URL table (login required; the portal's side is app/portal/drafts.py):
  GET       /drafts/                                   draft_list   (the drafts of my districts)
  GET/POST  /drafts/new                                new_draft    (publish a draft for comment)
  GET       /drafts/<id>                               draft_page   (sections, every comment by
                                                                     section, amendments, summary)
  POST      /drafts/<id>/comments/<cid>/moderate       moderate     (approve, or reject with a reason)
  POST      /drafts/<id>/sections/<sid>/amend          amend        (new text + linked comments;
                                                                     while the review task is open)
  POST      /drafts/<id>/publish                       publish      (completes the publication task)
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from programmes.drafts import comments as drafts
from programmes.drafts import review as draft_review
from models.errors import Forbidden, NotFound, WorkflowError
from models import District
from people import access

from ..db import db_session
from ..i18n import translate_error

bp = Blueprint("drafts", __name__, url_prefix="/drafts")


def _draft_or_404(draft_id):
    draft = drafts.get_draft(db_session(), draft_id)
    if not drafts.may_view(current_user, draft):
        raise NotFound("No such draft.")
    return draft


def _back(draft_id, anchor: str):
    """Back to the task page the form was posted from (a draft's review task), else the draft's."""
    task_id = request.form.get("back_to_task", "")
    if task_id.isdigit():
        return redirect(url_for("inbox.task", task_id=int(task_id), _anchor=anchor), code=303)
    return redirect(url_for(".draft_page", draft_id=draft_id, _anchor=anchor), code=303)


def _error(exc: WorkflowError):
    return render_template("error.html", message=translate_error(exc)), exc.status


@bp.route("/")
@login_required
def draft_list():
    session = db_session()
    shown = [(d, drafts.draft_state(d)) for d in drafts.staff_drafts(session, current_user)]
    return render_template("drafts/list.html", drafts=shown,
                           may_publish=drafts.may_edit(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_draft():
    if not drafts.may_edit(current_user):
        return _error(Forbidden("You may not publish drafts in this district."))
    session = db_session()
    days = int(current_app.config.get("DRAFT_COMMENT_DAYS", drafts.DEFAULT_COMMENT_DAYS))
    values, errors, message, status = {}, {}, None, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("title", "intro", "sections", "district")}
        try:
            draft = drafts.publish_draft(session, current_user, values["district"], values["title"],
                                         values["intro"], values["sections"], days=days)
        except WorkflowError as exc:
            errors, message, status = exc.details, translate_error(exc), exc.status
        else:
            flash(_("The draft is published for comment."), "success")
            return redirect(url_for(".draft_page", draft_id=draft.id), code=303)
    districts = [d for d in session.scalars(select(District).order_by(District.code))
                 if drafts.may_edit(current_user, d.id)]
    return render_template("drafts/new.html", values=values, errors=errors, message=message,
                           districts=districts, days=days), status


@bp.route("/<int:draft_id>")
@login_required
def draft_page(draft_id):
    try:
        draft = _draft_or_404(draft_id)
    except WorkflowError as exc:
        return _error(exc)
    session = db_session()
    state = drafts.draft_state(draft)
    review = draft_review.ready_task(session, draft, drafts.REVIEW_FORM)
    publication = draft_review.ready_task(session, draft, drafts.PUBLICATION_FORM)
    return render_template(
        "drafts/draft.html", draft=draft, state=state,
        sections=drafts.comments_by_section(session, draft),
        counts=drafts.comment_counts(session, draft),
        amendments=draft_review.amendments(session, draft),
        summary=draft_review.change_summary(session, draft),
        may_moderate=drafts.may_moderate(current_user, draft),
        may_amend=draft_review.may_amend(session, current_user, draft),
        review_task=review, publication_task=publication,
        may_publish=publication is not None and access.can_act_on_task(current_user, publication))


@bp.route("/<int:draft_id>/comments/<int:comment_id>/moderate", methods=["POST"])
@login_required
def moderate(draft_id, comment_id):
    try:
        draft = _draft_or_404(draft_id)
        drafts.moderate(db_session(), current_user, draft, comment_id,
                        request.form.get("decision", ""), request.form.get("reason", ""))
    except WorkflowError as exc:
        return _error(exc)
    flash(_("The comment was moderated."), "success")
    return _back(draft_id, f"comment-{comment_id}")


@bp.route("/<int:draft_id>/sections/<int:section_id>/amend", methods=["POST"])
@login_required
def amend(draft_id, section_id):
    try:
        draft = _draft_or_404(draft_id)
        draft_review.amend_section(db_session(), current_user, draft, section_id,
                             request.form.get("text", ""), request.form.getlist("comments"),
                             request.form.get("note", ""))
    except WorkflowError as exc:
        return _error(exc)
    flash(_("The section was amended."), "success")
    return _back(draft_id, f"section-{section_id}")


@bp.route("/<int:draft_id>/publish", methods=["POST"])
@login_required
def publish(draft_id):
    try:
        draft = _draft_or_404(draft_id)
        draft_review.publish_final(db_session(), current_user, draft, request.form.get("note", ""))
    except WorkflowError as exc:
        return _error(exc)
    flash(_("The final text is published."), "success")
    return redirect(url_for(".draft_page", draft_id=draft_id), code=303)
