"""The incident actions of the JSON API (engine.runtime.incidents), on the API blueprint.

URL table:
  POST   /api/v1/instances/<id>/retry     retry    ({"reason": optional})
  POST   /api/v1/instances/<id>/suspend   suspend  ({"reason": ...})
  POST   /api/v1/instances/<id>/resume    resume   ({"reason": optional})
  POST   /api/v1/instances/<id>/cancel    cancel   ({"reason": ...})
  PATCH  /api/v1/instances/<id>/data      set_data ({"data": {...}, "reason": ..., "replace": false})
  POST   /api/v1/instances/<id>/move      move     ({"from": element, "to": element, "reason": ...})

Errors are JSON (the blueprint's WorkflowError handler): 400 bad input, 403 no permission in
the instance's district, 404 no such instance, 409 the wrong status.
"""
from flask import g, jsonify, request
from sqlalchemy.orm.exc import StaleDataError

from engine import (cancel_instance, get_instance_to_repair, move_token, open_tasks,
                    resume_instance, retry_instance, set_instance_data, suspend_instance)
from models.errors import Conflict, InvalidData

from ..db import db_session
from . import bp
from .auth import token_required
from .serialize import instance_json


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}  # an action without a body (retry, resume)
    if not isinstance(body, dict):
        raise InvalidData("The request body must be a JSON object.")
    return body


def _answer(session, instance, **more):
    out = instance_json(instance, open_tasks(session, instance))
    out["incident"] = {"element": instance.failed_element, "element_name": instance.failed_element_name,
                       "failed_at": instance.failed_at.isoformat() + "Z" if instance.failed_at else None,
                       "failures": instance.failure_count or 0}
    return jsonify({"instance": out, **more} if more else out)


def _act(instance_id: int, action, answer_key: str | None = None):
    """Load, check, run one action; its result goes in the answer under answer_key (if given)."""
    session = db_session()
    body = _body()
    instance = get_instance_to_repair(session, instance_id, g.api_user)
    try:
        result = action(session, instance, body)
    except StaleDataError:  # another operator or a step changed the instance meanwhile
        raise Conflict("The instance was changed meanwhile: look at it again and repeat the action.") from None
    return _answer(session, instance, **({answer_key: result} if answer_key else {}))


@bp.post("/instances/<int:instance_id>/retry")
@token_required
def retry(instance_id):
    return _act(instance_id, lambda s, i, b: retry_instance(s, i, g.api_user, b.get("reason")))


@bp.post("/instances/<int:instance_id>/suspend")
@token_required
def suspend(instance_id):
    return _act(instance_id, lambda s, i, b: suspend_instance(s, i, g.api_user, b.get("reason")))


@bp.post("/instances/<int:instance_id>/resume")
@token_required
def resume(instance_id):
    return _act(instance_id, lambda s, i, b: resume_instance(s, i, g.api_user, b.get("reason")))


@bp.post("/instances/<int:instance_id>/cancel")
@token_required
def cancel(instance_id):
    return _act(instance_id, lambda s, i, b: cancel_instance(s, i, g.api_user, b.get("reason")))


@bp.post("/instances/<int:instance_id>/move")
@token_required
def move(instance_id):
    return _act(instance_id, lambda s, i, b: move_token(s, i, g.api_user, b.get("from"), b.get("to"),
                                                        b.get("reason")))


@bp.patch("/instances/<int:instance_id>/data")
@token_required
def set_data(instance_id):
    def change(session, instance, body):
        if "data" not in body:
            raise InvalidData("Give the data (a JSON object).", {"data": "required"})
        return set_instance_data(session, instance, g.api_user, body.get("data"), body.get("reason"),
                                 merge=body.get("replace") is not True)
    return _act(instance_id, change, answer_key="changes")
