"""JSON API v1 (bearer tokens), described at /api/v1/openapi.json.

URL table:
  POST  /api/v1/auth/token                    token
  GET   /api/v1/processes                     processes
  POST  /api/v1/processes/validate            validate_diagram  (diagrams.py: {"xml"} -> every problem)
  POST  /api/v1/processes/<key>/deploy        deploy_diagram    (diagrams.py; process owners)
  POST  /api/v1/processes/<key>/instances     start_instance  (data: only the fields of the
                                                            start form, startDataKeys)
  GET   /api/v1/instances                     find_instances (app/api/instance_search.py: the
                                                            filters, search and pages of /instances)
  GET   /api/v1/instances/<id>                instance
  GET   /api/v1/instances/<id>/events         instance_events
  POST  /api/v1/instances/<id>/messages       instance_message  ({"name": ..., "payload": {...}};
                                                            only a message whose catch event
                                                            declares externalMessageRole, by
                                                            a holder of that role)
  GET   /api/v1/tasks                         tasks        (process, district, overdue)
  GET   /api/v1/tasks/<id>                    task         (with its form and its own data)
  POST  /api/v1/tasks/<id>/claim              claim
  POST  /api/v1/tasks/<id>/unclaim            unclaim
  POST  /api/v1/tasks/<id>/reassign           reassign     ({"username": ...})
  POST  /api/v1/tasks/<id>/complete           complete     ({"data": {...}}; or multipart: the
                                                            JSON in field "data", files under
                                                            their file field's name)
  GET   /api/v1/units                         units        (district: code or "city", category)
  GET   /api/v1/users                         users        (role, district, unit: for pickers)
  GET   /api/v1/dashboard                     dashboard    (?district=<code>; the /dashboard figures)
  GET   /api/v1/processes/<key>/versions/<n>/statistics
                                              process_statistics (per element: passed, waiting,
                                                            average and p90 time; process_statistics.py)
  POST  /api/v1/inbound/messages            inbound_message (inbound.py: signed by a partner
                                                            system, no token)
  GET   /api/v1/webhooks                      webhooks (POST: {"url", "events", "description"}
                                                            -> 201 with the secret, once;
                                                            app/api/webhooks.py, administrators)
  GET   /api/v1/webhooks/<id>/deliveries      webhook_deliveries (POST /enable, /disable,
                                                            /deliveries/<d>/redeliver)
  GET   /api/v1/openapi.json                  openapi
"""
from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import get_locale, gettext
from sqlalchemy import select
from werkzeug.exceptions import HTTPException


from cases import case_of
from formjs.readable import ENGLISH, PERSIAN
from modeling.deploy import list_processes
import engine
from engine import claim_task, open_tasks, send_message, unclaim_task
from models.errors import Forbidden, InvalidData, NotFound, WorkflowError
from engine import read_events
from models import District, Instance, utcnow
from people import access
from people.accounts import issue_api_token
from people.organisation import find_unit, members, units_answering

from programmes.oversight.dashboard import build_dashboard

from .. import task_service
from ..auth.attempts import attempt_login
from ..dashboard import DashboardRefused, dashboard_json, dashboard_scope
from ..db import db_session
from ..documents.uploads import api_task_data
from ..i18n import translate_error
from ..input_guard import int_in_range
from .auth import json_error, token_required
from .openapi import openapi_document
from .serialize import event_json, instance_json, process_json, task_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(WorkflowError)
def _workflow_error(exc):
    return json_error(exc.status, translate_error(exc), exc.details)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    return json_error(exc.code or 500, exc.description or exc.name)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidData("The request body must be a JSON object.")
    return body


@bp.post("/auth/token")
def token():
    body = _body()
    session = db_session()
    attempt = attempt_login(session, str(body.get("username", "")), str(body.get("password", "")))
    user = attempt.user
    if user is None:
        response = (json_error(429, "Too many failed logins: try again after Retry-After seconds.",
                               {"retry_after_seconds": attempt.wait_seconds})
                    if attempt.refused_unchecked else json_error(401, "Wrong username or password."))
        if attempt.wait_seconds:
            response.headers["Retry-After"] = str(attempt.wait_seconds)
        return response
    hours = current_app.config["API_TOKEN_HOURS"]
    return jsonify({"token": issue_api_token(session, user, hours), "token_type": "Bearer",
                    "expires_in_seconds": int(hours * 3600)})


@bp.get("/processes")
@token_required
def processes():
    return jsonify({"processes": [process_json(v) for v in list_processes(db_session())]})


def _district_id(session, value):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None  # JSON true is an int to Python; it must not mean district 1
    if isinstance(value, int):
        return value if int_in_range(value) else None  # no district has an id past 32 bits
    district = session.scalars(select(District).where(District.code == str(value))).first()
    return district.id if district else None


@bp.post("/processes/<key>/instances")
@token_required
def start_instance(key):
    body = _body()
    session = db_session()
    engine.check_start_data(session, key, body.get("data"))  # only what the diagram declares
    instance = engine.start_instance(session, key, g.api_user, _district_id(session, body.get("district")),
                                      body.get("data"), title=str(body.get("title") or "")[:300])
    return jsonify(instance_json(instance, open_tasks(session, instance))), 201


def _viewable_instance(session, instance_id):
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound("Instance {id} does not exist.", id=instance_id)
    if not access.can_view_instance(g.api_user, instance):
        raise Forbidden("This instance belongs to another district.")
    return instance


@bp.get("/instances/<int:instance_id>")
@token_required
def instance(instance_id):
    session = db_session()
    found = _viewable_instance(session, instance_id)
    return jsonify(instance_json(found, open_tasks(session, found)))


@bp.get("/instances/<int:instance_id>/events")
@token_required
def instance_events(instance_id):
    session = db_session()
    found = _viewable_instance(session, instance_id)
    return jsonify({"instance_id": found.id, "events": [event_json(e) for e in read_events(session, found.id)]})


@bp.post("/instances/<int:instance_id>/messages")
@token_required
def instance_message(instance_id):
    session = db_session()
    body = _body()
    found = send_message(session, instance_id, g.api_user, str(body.get("name", "")),
                                 body.get("payload"))
    return jsonify(instance_json(found, open_tasks(session, found)))


@bp.get("/tasks")
@token_required
def tasks():
    session = db_session()
    district_id = _district_id(session, request.args["district"]) if request.args.get("district") else None
    if request.args.get("district") and district_id is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})  # not "no filter"
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 100, type=int)
    if page < 1 or not 1 <= per_page <= 500:
        raise InvalidData("page must be 1 or more and per_page between 1 and 500.",
                          {"page": "page >= 1", "per_page": "1..500"})
    query = access.inbox_query(g.api_user, process_key=request.args.get("process") or None,
                               district_id=district_id,
                               overdue_only=request.args.get("overdue") in ("1", "true"), now=utcnow(),
                               limit=per_page + 1, offset=(page - 1) * per_page)
    found = session.scalars(query).all()
    return jsonify({"tasks": [task_json(t) for t in found[:per_page]], "page": page,
                    "per_page": per_page, "next_page": page + 1 if len(found) > per_page else None})


@bp.get("/tasks/<int:task_id>")
@token_required
def task(task_id):
    session = db_session()
    opened = task_service.open_task(session, task_id, g.api_user)
    style = ENGLISH if str(get_locale()) == "en" else PERSIAN
    case = case_of(session, opened.task.instance, opened.schema, style, opened.task)
    return jsonify({**task_json(opened.task, form=opened.schema, data=opened.data(session)),
                    "case": case.as_dict()})


@bp.post("/tasks/<int:task_id>/claim")
@token_required
def claim(task_id):
    return jsonify(task_json(claim_task(db_session(), task_id, g.api_user)))


@bp.post("/tasks/<int:task_id>/unclaim")
@token_required
def unclaim(task_id):
    return jsonify(task_json(unclaim_task(db_session(), task_id, g.api_user)))


@bp.post("/tasks/<int:task_id>/reassign")
@token_required
def reassign(task_id):
    body = _body()
    username, reason = str(body.get("username", "")), str(body.get("reason", ""))
    return jsonify(task_json(task_service.reassign_task(db_session(), task_id, g.api_user, username,
                                                        reason)))


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete(task_id):
    session = db_session()
    # JSON, or multipart with files; `loaded` is held so the completion finds the task loaded.
    data, loaded = api_task_data(session, task_id, g.api_user, request)  # noqa: F841
    done = task_service.complete_task(session, task_id, g.api_user, data, locale=str(get_locale()))
    return jsonify({"task": task_json(done), "instance": instance_json(done.instance, open_tasks(session, done.instance))})


def _district_filter(session):
    """(district_id, city) of the district query argument; InvalidData for an unknown one."""
    code = request.args.get("district", "").strip()
    if not code:
        return None, False
    if code == "city":
        return None, True
    district_id = _district_id(session, code)
    if district_id is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})
    return district_id, False


def _unit_json(unit) -> dict:
    return {"id": unit.id, "code": unit.code, "title_fa": unit.title_fa, "title_en": unit.title_en,
            "parent": unit.parent.code if unit.parent else None,
            "district": unit.district.code if unit.district else None,
            "head": unit.head.username if unit.head else None, "categories": unit.categories}


@bp.get("/units")
@token_required
def units():
    session = db_session()
    district_id, city = _district_filter(session)
    found = units_answering(session, request.args.get("category", "").strip() or None,
                            district_id, city)
    return jsonify({"units": [_unit_json(unit) for unit in found]})


@bp.get("/users")
@token_required
def users():
    session = db_session()
    district_id, _city = _district_filter(session)
    unit = None
    if request.args.get("unit", "").strip():
        unit = find_unit(session, request.args["unit"])
        if unit is None:
            raise InvalidData("Unknown unit.", {"unit": "Unknown unit."})
    role = request.args.get("role", "").strip() or None
    now = utcnow()
    found = members(session, role, district_id, unit.id if unit else None, now=now)
    return jsonify({"users": [{
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "roles": [{"role": grant.role, "district": grant.district.code if grant.district else None,
                   "unit": grant.unit.code if grant.unit else None}
                  for grant in user.grants if grant.in_force(now)]} for user in found]})


@bp.get("/dashboard")
@token_required
def dashboard():
    session = db_session()
    try:
        district_ids, _district = dashboard_scope(session, g.api_user,
                                                  request.args.get("district", "").strip() or None)
    except DashboardRefused as refused:
        return json_error(refused.status, gettext(refused.message))
    return jsonify(dashboard_json(build_dashboard(session, utcnow(), district_ids)))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


from . import diagrams  # noqa: E402,F401  (routes on this blueprint)
from . import decisions  # noqa: E402,F401  (decision tables: routes on this blueprint)
from . import process_statistics  # noqa: E402,F401  (its route on bp)
from . import instance_actions  # noqa: E402,F401 - the incident actions' routes on bp
from . import instance_search  # noqa: E402,F401  GET /instances, on this blueprint
from . import inbound  # noqa: E402,F401  POST /inbound/messages (signed by partner systems)
from . import webhooks  # noqa: E402,F401  webhook subscriptions (app/api/webhooks.py), on bp
