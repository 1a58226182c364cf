"""Periodic reports: the complaint handling report F-__-0-5-02 of a Solar Hijri month.

URL table:
  GET   /reports/complaints              complaint_reports  (latest reports of the user's districts)
  POST  /reports/complaints              generate           (form: month 1405/08, district)
  GET   /reports/complaints/<id>         complaint_report   (one report's figures)
"""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import complaint_report as reports
from engine.errors import WorkflowError
from engine.records import RECORDS_BY_CODE
from models import District, QualityRecord
from people import access

from ..db import db_session
from ..i18n import N_, translate_error

bp = Blueprint("reports", __name__, url_prefix="/reports")

# The rows of a report's table: (figure key, sub-key or None, label, indented).
FIGURE_ROWS = (
    ("received", None, N_("Complaints received"), False),
    ("received_by_type", "service", N_("About services"), True),
    ("received_by_type", "employee", N_("About employees or departments"), True),
    ("received_by_channel", "in_person", N_("Received in person"), True),
    ("received_by_channel", "phone", N_("Received by phone"), True),
    ("received_by_channel", "letter", N_("Received by letter"), True),
    ("received_by_channel", "website", N_("Received through the website"), True),
    ("received_by_channel", "137", N_("Received through the 137 system"), True),
    ("answered", None, N_("Results announced to the complainant"), False),
    ("answered_by_type", "service", N_("About services"), True),
    ("answered_by_type", "employee", N_("About employees or departments"), True),
    ("justified", None, N_("Justified"), True),
    ("not_justified", None, N_("Not justified"), True),
    ("answered_on_time", None, N_("Answered within the deadline"), True),
    ("answered_late", None, N_("Answered after the deadline"), True),
    ("average_days_to_answer", None, N_("Average days from registration to announcement"), True),
    ("open", None, N_("Still open at the end of the period"), False),
    ("overdue", None, N_("Of which past their deadline"), True),
)
FORBIDDEN_MESSAGE = N_("Only the complaints expert or the PR head of the district, or central PR "
                       "or inspection management, may generate complaint reports.")


def figure_rows(figures: dict) -> list[tuple[str, str, object, bool]]:
    """(testid, translated label, value, indented) of each row of a report's table."""
    rows = []
    for key, sub_key, label, indented in FIGURE_ROWS:
        value = figures.get(key)
        if sub_key is not None:
            value = (value or {}).get(sub_key, 0)
        rows.append((f"{key}.{sub_key}" if sub_key else key, _(label), value, indented))
    return rows


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _generating_districts(session) -> list[District]:
    districts = session.scalars(select(District).order_by(District.id)).all()
    return [d for d in districts if reports.can_generate_complaint_report(current_user, d.id)]


@bp.route("/complaints")
@login_required
def complaint_reports():
    session = db_session()
    today = reports.local_today()
    districts = {d.id: d for d in session.scalars(select(District))}
    return render_template(
        "reports/complaints.html", register=RECORDS_BY_CODE[reports.REPORT_CODE],
        reports=[(r, _moment(r.data.get("generated_at"))) for r in
                 reports.latest_complaint_reports(session, access.district_ids_of(current_user))],
        districts=districts, generating_districts=_generating_districts(session),
        months=[reports.month_label(*m) for m in reports.recent_solar_months(today)],
        default_month=reports.month_label(*reports.previous_solar_month(today)))


@bp.route("/complaints", methods=["POST"])
@login_required
def generate():
    session = db_session()
    district_id = request.form.get("district", type=int)
    if district_id is None or not reports.can_generate_complaint_report(current_user, district_id):
        return render_template("error.html", message=_(FORBIDDEN_MESSAGE)), 403
    try:
        period = reports.solar_month_bounds(*reports.parse_solar_month(request.form.get("month", "")))
        record = reports.generate_complaint_report(session, district_id, *period, user=current_user)
    except ValueError:
        flash(_("Choose a month, for example 1405/08."), "error")
        return redirect(url_for("reports.complaint_reports"), code=303)
    except WorkflowError as exc:
        session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("reports.complaint_reports"), code=303)
    flash(_("The report was generated."), "success")
    return redirect(url_for("reports.complaint_report", record_id=record.id), code=303)


@bp.route("/complaints/<int:record_id>")
@login_required
def complaint_report(record_id):
    session = db_session()
    record = session.get(QualityRecord, record_id)
    if record is None or record.code != reports.REPORT_CODE or record.instance_id is not None:
        abort(404)
    visible = access.district_ids_of(current_user)
    if visible is not None and record.district_id not in visible:
        abort(403)
    data = record.data or {}
    return render_template(
        "reports/complaint_report.html", record=record, data=data,
        register=RECORDS_BY_CODE[reports.REPORT_CODE],
        district=session.get(District, record.district_id),
        rows=figure_rows(data.get("figures", {})),
        as_of=_moment(data.get("as_of")), generated_at=_moment(data.get("generated_at")),
        may_generate=reports.can_generate_complaint_report(current_user, record.district_id))
