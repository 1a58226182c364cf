"""Retention of quality records: what is due, what is held, what was disposed of; legal holds.

URL table:
  GET  /audit/retention                  retention     (filters of the log: code, from, to)
  POST /audit/records/<id>/hold          hold_record   (auditor only; form field: reason)
  POST /audit/records/<id>/release       release_record
  GET  /audit/disposals                  disposals_page   (the records committee only)
  POST /audit/disposals                  approve_disposals (form: records = ids, or all = 1)
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from records import retention
from models.errors import WorkflowError
from records.quality import REGISTER
from models import District
from people.permissions import may

from ..db import db_session
from ..i18n import local_zone, localize_digits, ltr, translate_error
from ..records.listing import parse_day
from . import bp
from .integrity_views import auditor_required


@bp.route("/retention")
@auditor_required
def retention_page():
    session, args, error = db_session(), request.args, None
    code = args.get("code", "").strip() or None
    try:
        since = parse_day(args["from"]) if args.get("from", "").strip() else None
        until = parse_day(args["to"]) if args.get("to", "").strip() else None
    except ValueError:
        since = until = None
        error = _("Type a day like 1403/05/20.")
    due = retention.due_records(session)
    return render_template(
        "audit/retention.html", error=error, register=REGISTER, rules=retention.rule_text,
        args={k: args.get(k, "") for k in ("code", "from", "to")},
        due=due, proposals=retention.proposals_of(session, due), held=retention.held_records(session),
        held_due=retention.held_due_count(session), holds=retention.hold_history(session, 50),
        log=retention.disposal_log(session, code, since, until),
        awaiting=retention.awaiting_approval(session), disposal_sentence=disposal_sentence,
        districts={d.id: d for d in session.scalars(select(District))},
        may_hold=may(current_user, "place_legal_holds")), 400 if error else 200


def disposal_sentence(disposal) -> str:
    """A disposal of the log in the past tense, in the page's language."""
    sentence = retention.disposal_sentence(disposal, local_zone())
    # the code isolated left to right, the record's number and the day in the page's digits
    code, _sep, number = sentence.params["record"].partition(" #")
    return _(sentence.template).format(record=f"{ltr(code)} #{localize_digits(number)}",
                                       day=localize_digits(sentence.params["day"]))


def _hold(record_id: int, on: bool):
    try:
        retention.set_legal_hold(db_session(), record_id, current_user, on, request.form.get("reason", ""))
    except WorkflowError as exc:
        if exc.status == 403:
            return render_template("error.html", message=translate_error(exc)), 403
        db_session().rollback()
        flash(translate_error(exc), "error")
    else:
        flash(_("The legal hold was placed.") if on else _("The legal hold was released."), "success")
    if request.form.get("back") == "record":  # placed from the record's own page
        return redirect(url_for("records.record", record_id=record_id), code=303)
    return redirect(url_for("audit.retention_page"), code=303)


def _committee_page(error=None, status=200):
    session = db_session()
    return render_template(
        "audit/disposals.html", error=error, rules=retention.rule_text,
        records=retention.awaiting_approval(session),
        districts={d.id: d for d in session.scalars(select(District))}), status


@bp.route("/disposals")
@login_required
def disposals_page():
    if not may(current_user, "approve_disposals"):
        return render_template("error.html", message=_(
            "Only a member of the records committee may open this page.")), 403
    return _committee_page()


@bp.route("/disposals", methods=["POST"])
@login_required
def approve_disposals():
    session = db_session()
    if request.form.get("all"):
        ids = [r.id for r in retention.awaiting_approval(session)]
    else:
        ids = request.form.getlist("records")
    try:
        approved = retention.approve_disposals(session, ids, current_user,
                                               request.form.get("reason", ""))
    except WorkflowError as exc:
        session.rollback()
        if exc.status == 403:
            return render_template("error.html", message=translate_error(exc)), 403
        return _committee_page(translate_error(exc), 400)
    flash(_("The destruction of %(count)s record(s) was approved; the next run of the retention job destroys them.",
            count=len(approved)), "success")
    return redirect(url_for("audit.disposals_page"), code=303)


@bp.route("/records/<int:record_id>/hold", methods=["POST"])
@login_required
def hold_record(record_id):
    return _hold(record_id, True)


@bp.route("/records/<int:record_id>/release", methods=["POST"])
@login_required
def release_record(record_id):
    return _hold(record_id, False)
