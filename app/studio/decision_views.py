"""The studio's decision-table endpoints for logged-in users (the dmn-js editor page calls
them; CSRF through the X-CSRFToken header), the same work as the API's (app.decision_http).

  POST  /studio/dmn/validate                  body: DMN XML -> {ok, problems}
  POST  /studio/dmn/deploy                    body: DMN XML -> 201 | 200 unchanged | 400 {problems}
  POST  /studio/dmn/<decision_id>/evaluate    {"inputs": {...}, "version": n?}
  GET   /studio/dmn/decisions                 the newest version of each decision
  GET   /studio/dmn/<key>/versions            every version
  GET   /studio/dmn/<key>/versions/<n>.dmn    the DMN XML of a version
"""
from functools import wraps

from flask import abort, jsonify
from flask_login import current_user, login_required

from models.errors import WorkflowError

from .. import decision_http as http
from ..i18n import translate_error
from . import bp


def _json_view(permission: str):
    def wrap(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not http.allowed(current_user, permission):
                abort(403)
            try:
                return view(*args, **kwargs)
            except WorkflowError as exc:
                return jsonify({"error": translate_error(exc), "details": exc.details}), exc.status
        return wrapper
    return wrap


@bp.post("/dmn/validate")
@_json_view("view_studio")
def dmn_validate():
    return http.validate_response()


@bp.post("/dmn/deploy")
@_json_view("edit_diagrams")
def dmn_deploy():
    return http.deploy_response(current_user)


@bp.post("/dmn/<decision_id>/evaluate")
@_json_view("view_studio")
def dmn_evaluate(decision_id):
    return http.evaluate_response(decision_id)


@bp.get("/dmn/decisions")
@_json_view("view_studio")
def dmn_decisions():
    return http.list_response()


@bp.get("/dmn/<key>/versions")
@_json_view("view_studio")
def dmn_versions(key):
    return http.versions_response(key)


@bp.get("/dmn/<key>/versions/<int:number>.dmn")
@_json_view("view_studio")
def dmn_version_xml(key, number):
    return http.version_xml_response(key, number)
