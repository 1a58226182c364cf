"""Moving running (and failed) instances of a process to a newer version (engine.migration,
engine.migration_jobs).

URL table:
  GET  /studio/<key>/migrate   migrate_page     filters (target version, district, started between
                                                 Solar Hijri dates, current element, status, ids),
                                                 the activity mapping (a select per old element
                                                 where chosen instances wait, the proposal chosen),
                                                 and each matching instance with its check
  POST /studio/<key>/migrate   migrate_submit   action=dry_run: the same page with, per instance,
                                                 which element each task moves to or why not;
                                                 action=move: a bulk move job for the checked ids
                                                 (scope=all: every matching instance), then its
                                                 progress page (app/studio/migration_job_views.py)
Process owners only (others get a 403 page). Bad input (an unknown element or district, a bad
date, an instance of another process): the page again with the reason, 400, nothing changed.
"""
from functools import wraps

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import (MIGRATION_BATCH as BATCH, dry_run, effective_mapping, plan_migration,
                    run_migration_batch, select_instances, start_migration_job, version_elements,
                    waiting_at)
from modeling.deploy import list_versions
from models import District, MigrationJob
from models.errors import InvalidData
from people.permissions import may
from workcal import jalali

from ..db import db_session
from ..i18n import STATUS_LABELS, N_, is_rtl, localize_digits, ltr, translate_error
from . import bp

# engine.migration's reason templates, for the catalog (pybabel reads N_ here);
# tests/http/test_studio_migration.py checks this list equals engine.migration.TEMPLATES.
REASON_TEMPLATES = (
    N_("Version {version} belongs to the process {target_key}, not to {key}."),
    N_("Version {version} is not newer than version {current}, which this instance runs."),
    N_("This instance is not running (it is {status})."),
    N_("The open task {name} ({element}) does not exist in version {version}."),
    N_("The waiting timer {name} ({element}) does not exist in version {version}."),
    N_("The message wait {name} ({element}) does not exist in version {version}."),
    N_("The sub-process {name} ({element}), which has open tasks, does not exist in version "
       "{version}."),
    N_("The element {name} ({element}) cannot be placed in version {version}: SpiffWorkflow "
       "cannot align this part of the state."),
    N_("The element {name} ({element}), where this instance waits, is mapped to no element "
       "of version {version}."),
    N_("The stored state cannot be read: {error}"),
    N_("The move failed and was undone: {error}"),
    N_("The element {name} ({element}) cannot move to {new_name} ({new_element}), an element "
       "of another kind."),
)
# engine.migration_mapping's and engine.migration_jobs' refusals of bad input.
INPUT_TEMPLATES = (
    N_("Element {element} does not exist in version {version}."),
    N_("Element {element} does not exist in the instances being moved."),
    N_("District {district} does not exist."),
    N_("Instance {id} is not an instance of {key}."),
    N_("{status} is not a status an instance can be moved from."),
    N_("Version {version} of {key} does not exist."),
    N_("The date {value} is not a Solar Hijri date like 1405/09/15."),
    N_("{value} is not a number."),
)
PAGE_LIMIT = 200  # instances listed with their check; a bulk move takes every matching one


def process_owner_required(view):
    """Let the view run only for a process owner; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "migrate_instances"):
            return render_template("error.html",
                                   message=_("Only a process owner may move instances to another version.")), 403
        return view(*args, **kwargs)
    return wrapper


def problem_text(problem) -> str:
    """A refusal reason in the page's language (numbers in its digits)."""
    shown = {k: localize_digits(v) if isinstance(v, int)
             else _(STATUS_LABELS[v]) if v in STATUS_LABELS
             else ltr(v) if k in ("element", "new_element") and is_rtl() else v for k, v in problem.params.items()}
    return _(problem.template).format(**shown)


def batch_size() -> int:
    """Instances moved per request (MIGRATION_BATCH, default engine.migration_jobs.BATCH)."""
    return int(current_app.config.get("MIGRATION_BATCH", BATCH))


def _versions_or_404(session, key: str):
    versions = list_versions(session, key)  # newest first
    if not versions:
        abort(404)
    return versions


def _number(text):
    text = jalali.to_ascii_digits(text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidData("{value} is not a number.", value=text)
    return int(text)


def _day(text):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return jalali.parse_solar_date(text)
    except ValueError:
        raise InvalidData("The date {value} is not a Solar Hijri date like 1405/09/15.", value=text) from None


def read_filters(values) -> dict:
    """The filters as typed (shown back in the form and kept with a job)."""
    return {"district": (values.get("district") or "").strip(),
            "started_from": (values.get("started_from") or "").strip(),
            "started_to": (values.get("started_to") or "").strip(),
            "element": (values.get("element") or "").strip(),
            "status": [s for s in values.getlist("status") if s] or ["running", "error"],
            "ids": (values.get("ids_filter") or "").strip()}


def _select(session, key, target, filters):
    """The matching instances; InvalidData on bad input."""
    ids = [_number(part) for part in filters["ids"].replace("،", ",").split(",") if part.strip()]
    return select_instances(session, key, target, district_id=_number(filters["district"]),
                            started_from=_day(filters["started_from"]),
                            started_to=_day(filters["started_to"]),
                            element=filters["element"] or None, statuses=filters["status"],
                            ids=ids or None)


def _posted_mapping(form) -> dict:
    return {name[len("map-"):]: value for name, value in form.items() if name.startswith("map-")}


def _mapping_rows(session, instances, target, mapping):
    """(old element, instances waiting there, chosen new id) for each element where any waits."""
    rows, counts = {}, {}
    for instance in instances:
        proposal = effective_mapping(instance.version, target, mapping)
        for element in waiting_at(session, instance):
            counts[element.id] = counts.get(element.id, 0) + 1
            rows.setdefault(element.id, (element, proposal.get(element.id, element.id)))
    return [(element, counts[element_id], chosen) for element_id, (element, chosen) in rows.items()]


def _page(session, key, versions, target, filters, mapping=None, plans=None, error=None,
          chosen_ids=None, status=200):
    latest = versions[0]
    instances = []
    try:
        instances = _select(session, key, target, filters)
    except InvalidData as exc:
        error = error or translate_error(exc)
    listed = instances[:PAGE_LIMIT]
    if plans is None:  # the check of each listed instance, with the mapping as it stands
        plans = [plan_migration(session, instance, target, mapping) for instance in listed]
    districts = list(session.query(District).order_by(District.code))
    unfinished = list(session.query(MigrationJob).filter(  # left off (a closed page): carry on
        MigrationJob.process_key == key, MigrationJob.status == "running").order_by(MigrationJob.id))
    return render_template(
        "studio/migrate.html", key=key, versions=versions, latest=latest, target=target,
        filters=filters, districts=districts, plans=plans, total=len(instances),
        limit=PAGE_LIMIT, mapping_rows=_mapping_rows(session, instances, target, mapping),
        target_elements=version_elements(target), error=error, chosen_ids=chosen_ids,
        dry=request.method == "POST" and error is None, problem_text=problem_text,
        statuses=STATUS_LABELS, unfinished=unfinished), status


def _target(versions, number):
    return next((v for v in versions if v.version == number), None)


@bp.route("/<key>/migrate", methods=["GET"])
@process_owner_required
def migrate_page(key):
    session = db_session()
    versions = _versions_or_404(session, key)
    target = _target(versions, request.args.get("target", type=int)) or versions[0]
    return _page(session, key, versions, target, read_filters(request.args))


@bp.route("/<key>/migrate", methods=["POST"])
@process_owner_required
def migrate_submit(key):
    session = db_session()
    versions = _versions_or_404(session, key)
    target = _target(versions, request.form.get("target", type=int))
    if target is None:
        abort(400)
    filters, mapping = read_filters(request.form), _posted_mapping(request.form)
    chosen = request.form.getlist("ids", type=int)
    try:
        instances = _select(session, key, target, filters)
        if request.form.get("scope") != "all":
            instances = [i for i in instances if i.id in set(chosen)]
        if request.form.get("action") == "move":
            if not instances:
                return _page(session, key, versions, target, filters, mapping,
                             error=_("No instance was chosen."), chosen_ids=chosen, status=400)
            job = start_migration_job(session, key, target, [i.id for i in instances], current_user,
                                      mapping=mapping, reason=request.form.get("reason", ""),
                                      filters=filters)
            session.commit()
            run_migration_batch(session, job.id, current_user, batch_size())  # a small move is done at once
            session.commit()
            return redirect(url_for("studio.migration_job", key=key, job_id=job.id))
        plans = dry_run(session, instances, target, mapping)
    except InvalidData as exc:
        session.rollback()
        return _page(session, key, versions, target, filters, mapping, plans=[],
                     error=translate_error(exc), chosen_ids=chosen, status=400)
    return _page(session, key, versions, target, filters, mapping, plans=plans, chosen_ids=chosen)
