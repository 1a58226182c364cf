"""Per-element statistics of a process version, drawn on its diagram as a heat map (issue 20).
Figures: programmes/oversight/element_statistics.py; the same as JSON:
GET /api/v1/processes/<key>/versions/<n>/statistics (app/api/process_statistics.py).

URL table (routes of the instances blueprint):
  GET   /processes/<key>/statistics                        process_statistics_latest (to the newest)
  GET   /processes/<key>/versions/<n>/statistics           process_statistics
  GET   /processes/<key>/versions/<n>/diagram.bpmn         version_diagram (that version's BPMN)

Who: the permission view_process_statistics; the figures count only the instances the user
may view, in the districts where they hold it. The page is a table (phones, screen readers, no
JavaScript) and, with JavaScript, the diagram with each element's figures on it
(app/static/statistics.js).
"""
from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from models.errors import Forbidden, NotFound, WorkflowError
from people.permissions import may
from programmes.oversight.element_statistics import (PERMISSION, element_statistics,
                                                     find_version, version_numbers)

from ..db import db_session
from ..i18n import localize_digits, say_value
from . import bp

MINUTE, HOUR, DAY = 60, 3600, 86400


def duration_text(seconds: float | None) -> str:
    """A time spent in words, its two largest units: "2 days and 3 hours" ("۲ روز و ۳ ساعت")."""
    if seconds is None:
        return "–"
    total = int(round(seconds))
    if total < MINUTE:
        return _("less than a minute")
    days, rest = divmod(total, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    units = [(days, ngettext("%(count)s day", "%(count)s days", days, count=localize_digits(days))),
             (hours, ngettext("%(count)s hour", "%(count)s hours", hours, count=localize_digits(hours))),
             (minutes, ngettext("%(count)s minute", "%(count)s minutes", minutes,
                                count=localize_digits(minutes)))]
    first = next(i for i, (amount, _text) in enumerate(units) if amount)
    parts = [text for amount, text in units[first:first + 2] if amount]
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s and %(second)s", first=parts[0], second=parts[1])


def statistics_json(stats) -> dict:
    """The figures as the API and the page's script read them (seconds, and in words)."""
    return {
        "process": stats.version.process_key, "version": stats.version.version,
        "name": stats.version.name, "versions": stats.version_numbers,
        "instances": {"total": stats.instances, "running": stats.running,
                      "completed": stats.completed},
        "elements": [{
            "id": row.element_id, "name": row.name, "kind": row.kind, "passed": row.passed,
            "waiting": row.waiting, "timed": row.timed,
            "average_seconds": row.average_seconds, "p90_seconds": row.p90_seconds,
            "average": duration_text(row.average_seconds), "p90": duration_text(row.p90_seconds),
        } for row in stats.elements],
    }


def _error_page(exc: WorkflowError):
    # The key in an isolate: a Latin process key inside Persian text reads the right way.
    message = _(exc.template).format(**{k: say_value(v) for k, v in exc.params.items()})
    return render_template("error.html", message=message), exc.status


@bp.route("/processes/<key>/statistics")
@login_required
def process_statistics_latest(key):
    session = db_session()
    numbers = version_numbers(session, key)
    if not may(current_user, PERMISSION):
        return _error_page(Forbidden("You may not see process statistics."))
    if not numbers:
        return _error_page(NotFound("No process {key} is deployed.", key=key))
    return redirect(url_for("instances.process_statistics", key=key, number=numbers[0]))


@bp.route("/processes/<key>/versions/<int:number>/statistics")
@login_required
def process_statistics(key, number):
    try:
        stats = element_statistics(db_session(), current_user, key, number)
    except WorkflowError as exc:
        return _error_page(exc)
    return render_template("instances/statistics.html", stats=stats,
                           figures=statistics_json(stats))


@bp.route("/processes/<key>/versions/<int:number>/diagram.bpmn")
@login_required
def version_diagram(key, number):
    if not may(current_user, PERMISSION):
        return _error_page(Forbidden("You may not see process statistics."))
    try:
        version = find_version(db_session(), key, number)
    except WorkflowError as exc:
        return _error_page(exc)
    return Response(version.bpmn_xml, mimetype="application/xml")
