"""The API's decision-table endpoints (modeling.decisions through app.decision_http).

  POST  /api/v1/decisions/validate                   body: DMN XML -> {ok, problems}
  POST  /api/v1/decisions/deploy                     body: DMN XML -> 201 {key, version, ...}
                                                     | 200 unchanged | 400 {problems}
  POST  /api/v1/decisions/<decision_id>/evaluate     {"inputs": {...}, "version": n?}
                                                     -> {version, matched_rules, matched_indexes, output}
  GET   /api/v1/decisions                            the newest version of each decision
  GET   /api/v1/decisions/<key>/versions             every version
  GET   /api/v1/decisions/<key>/versions/<n>         the DMN XML of a version
Process owners deploy; process owners, administrators and auditors read and try.
"""
from flask import g

from models.errors import Forbidden

from .. import decision_http as http
from .auth import token_required
from . import bp


def _require(permission: str) -> None:
    if http.allowed(g.api_user, permission):
        return
    if permission == "edit_diagrams":
        raise Forbidden("Only process owners may deploy decision tables.")
    raise Forbidden("Only process owners, administrators and auditors may use the studio.")


@bp.post("/decisions/validate")
@token_required
def validate_decisions():
    _require("view_studio")
    return http.validate_response()


@bp.post("/decisions/deploy")
@token_required
def deploy_decisions():
    _require("edit_diagrams")
    return http.deploy_response(g.api_user)


@bp.post("/decisions/<decision_id>/evaluate")
@token_required
def evaluate_decision(decision_id):
    _require("view_studio")
    return http.evaluate_response(decision_id)


@bp.get("/decisions")
@token_required
def decisions():
    _require("view_studio")
    return http.list_response()


@bp.get("/decisions/<key>/versions")
@token_required
def decision_versions(key):
    _require("view_studio")
    return http.versions_response(key)


@bp.get("/decisions/<key>/versions/<int:number>")
@token_required
def decision_version(key, number):
    _require("view_studio")
    return http.version_xml_response(key, number)
