"""Mardom Salam, the mayor's mosque meetings (programmes/mardom_salam/schedule.py).

URL table:
  GET   /mardom-salam/meetings                     meetings       (every meeting the user may see)
  GET   /mardom-salam/meetings/<id>                meeting        (its requests: code, owner,
                                                                   deadline, state open/closed)
  POST  /mardom-salam/meetings/<id>/requests       add_request    (a request written at the meeting)
  POST  /mardom-salam/meetings/<id>/desk           register_desk  (next day: desk codes by SMS)
  POST  /mardom-salam/meetings/<id>/classify       classify       (the working group's table)
  POST  /mardom-salam/requests/<id>/answer         answer_desk    (a desk item's answer)
  POST  /mardom-salam/meetings/<id>/close          close          (refused while a request has no answer)

Staff of the meeting's district and city-wide roles see a meeting; each action re-checks its
roles in the engine.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from programmes.mardom_salam import requests as msr
from programmes.citizens.requests import SERVICES_BY_CODE
from engine import open_tasks
from models.errors import InvalidData, WorkflowError
from models import utcnow
from models.mardom_salam import MardomSalamMeeting, MardomSalamRequest
from people import access

from ..db import db_session
from ..i18n import N_, translate_error

bp = Blueprint("mardom_salam", __name__, url_prefix="/mardom-salam")

STATE_LABELS = {"open": N_("Open"), "overdue": N_("Overdue"), "closed": N_("Closed"),
                "no_code": N_("Not registered yet")}


def _may_see(meeting: MardomSalamMeeting) -> bool:
    districts = access.district_ids_of(current_user)
    return bool(current_user.grants) and (districts is None or meeting.district_id in districts)


def _meeting_or_404(session, meeting_id: int) -> MardomSalamMeeting:
    meeting = session.get(MardomSalamMeeting, meeting_id)
    if meeting is None:
        abort(404)
    if not _may_see(meeting):
        abort(403)
    return meeting


@bp.route("/meetings")
@login_required
def meetings():
    session = db_session()
    rows = [m for m in session.scalars(select(MardomSalamMeeting).order_by(
        MardomSalamMeeting.meeting_date.desc())) if _may_see(m)]
    return render_template("mardom_salam/meetings.html", meetings=rows, ms=msr)


@bp.route("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id):
    session = db_session()
    return _meeting_page(session, _meeting_or_404(session, meeting_id))


def _meeting_page(session, found, posted=None, errors=None, status=200):
    """The meeting page; posted and errors: the classification table sent back with its faults."""
    return render_template("mardom_salam/meeting.html", meeting=found, ms=msr,
                           state_labels=STATE_LABELS, data=(found.instance.data if found.instance else {}) or {},
                           categories=[SERVICES_BY_CODE[c] for c in msr.CATEGORIES],
                           posted=posted or {}, errors=errors or {},
                           open_tasks=open_tasks(session, found.instance) if found.instance else [],
                           now_utc=utcnow(),
                           waiting_to_close=msr.waiting_to_close(found),
                           classify_open=msr.ready_task(session, found, "Task_classify_requests") is not None,
                           desk_open=msr.ready_task(session, found, "Task_desk_registration") is not None), status


def _act(meeting_id, action, success):
    session = db_session()
    found = _meeting_or_404(session, meeting_id)
    try:
        action(session, found)
    except WorkflowError as exc:
        session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("mardom_salam.meeting", meeting_id=meeting_id), code=303)
    flash(success, "success")
    return redirect(url_for("mardom_salam.meeting", meeting_id=meeting_id), code=303)


@bp.route("/meetings/<int:meeting_id>/requests", methods=["POST"])
@login_required
def add_request(meeting_id):
    fields = {k: request.form.get(k, "") for k in
              ("kind", "citizen_name", "citizen_phone", "description", "category", "location")}
    return _act(meeting_id, lambda s, m: msr.register_request(s, m, current_user, fields),
                _("The request was registered."))


@bp.route("/meetings/<int:meeting_id>/desk", methods=["POST"])
@login_required
def register_desk(meeting_id):
    return _act(meeting_id, lambda s, m: msr.register_desk_requests(
        s, m, current_user, request.form.get("desk_note", "")),
        _("The requests were registered on the service desk."))


@bp.route("/meetings/<int:meeting_id>/classify", methods=["POST"])
@login_required
def classify(meeting_id):
    session = db_session()
    found = _meeting_or_404(session, meeting_id)
    rows = {r.id: {"owner": request.form.get(f"owner_{r.id}", ""),
                   "deadline": request.form.get(f"deadline_{r.id}", ""),
                   "category": request.form.get(f"category_{r.id}", "")} for r in found.requests}
    try:
        msr.classify_requests(session, found, current_user, rows, request.form.get("minutes", ""))
    except InvalidData as exc:
        # Sent back with what was typed and each row's fault: nothing typed is lost.
        session.rollback()
        flash(translate_error(exc), "error")
        posted = {"rows": rows, "minutes": request.form.get("minutes", "")}
        return _meeting_page(session, _meeting_or_404(session, meeting_id), posted, exc.details, 400)
    except WorkflowError as exc:
        session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for(".meeting", meeting_id=meeting_id), code=303)
    flash(_("The requests were classified."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting_id), code=303)


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
@login_required
def answer_desk(request_id):
    session = db_session()
    item = session.get(MardomSalamRequest, request_id)
    if item is None:
        abort(404)
    return _act(item.meeting_id, lambda s, m: msr.answer_desk_request(
        s, item, current_user, request.form.get("answer", "")), _("The answer was recorded."))


@bp.route("/meetings/<int:meeting_id>/close", methods=["POST"])
@login_required
def close(meeting_id):
    return _act(meeting_id, lambda s, m: msr.close_programme(s, m, current_user),
                _("The programme was closed."))
