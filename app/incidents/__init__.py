"""Incidents: the instances in error an operator may repair, and the operations panel of an
instance page (engine.runtime.incidents). Plain forms: they work without JavaScript.

URL table:
  GET   /incidents                                   incident_list
  POST  /instances/<id>/operations/retry             retry     (form: reason, optional)
  POST  /instances/<id>/operations/data              set_data  (form: data = a JSON object, reason)
  POST  /instances/<id>/operations/move              move      (form: from, to, reason)
  POST  /instances/<id>/operations/suspend           suspend   (form: reason)
  POST  /instances/<id>/operations/resume            resume    (form: reason, optional)
  POST  /instances/<id>/operations/cancel            cancel    (form: reason)

A refused action (bad JSON, an unknown element, no reason, the wrong status, another
district's instance, no permission) answers 400/403/404/409 with the instance page and the
error in the panel; nothing is changed (the request's transaction is rolled back).
"""
import json

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from engine import (cancel_instance, count_incidents, element_choices, get_instance_to_repair,
                    list_incidents, may_repair, move_token, resume_instance, retry_instance,
                    set_instance_data, suspend_instance)
from models import Instance
from models.errors import InvalidData, WorkflowError
from people import access
from people.permissions import districts_with

from ..db import db_session
from ..instances import instance as instance_page  # re-rendered with the error in its panel
from ..i18n import N_, localize_digits, translate_error

bp = Blueprint("incidents", __name__)

PERMISSION = "repair_instances"
CHANGED_MEANWHILE = N_("The instance was changed meanwhile: look at it again and repeat the action.")
# The kind of failure, from the exception class the engine's message begins with.
FAILURE_KINDS = {
    "NameError": N_("a name the script uses is not defined"),
    "ValueError": N_("a value is not valid for the script"),
    "TypeError": N_("a value has the wrong type for the script"),
    "KeyError": N_("a key the script reads is missing"),
    "ZeroDivisionError": N_("the script divides by zero"),
    "SandboxViolation": N_("the script did something the sandbox forbids"),
    "RunawayProcess": N_("the diagram loops without end"),
}


def incident_message(instance) -> str:
    """The failure in the page's language: its kind (the engine's message stays English)."""
    return failure_text(instance.error_message)


def failure_text(message: str | None) -> str:
    """The kind of failure an engine's (English) message says, in the page's language (also
    the staff notification of an incident; its e-mail has the same words in Persian)."""
    message = message or ""
    for name, label in FAILURE_KINDS.items():
        if name in message.split(":", 1)[0]:
            return _(label)
    return _("the step failed")


@bp.app_context_processor
def _incidents_in_templates():
    # incident_count(): the navigation's badge; repair_panel(instance): the instance page's panel.
    def incident_count() -> int:
        if not current_user.is_authenticated or districts_with(current_user, PERMISSION) == set():
            return 0
        return count_incidents(db_session(), current_user)
    return {"incident_count": incident_count, "repair_panel": repair_panel,
            "incident_message": incident_message, "failure_text": failure_text}


def repair_panel(instance) -> dict | None:
    """What the operations panel shows, or None for a user who may not act or an instance that
    finished."""
    if not current_user.is_authenticated or instance.status in ("completed", "cancelled") \
            or not may_repair(current_user, instance):
        return None
    form = g.get("operations_form") or {}
    try:
        active, every = element_choices(db_session(), instance)
    except Exception:  # noqa: BLE001 - an unreadable state: the panel without the token move
        active, every = {}, {}
    return {"active": active, "activities": every, "error": g.get("operations_error"),
            "form": form,
            "data_json": form.get("data") if "data" in form else json.dumps(
                instance.data or {}, ensure_ascii=False, indent=2, sort_keys=True)}


@bp.route("/incidents")
@login_required
def incident_list():
    if districts_with(current_user, PERMISSION) == set():
        return render_template("error.html", message=_("Only a process owner or an administrator "
                                                        "may repair instances.")), 403
    incidents = list_incidents(db_session(), current_user)
    return render_template("incidents/list.html", incidents=incidents)


def _act(instance_id: int, action, done: str):
    session = db_session()
    try:
        instance = get_instance_to_repair(session, instance_id, current_user)
        action(session, instance, request.form)
    except WorkflowError as exc:
        session.rollback()
        return _refused(instance_id, translate_error(exc), exc.status)
    except StaleDataError:  # another operator or a step changed the instance meanwhile
        session.rollback()
        return _refused(instance_id, _(CHANGED_MEANWHILE), 409)
    if instance.status == "error":  # a retry or a move that failed again: kept, one failure more
        flash(_("The step failed again (%(n)s failures).", n=localize_digits(instance.failure_count)), "error")
    else:
        flash(done, "success")
    return redirect(url_for("instances.instance", instance_id=instance_id) + "#operations")


def _refused(instance_id: int, message: str, status: int):
    """The instance page with the error in its panel, or the error page when it is not visible."""
    instance = db_session().get(Instance, instance_id)
    if instance is None or not access.can_view_instance(current_user, instance):
        return render_template("error.html", message=message), status
    g.operations_error, g.operations_form = message, request.form.to_dict()
    flash(message, "error")
    return instance_page(instance_id=instance_id), status


def _reason(form) -> str:
    return form.get("reason", "")


@bp.route("/instances/<int:instance_id>/operations/retry", methods=["POST"])
@login_required
def retry(instance_id):
    return _act(instance_id, lambda s, i, f: retry_instance(s, i, current_user, _reason(f)),
                _("The failed step was run again."))


@bp.route("/instances/<int:instance_id>/operations/data", methods=["POST"])
@login_required
def set_data(instance_id):
    def action(session, instance, form):
        set_instance_data(session, instance, current_user, parse_json_object(form.get("data", "")),
                          _reason(form))
    return _act(instance_id, action, _("The case data were changed."))


def parse_json_object(text: str) -> dict:
    """A JSON object from the editor; InvalidData saying where the text is not JSON."""
    try:
        value = json.loads(text or "")
    except ValueError as exc:
        raise InvalidData("The data are not valid JSON (line {line}, column {column}).",
                          {"data": "not JSON"}, line=getattr(exc, "lineno", 1),
                          column=getattr(exc, "colno", 1)) from None
    if not isinstance(value, dict):
        raise InvalidData("The data must be a JSON object.", {"data": "must be an object"})
    return value


@bp.route("/instances/<int:instance_id>/operations/move", methods=["POST"])
@login_required
def move(instance_id):
    return _act(instance_id, lambda s, i, f: move_token(s, i, current_user, f.get("from", ""),
                                                        f.get("to", ""), _reason(f)),
                _("The token was moved."))


@bp.route("/instances/<int:instance_id>/operations/suspend", methods=["POST"])
@login_required
def suspend(instance_id):
    return _act(instance_id, lambda s, i, f: suspend_instance(s, i, current_user, _reason(f)),
                _("The instance is suspended."))


@bp.route("/instances/<int:instance_id>/operations/resume", methods=["POST"])
@login_required
def resume(instance_id):
    return _act(instance_id, lambda s, i, f: resume_instance(s, i, current_user, _reason(f)),
                _("The instance runs again."))


@bp.route("/instances/<int:instance_id>/operations/cancel", methods=["POST"])
@login_required
def cancel(instance_id):
    return _act(instance_id, lambda s, i, f: cancel_instance(s, i, current_user, _reason(f)),
                _("The instance was cancelled."))
