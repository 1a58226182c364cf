"""Starting processes and following instances.

URL table:
  GET   /processes                         start_list
  GET   /processes/<key>                   process   (read-only: the latest version's diagram)
  GET   /processes/<key>/diagram.bpmn      process_diagram
  POST  /processes/<key>/start             start
  GET   /instances                         instance_list  (finding instances: q= a tracking code, phone,
                                                            name or words; process, version, district,
                                                            unit, status, channel, category,
                                                            started_from/_to, ended_from/_to (Solar
                                                            Hijri), overdue; pages after=/before=<id>,
                                                            per_page (programmes.oversight.instance_search);
                                                            ?code= a tracking code: its page;
                                                            the dashboard's drill-down: ?district=<code>
                                                            &process=<key>&since=&until= (Solar Hijri
                                                            days received) and, on the open tasks,
                                                            ?open=1&role=&overdue=1&age=lt1|1to3|3to10|gt10)
  GET   /instances/<id>                    instance
  POST  /instances/<id>/survey-links       create_survey_links  (a survey's or poll's public links)
  GET   /instances/<id>/diagram.bpmn       diagram   (the BPMN of the instance's own version)
  GET   /instances/<id>/photo              photo     (the photo a citizen filed with it)
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from programmes.messages137.tracking import find_by_tracking_code
from programmes.citizens.requests import photo_bytes
from programmes.citizens.tracking import request_of_instance
from modeling.deploy import list_processes
from engine import latest_version, start_instance
from models.errors import InvalidData, WorkflowError
from cases import case_of
from engine import element_names, instance_overview
from models import District, HumanTask, Instance, User
from notifications.outbox import list_for_instance
from people import access
from programmes.complaints.report import CHANNELS as COMPLAINT_CHANNELS
from programmes.messages137.channels import list_channels
from programmes.oversight.instance_search import (PARAMETERS, STATUSES, parse_filters, parse_page,
                                                  search_instances)
from programmes.surveys.answers import create_public_links
from workcal import jalali

from ..db import db_session
from ..dashboard import AGE_LABELS
from ..i18n import N_, is_rtl, local_zone, localize_digits, page_style, role_title, translate_error
from ..mardom_salam.task_panel import message_extras
from ..survey_pages import collecting_tasks, instance_extras, may_create_links

bp = Blueprint("instances", __name__)


def _startable_districts(session):
    ids = access.district_ids_of(current_user)
    query = select(District).order_by(District.code)
    if ids is not None:
        query = query.where(District.id.in_(ids))
    return session.scalars(query).all()


@bp.route("/processes")
@login_required
def start_list():
    session = db_session()
    return render_template("instances/start.html", processes=list_processes(session),
                           districts=_startable_districts(session))


@bp.route("/processes/<key>")
@login_required
def process(key):
    try:
        version = latest_version(db_session(), key)
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    return render_template("instances/process.html", version=version,
                           forms=sorted(set(version.forms.values())))


@bp.route("/processes/<key>/diagram.bpmn")
@login_required
def process_diagram(key):
    try:
        version = latest_version(db_session(), key)
    except WorkflowError:
        abort(404)
    return Response(version.bpmn_xml, mimetype="application/xml")


@bp.route("/processes/<key>/start", methods=["POST"])
@login_required
def start(key):
    session = db_session()
    try:
        instance = start_instance(session, key, current_user,
                                          request.form.get("district", type=int),
                                          title=request.form.get("title", "").strip()[:300])
    except WorkflowError as exc:
        session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("instances.start_list"), code=303)
    if instance.tracking_code:  # a 137 message: the clerk reads the code out to the citizen
        flash(_("Process started. Tracking code: %(code)s", code=instance.tracking_code), "success")
    else:
        flash(_("Process started."), "success")
    return redirect(url_for("instances.instance", instance_id=instance.id), code=303)


@bp.route("/instances")
@login_required
def instance_list():
    """Find instances: the filter form, one page of matches (keyset pages), the count."""
    session = db_session()
    code = request.args.get("code", "").strip()
    if code:  # a clerk looks a 137 message up by the code the citizen reads out
        found = find_by_tracking_code(session, code)
        if found is not None and access.can_view_instance(current_user, found):
            return redirect(url_for("instances.instance", instance_id=found.id), code=303)
        # Another district's message answers the same as none: codes reveal nothing.
        flash(_("No message with the tracking code %(code)s in your districts.", code=code), "error")
    choices = _filter_choices(session)
    try:
        filters, shown = _drill_down_filters(session)
        after, before, per_page = parse_page(request.args)
    except InvalidData as exc:  # the form stays as typed, with what is wrong above it
        return render_template("instances/list.html", page=None, problem=translate_error(exc),
                               given={k: v for k, v in request.args.items() if k in PARAMETERS},
                               code=code, filters=[], **choices), 400
    page = search_instances(session, current_user, filters, after, before, per_page, tz=local_zone())
    return render_template("instances/list.html", page=page, problem=None, given=filters.given,
                           code=code, filters=shown, **choices), 404 if code else 200


def _filter_choices(session) -> dict:
    return {"processes": list_processes(session), "districts": _startable_districts(session)
            if access.district_ids_of(current_user) is not None
            else session.scalars(select(District).order_by(District.code)).all(),
            "statuses": STATUSES, "channels": _channel_choices(session),
            "categories": CATEGORY_LABELS}


# The categories a 137 message and a complaint are filed under (their forms' choices).
CATEGORY_LABELS = {"service": N_("Services"), "technical": N_("Technical and civil"),
                   "urban_planning": N_("Urban planning"), "employee": N_("About staff")}


def _channel_choices(session) -> list[tuple[str, str]]:
    rows = [(c.code, c.title_fa if is_rtl() else c.title_en) for c in list_channels(session)]
    known = {code for code, _title in rows}
    return rows + [(code, _(COMPLAINT_CHANNEL_LABELS.get(code, code))) for code in COMPLAINT_CHANNELS
                   if code not in known]


# How a complaint was received (the register form's choices), for the channel filter.
COMPLAINT_CHANNEL_LABELS = {"in_person": N_("Complaint received in person"),
                            "phone": N_("Complaint received by phone"),
                            "letter": N_("Complaint received by letter"),
                            "website": N_("Complaint received through the website"),
                            "137": N_("Complaint received through the 137 system")}


def _drill_down_filters(session) -> tuple:
    """(InstanceFilters, their descriptions) from the request's arguments (the form's and the
    dashboard's drill-down: district, process, since/until, open, role, overdue, age, unit);
    InvalidData with a Persian message for a malformed one (nothing is filtered)."""
    filters = parse_filters(session, request.args)
    shown = []
    if filters.district is not None:
        shown.append(_("District: %(name)s", name=filters.district.name_fa if is_rtl()
                       else filters.district.name_en))
    if filters.process:
        shown.append(_("Process: %(key)s", key=filters.process))
    for day, label in ((filters.started_from, _("Received from %(day)s")),
                       (filters.started_to, _("Received until %(day)s"))):
        if day is not None:
            shown.append(label % {"day": localize_digits(jalali.format_solar_date(day))})
    if filters.open or filters.role or filters.overdue or filters.age or filters.unit is not None:
        shown.append(_("With an open task"))
        if filters.role:
            shown.append(_("Role: %(role)s", role=role_title(filters.role)))
        if filters.unit is not None:
            unit = filters.unit
            shown.append(_("Unit: %(unit)s", unit=unit.title_fa if is_rtl() else (unit.title_en or unit.title_fa)))
        if filters.overdue:
            shown.append(_("Overdue"))
        if filters.age:
            shown.append(_("Age: %(age)s", age=_(AGE_LABELS[filters.age])))
    return filters, shown


def _viewable_instance(instance_id):
    instance = db_session().get(Instance, instance_id)
    if instance is None:
        abort(404)
    if not access.can_view_instance(current_user, instance):
        abort(403)
    return instance


@bp.route("/instances/<int:instance_id>")
@login_required
def instance(instance_id):
    session, instance = db_session(), _viewable_instance(instance_id)
    overview = instance_overview(session, instance)
    return render_template("instances/instance.html", **overview,
                           **_readable_history(session, instance, overview["events"]),
                           **instance_extras(session, instance, current_user),
                           **message_extras(session, instance.id),
                           citizen_request=request_of_instance(session, instance.id),
                           notices=list_for_instance(session, instance.id))


def _readable_history(session, instance, events) -> dict:
    """What the history needs to speak in words: the case, element names, people's names."""
    case = case_of(session, instance, style=page_style())
    usernames = ({e.data.get("to") for e in events if e.type == "task_reassigned"}
                 # a substitute's step names the absent colleague too (people.access.on_behalf_of)
                 | {e.data.get("on_behalf_of") for e in events if isinstance(e.data, dict)}) - {None}
    people = {user.username: user.display_name for user in session.scalars(
        select(User).where(User.username.in_(usernames)))} if usernames else {}
    return {"case": case, "case_event_ids": {s.event_id for s in case.steps},
            "element_names": element_names(instance.version), "people": people}


@bp.route("/instances/<int:instance_id>/survey-links", methods=["POST"])
@login_required
def create_survey_links(instance_id):
    """Make the public links of a survey or poll that collects answers (once; again is a no-op).
    Back to the task page it was asked from (form field task_id), else the instance page."""
    session, instance = db_session(), _viewable_instance(instance_id)
    refused = _("Only someone who may act on the collection task can make its public links.")
    if access.is_read_only(current_user):  # an auditor changes nothing, collecting or not
        return render_template("error.html", message=refused), 403
    if not collecting_tasks(session, instance):
        return render_template("error.html", message=_(
            "This process is not collecting answers now: there is no public link to make.")), 409
    if not may_create_links(session, instance, current_user):
        return render_template("error.html", message=refused), 403
    try:
        create_public_links(session, instance, current_user)
    except IntegrityError:  # another click made them at the same moment: they exist now
        session.rollback()
    flash(_("The public links are ready: give them to citizens."), "success")
    task = session.get(HumanTask, request.form.get("task_id", type=int) or 0)
    if task is not None and task.instance_id == instance.id:
        return redirect(url_for("inbox.task", task_id=task.id), code=303)
    return redirect(url_for("instances.instance", instance_id=instance.id), code=303)


@bp.route("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id):
    return Response(_viewable_instance(instance_id).version.bpmn_xml, mimetype="application/xml")


@bp.route("/instances/<int:instance_id>/photo")
@login_required
def photo(instance_id):
    instance = _viewable_instance(instance_id)
    filed = request_of_instance(db_session(), instance.id, with_photo=True)
    data = photo_bytes(db_session(), filed) if filed is not None else None
    if data is None:
        abort(404)
    response = Response(data, mimetype=filed.photo_type)
    # The bytes are the citizen's: never let a browser guess another type for them.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


from . import statistics_views  # noqa: E402,F401  its routes on bp (per-element statistics)
