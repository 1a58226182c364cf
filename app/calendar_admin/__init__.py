"""The working calendar: official holidays, closures and working days an administrator enters.

URL table:
  GET   /calendar                            calendar_page  (the next days, holidays, entries)
  POST  /calendar/entries                    add_entry      (form: day 1405/01/01, kind, start, end,
                                                             district, note; admin only)
  POST  /calendar/entries/<id>/delete        remove_entry   (admin only)
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workcal import store as calendars
from models.errors import Forbidden, WorkflowError
from workcal.calendar import CALENDAR_KINDS
from workcal.jalali import format_solar_date
from models import District
from people.permissions import may
from engine import append_operator_event

from ..db import db_session
from ..i18n import N_, is_rtl, translate_error

bp = Blueprint("calendar_admin", __name__, url_prefix="/calendar")

KIND_LABELS = {"closure": N_("Closure"), "working_day": N_("Working day")}
# Python's weekday() order.
WEEKDAYS_FA = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _page(status: int = 200, form: dict | None = None, error: str | None = None):
    session = db_session()
    today = calendars.local_today(session)
    districts = session.scalars(select(District).order_by(District.id)).all()
    return render_template(
        "calendar/calendar.html", days=calendars.day_overview(calendars.calendar_for(session), today),
        holidays=calendars.upcoming_holidays(today), entries=calendars.list_entries(session, today),
        districts=districts, kinds=[(k, _(KIND_LABELS[k])) for k in CALENDAR_KINDS],
        kind_labels=KIND_LABELS, solar=format_solar_date, weekday=_weekday,
        may_edit=may(current_user, "edit_calendar"), form=form or {}, error=error), status


def _weekday(day) -> str:
    return (WEEKDAYS_FA if is_rtl() else WEEKDAYS_EN)[day.weekday()]


@bp.route("")
@login_required
def calendar_page():
    return _page()


@bp.route("/entries", methods=["POST"])
@login_required
def add_entry():
    form = {key: request.form.get(key, "") for key in ("day", "kind", "start", "end", "district", "note")}
    try:
        row = calendars.add_entry(db_session(), current_user, form["day"], form["kind"],
                                  note=form["note"], start=form["start"], end=form["end"],
                                  district_id=request.form.get("district", type=int))
        append_operator_event(db_session(), "calendar_entry_added", actor=current_user,
                              reason=row.note, data=_entry_data(row))
    except Forbidden as exc:
        return render_template("error.html", message=translate_error(exc)), 403
    except WorkflowError as exc:
        # Nothing is stored: the request boundary rolls back a 400.
        return _page(exc.status, form, translate_error(exc))
    flash(_("The calendar entry was saved."), "success")
    return redirect(url_for("calendar_admin.calendar_page"), code=303)


def _entry_data(row) -> dict:
    """A calendar entry as the city-wide chain of operator actions records it."""
    return {"day": row.day.isoformat(), "kind": row.kind, "district_id": row.district_id,
            "start": row.start_time.isoformat() if row.start_time else None,
            "end": row.end_time.isoformat() if row.end_time else None}


@bp.route("/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def remove_entry(entry_id):
    try:
        row = calendars.remove_entry(db_session(), current_user, entry_id)
        append_operator_event(db_session(), "calendar_entry_removed", actor=current_user,
                              reason=request.form.get("reason", ""), data=_entry_data(row))
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    flash(_("The calendar entry was removed."), "success")
    return redirect(url_for("calendar_admin.calendar_page"), code=303)
