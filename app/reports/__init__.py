"""Periodic reports: the complaint handling report F-__-0-5-02 of a Solar Hijri month, and the
district scores of the 137 cycle (programmes/messages137/scores.py).

URL table:
  GET   /reports/complaints              complaint_reports  (latest reports of the user's districts)
  POST  /reports/complaints              generate           (form: month 1405/08, district)
  GET   /reports/complaints/<id>         complaint_report   (one report's figures)
  GET   /reports/137                     message_scores     (ranking and charts; ?month=1405/09
                                                             or ?from=1405/09/01&to=1405/09/15)
  GET   /reports/137/export.<csv|xlsx>   message_scores_export   (the ranking, same period)
  GET   /reports/137/<district code>     message_scores_district (its late and overdue messages)

Who sees the 137 scores: any staff member (a user with a role) sees the ranking of every
district (it is public within the city); the drill-down to a district's messages is for
city-wide roles and the staff of that district. Others get 403 with the reason.
"""
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from programmes.complaints import report as reports
from programmes.messages137 import scores
from models.errors import WorkflowError
from records.quality import RECORDS_BY_CODE
from workcal import jalali
from workcal.jalali import parse_solar_date
from models import District, QualityRecord
from people import access

from ..db import db_session
from ..i18n import N_, is_rtl, local_zone, localize_digits, translate_error
from ..records.export import XLSX_MIMETYPE, table_csv, table_xlsx

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
    today = jalali.local_today(local_zone())
    districts = {d.id: d for d in session.scalars(select(District))}
    return render_template(
        "reports/complaints.html", register=RECORDS_BY_CODE[reports.REPORT_CODE],
        reports=[(r, _moment(r.data.get("generated_at"))) for r in
                 reports.latest_complaint_reports(session, access.district_ids_of(current_user))],
        districts=districts, generating_districts=_generating_districts(session),
        months=[jalali.format_solar_month(*m) for m in jalali.recent_solar_months(today)],
        default_month=jalali.format_solar_month(*jalali.previous_solar_month(today)))


@bp.route("/complaints", methods=["POST"])
@login_required
def generate():
    session = db_session()
    district_id = request.form.get("district", type=int)
    if district_id is None or not reports.can_generate_complaint_report(current_user, district_id):
        return render_template("error.html", message=_(FORBIDDEN_MESSAGE)), 403
    try:
        period = jalali.solar_month_bounds(*jalali.parse_solar_month(request.form.get("month", "")))
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


# --- District scores of the 137 cycle ----------------------------------------------------------

SCORES_FORBIDDEN = N_("Only municipal staff may see the district scores of the 137 system.")
DRILL_DOWN_FORBIDDEN = N_("The messages of a district are shown only to its own staff and to "
                          "city-wide roles.")
BAD_PERIOD = N_("Choose a month such as 1405/09, or a from and a to date such as 1405/09/01.")


def _scores_period() -> tuple[tuple, dict]:
    """(period_start, period_end) and the query arguments that name it; ValueError if malformed."""
    text_from, text_to = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    if text_from or text_to:
        start, end = parse_solar_date(text_from), parse_solar_date(text_to)
        if end < start:
            raise ValueError("the period ends before it begins")
        return (start, end), {"from": text_from, "to": text_to}
    month = request.args.get("month", "").strip()
    year_month = (jalali.parse_solar_month(month) if month
                  else jalali.solar_month_of(jalali.local_today(local_zone())))
    return jalali.solar_month_bounds(*year_month), {"month": jalali.format_solar_month(*year_month)}


def _may_drill_down(district_id: int) -> bool:
    visible = access.district_ids_of(current_user)
    return visible is None or district_id in visible


def _ranking(session, period, district_id=None):
    return scores.district_scores(session, *period, penalty_per_day=float(
        current_app.config["SCORE_PENALTY_PER_OVERDUE_DAY"]), district_id=district_id)


def _percent(value) -> float | None:
    return None if value is None else round(100 * value, 1)


def _ranking_table(ranking) -> list[list]:
    name = "name_fa" if is_rtl() else "name_en"
    lines = [[_("Rank"), _("District code"), _("District"), _("Messages received"),
              _("Answered on the spot"), _("Answered on time"), _("Answered late"), _("Still open"),
              _("Open and overdue"), _("Median hours to close"), _("Feedback calls"),
              _("Satisfied"), _("Satisfaction (%)"), _("Answered within the category's hours (%)"),
              _("Closed within 3 days (%)"), _("Determinations with a planned date"),
              _("Determined on time"), _("Done on the planned date"), _("Planned work overdue"),
              _("Left at intake past its deadline"), _("Working days late"), _("Score")]]
    for s in ranking:
        lines.append([s.rank or "", s.code, getattr(s, name), s.received, s.answered_on_spot,
                      s.answered_on_time, s.answered_late, s.open, s.open_overdue,
                      s.median_hours_to_close, s.feedback_calls, s.satisfied,
                      _percent(s.satisfaction_rate), _percent(s.sla_rate),
                      _percent(s.closed_3_days_rate), s.planned, s.determined_on_time,
                      s.planned_done_on_date,
                      s.planned_overdue, s.intake_overdue, s.working_days_late, s.score])
    return lines


def _charts(ranking) -> list[tuple[str, str, list]]:
    """(chart id, title, [(district, value, shown text)]) of the charts, ranked districts only."""
    ranked = [s for s in ranking if s.received]
    name = "name_fa" if is_rtl() else "name_en"

    def items(values):
        return [(getattr(s, name), v or 0, localize_digits("—" if v is None else v)) for s, v in values]
    return [("chart-score", _("Score"), items((s, s.score) for s in ranked)),
            ("chart-on-time", _("Answered on the spot or on time (%)"),
             items((s, _percent(s.on_time_rate)) for s in ranked)),
            ("chart-sla", _("Answered within the category's hours (%)"),
             items((s, _percent(s.sla_rate)) for s in ranked)),
            ("chart-satisfaction", _("Satisfaction (%)"),
             items((s, _percent(s.satisfaction_rate)) for s in ranked)),
            ("chart-overdue", _("Open and overdue"), items((s, s.open_overdue) for s in ranked))]


@bp.route("/137")
@login_required
def message_scores():
    if not current_user.grants:
        return render_template("error.html", message=_(SCORES_FORBIDDEN)), 403
    try:
        period, period_args = _scores_period()
    except ValueError:
        return render_template("error.html", message=_(BAD_PERIOD)), 400
    session = db_session()
    ranking, channels = scores.scores_and_channels(session, *period, penalty_per_day=float(
        current_app.config["SCORE_PENALTY_PER_OVERDUE_DAY"]))
    return render_template(
        "reports/message_scores.html", ranking=ranking, period=period, period_args=period_args,
        channels=channels,
        as_of=scores.as_of_moment(*period, tz=local_zone()),
        months=[jalali.format_solar_month(*m)
                for m in jalali.recent_solar_months(jalali.local_today(local_zone()))],
        may_drill_down={s.district_id: _may_drill_down(s.district_id) for s in ranking},
        percent=_percent, penalty=current_app.config["SCORE_PENALTY_PER_OVERDUE_DAY"],
        charts=_charts(ranking))


@bp.route("/137/export.<fmt>")
@login_required
def message_scores_export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if not current_user.grants:
        return render_template("error.html", message=_(SCORES_FORBIDDEN)), 403
    try:
        period, _args = _scores_period()
    except ValueError:
        return render_template("error.html", message=_(BAD_PERIOD)), 400
    lines = _ranking_table(_ranking(db_session(), period))
    label = reports.period_label(*period) or f"{period[0].isoformat()}_{period[1].isoformat()}"
    filename = f"scores-137-{label.replace('/', '-')}.{fmt}"
    body, mimetype = ((table_csv(lines), "text/csv; charset=utf-8") if fmt == "csv"
                      else (table_xlsx(lines, _("District scores")), XLSX_MIMETYPE))
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/137/<district_code>")
@login_required
def message_scores_district(district_code):
    session = db_session()
    district = session.scalars(select(District).where(District.code == district_code)).first()
    if district is None:
        abort(404)
    if not _may_drill_down(district.id):
        return render_template("error.html", message=_(DRILL_DOWN_FORBIDDEN)), 403
    try:
        period, period_args = _scores_period()
    except ValueError:
        return render_template("error.html", message=_(BAD_PERIOD)), 400
    [score] = _ranking(session, period, district.id)
    return render_template("reports/message_scores_district.html", district=district, score=score,
                           period=period, period_args=period_args,
                           as_of=scores.as_of_moment(*period, tz=local_zone()))
