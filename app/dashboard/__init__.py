"""The oversight dashboard (issue 17): open work, its age and overdue tasks per district and
role, the 137 messages answered within 24/48/72 hours and closed within 3 days, their trend
over 8 Solar Hijri weeks; each figure links to the instance list filtered to its cases.
Figures: programmes/oversight/dashboard.py; the same as JSON: GET /api/v1/dashboard.

URL table:
  GET   /dashboard                       dashboard  (?district=<code>: one district)

Who: the permission view_dashboard (people/permissions.py). Central PR, central inspection, the
auditor and administrators see every district (and may pick one); a district's mayor, deputy
or manager sees their district only, and gets 403 for another.
"""
from datetime import timedelta
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import District, Unit, utcnow
from people.permissions import districts_with
from programmes.messages137.scores import PROCESS_KEY
from programmes.oversight.dashboard import AGE_BUCKETS, ANSWER_HOURS, OpenWork, build_dashboard
from workcal import jalali

from ..db import db_session
from ..i18n import N_, is_rtl, local_zone

bp = Blueprint("dashboard", __name__)

FORBIDDEN = N_("The dashboard is for central PR, central inspection, auditors, administrators "
               "and each district's mayor, deputy and manager.")
OTHER_DISTRICT = N_("You may see the dashboard of your own district only.")
UNKNOWN_DISTRICT = N_("There is no district with this code.")
AGE_LABELS = {"lt1": N_("Under 1 working day"), "1to3": N_("1 to 3 working days"),
              "3to10": N_("3 to 10 working days"), "gt10": N_("10 working days or more")}
AGE_SHORT = {"lt1": "<1", "1to3": "1–3", "3to10": "3–10", "gt10": "≥10"}  # column heads: a phone's width


class DashboardRefused(Exception):
    """The user may not see the dashboard asked for: status and a message (msgid)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def dashboard_scope(session, user, district_code: str | None) -> tuple[set[int] | None, District | None]:
    """(district ids shown, None = all; the district asked for) or DashboardRefused."""
    allowed = districts_with(user, "view_dashboard")
    if allowed is not None and not allowed:
        raise DashboardRefused(403, FORBIDDEN)
    if not district_code:
        return allowed, None
    district = session.scalars(select(District).where(District.code == district_code)).first()
    if district is None:
        raise DashboardRefused(404, UNKNOWN_DISTRICT)
    if allowed is not None and district.id not in allowed:
        raise DashboardRefused(403, OTHER_DISTRICT)
    return {district.id}, district


def week_range(start) -> dict:
    """The instance list's since/until arguments of the Solar Hijri week beginning on start."""
    return {"since": jalali.format_solar_date(start),
            "until": jalali.format_solar_date(start + timedelta(days=6))}


def dashboard_json(board) -> dict:
    """The dashboard's figures as JSON (what GET /api/v1/dashboard returns)."""
    codes = {d.id: d.code for d in board.districts}
    tz = local_zone()
    return {
        "as_of": board.now.isoformat() + "Z",
        "districts": [{"code": d.code, "name_fa": d.name_fa, "name_en": d.name_en} for d in board.districts],
        "age_buckets_working_days": {"lt1": [0, 1], "1to3": [1, 3], "3to10": [3, 10], "gt10": [10, None]},
        "open_work": {
            "total": board.open_total.as_dict(),
            "by_district": [{**w.as_dict(), "district": codes.get(d)} for d, w in board.open_by_district.items()],
            "by_district_and_role": [{**w.as_dict(), "district": codes.get(w.keys["district"])}
                                     for w in board.open_work]},
        "messages_137": {
            "definitions": "received in the last 8 Solar Hijri weeks; hours are clock hours from "
                           "receipt; answered = on the spot, or every executive reply completed; "
                           "closed = the instance completed; 'of' = messages old enough to judge",
            "total": board.messages_total.as_dict(),
            "by_district": [{"district": codes.get(d), **f.as_dict()}
                            for d, f in board.messages_by_district.items()],
            "by_week": [{"week_start": jalali.format_solar_date(start), "week_start_gregorian": start.isoformat(),
                         **f.as_dict()} for start, f in zip(board.weeks, board.messages_by_week)]},
        "time_zone": str(tz),
    }


def _by_role(board) -> list[OpenWork]:
    roles: dict[str, OpenWork] = {}
    for row in board.open_work:
        roles.setdefault(row.keys["role"], OpenWork({"role": row.keys["role"]})).add(row)
    return sorted(roles.values(), key=lambda w: (-w.open, w.keys["role"] or ""))


def _by_unit(session, board) -> list[tuple[object, OpenWork]]:
    """(unit, its open work) of the units tasks were routed to, busiest first."""
    units: dict[int, OpenWork] = {}
    for row in board.open_work:
        if row.keys.get("unit") is not None:
            units.setdefault(row.keys["unit"], OpenWork({"unit": row.keys["unit"]})).add(row)
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(units)))} if units else {}
    return sorted(((found[i], w) for i, w in units.items() if i in found),
                  key=lambda pair: (-pair[1].open, pair[0].code))


@bp.route("/dashboard")
@login_required
def dashboard():
    session = db_session()
    code = request.args.get("district", "").strip() or None
    try:
        district_ids, district = dashboard_scope(session, current_user, code)
    except DashboardRefused as refused:
        return render_template("error.html", message=_(refused.message)), refused.status
    board = build_dashboard(session, utcnow(), district_ids)
    codes = {d.id: d.code for d in board.districts}
    scope = {"district": district.code} if district else (
        {"district": board.districts[0].code} if len(board.districts) == 1 else {})

    # A page has some 200 links and 400 numbers: the list's address is built once and its query
    # strings by urlencode, and digits by one translation chosen here (url_for and the `digits`
    # filter, which asks the locale each time, were half of a city-wide page's time).
    list_url = url_for("instances.instance_list")

    def cases(**filters):
        """The instance list filtered to the cases behind a figure."""
        return f"{list_url}?{urlencode({k: v for k, v in filters.items() if v is not None})}"
    number = jalali.to_persian_digits if is_rtl() else str
    percent_sign = "٪" if is_rtl() else "%"

    choices = []
    if districts_with(current_user, "view_dashboard") is None:
        choices = session.scalars(select(District).order_by(District.code)).all()
    return render_template(
        "dashboard/dashboard.html", board=board, district=district, codes=codes, scope=scope,
        choices=choices, by_role=_by_role(board), by_unit=_by_unit(session, board), cases=cases,
        number=number,
        percent_sign=percent_sign, age_buckets=AGE_BUCKETS, age_labels=AGE_LABELS, age_short=AGE_SHORT, hours=ANSWER_HOURS, process=PROCESS_KEY,
        week_range=week_range, percent=lambda rate: None if rate is None else round(100 * rate, 1),
        since=week_range(board.weeks[0])["since"], until=jalali.format_solar_date(
            jalali.local_date(board.now, local_zone())))
