"""Verification by re-execution (engine.replay.verify): one instance, or all of a process, against
the stored state.

URL table:
  GET /audit/verify                     verify            (?instance=ID, or ?process=KEY / ?process=*)
  GET /audit/instances/<id>/verify      verify_instance   (one instance: OK, or where it diverges)
"""
from functools import wraps

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from modeling.deploy import list_processes
from engine import iter_verify, verify_instance as replay_verify
from models import Instance
from people.permissions import may

from ..db import db_session
from ..i18n import STATUS_LABELS, N_, localize_digits
from . import bp

# Verifying runs in the request: a page re-executes at most this many instances (the command
# line `flask audit verify` has no cap).
MAX_INSTANCES = 500
ALL_PROCESSES = "*"

# engine.replay.verify's reason templates, for the catalog (pybabel reads N_ here, not in engine/);
# tests/http/test_audit_verification.py checks this list equals engine.replay.verify.REASONS.
REASON_TEMPLATES = (
    N_("Event {seq} started version {recorded} of the process, but the instance is pinned to "
       "version {pinned}."),
    N_("Event {seq} ({type}) comes before the instance was started."),
    N_("Event {seq} ({type}) comes after the instance stopped with an error on re-execution: {error}"),
    N_("Event {seq} completes {element}, but no such task is ready at that point."),
    N_("Event {seq} fires the timer {element}, but no such timer is waiting at that point."),
    N_("Event {seq} delivers the message {name}, but nothing waits for it at that point."),
    N_("Event {seq} has the type {type}, which re-execution does not know."),
    N_("Event {seq} starts the instance a second time."),
    N_("Event {seq} records that the instance finished, but on re-execution it is still "
       "{status} (open: {open})."),
    N_("Event {seq} records an error ({message}), but re-execution ran without one."),
    N_("Event {seq} fails on re-execution: {error}"),
    N_("Event {seq} retries the failed step, but on re-execution nothing has failed."),
    N_("The history does not begin with the start of the instance."),
    N_("The stored state cannot be read: {error}"),
    N_("After the last event the instance is {stored} in the stored state, {replayed} on re-execution."),
    N_("Event {seq} ({element}) set this key on re-execution."),
    N_("After the last event the data differ: key {key} is {stored} in the stored state, "
       "{replayed} on re-execution."),
    N_("After the last event the data differ: key {key} is {stored} in the stored instance "
       "data, {replayed} on re-execution."),
    N_("After the last event the open tasks differ: open in the stored state only: {stored}; "
       "open on re-execution only: {replayed}."),
    N_("After the last event the history differs: element {element} has completed {stored} "
       "time(s) in the stored state, {replayed} on re-execution."),
)


def auditor_required(view):
    """Let the view run only for an auditor or administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "verify_instances"):
            return render_template("error.html", message=_("Only an auditor may verify instances.")), 403
        return view(*args, **kwargs)
    return wrapper


def reason_text(replay) -> str:
    """The replay's reason in the page's language (values as recorded, numbers in its digits)."""
    sentences = []
    for template, values in replay.reason_parts:
        shown = {k: localize_digits(v) if isinstance(v, int)
                 else _(STATUS_LABELS[v]) if v in STATUS_LABELS else v for k, v in values.items()}
        sentences.append(_(template).format(**shown))
    return " ".join(sentences)


@bp.route("/verify")
@auditor_required
def verify():
    session = db_session()
    instance_id = request.args.get("instance", type=int)
    process_key = request.args.get("process", "").strip()
    results, total, missing = None, 0, False
    if instance_id is not None:
        instance = session.get(Instance, instance_id)
        missing = instance is None
        results = [] if missing else [(instance, replay_verify(session, instance_id))]
        total = len(results)
    elif process_key:
        key = None if process_key == ALL_PROCESSES else process_key
        count = select(func.count()).select_from(Instance)
        total = session.scalar(count.where(Instance.process_key == key) if key else count)
        results = [(session.get(Instance, i), replay) for i, replay
                   in iter_verify(session, key, limit=MAX_INSTANCES)]
    return render_template(
        "audit/verify.html", processes=list_processes(session), results=results, total=total,
        capped=total > MAX_INSTANCES, cap=MAX_INSTANCES, instance_id=instance_id,
        process_key=process_key, missing=missing, reason_text=reason_text,
        mismatches=sum(1 for _i, r in results or [] if not r.matches), all_processes=ALL_PROCESSES)


@bp.route("/instances/<int:instance_id>/verify")
@auditor_required
def verify_instance(instance_id):
    session = db_session()
    instance = session.get(Instance, instance_id)
    if instance is None:
        abort(404)
    replay = replay_verify(session, instance_id)
    return render_template("audit/verify_instance.html", instance=instance, replay=replay,
                           reason_text=reason_text(replay) if not replay.matches else "")
