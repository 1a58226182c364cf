"""Step through an instance's history on its own diagram version.

URL table:
  GET   /audit/instances/<id>/replay?step=N   replay   (the state after event N; first/back/next/last)
  GET   /audit/instances/<id>/versions/<n>/diagram.bpmn   version_diagram
        (the BPMN of version n of the instance's process, if the instance ran on it)

The steps come from re-executing the recorded events (engine.replay.verify), so what is shown is what
the pinned diagram does with them, not a picture drawn from the log. Read-only: anyone who may
view the instance may step through it (auditors see every district). An instance moved to a
newer version mid-life (engine.migration) is drawn, at each step, on the version in
force at that step.
"""
from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from sqlalchemy import select

from engine import replay_instance
from models import Event, Instance, ProcessVersion
from people import access

from ..db import db_session
from . import bp
from .verification_views import reason_text


def _viewable_instance(session, instance_id) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None:
        abort(404)
    if not access.can_view_instance(current_user, instance):
        abort(403)
    return instance


@bp.route("/instances/<int:instance_id>/replay")
@login_required
def replay(instance_id):
    session = db_session()
    instance = _viewable_instance(session, instance_id)
    result = replay_instance(session, instance)
    if not result.steps:
        abort(404)
    last = len(result.steps)
    chosen = min(max(request.args.get("step", last, type=int) or last, 1), last)
    step = result.steps[chosen - 1]
    # Passes are counted per item inside a multi-instance activity (engine.replay.verify).
    return render_template("audit/replay.html", instance=instance, replay=result, step=step,
                           reason=None if result.matches else reason_text(result),
                           chosen=chosen, last=last, pass_number=step.pass_number,
                           pass_total=step.pass_total)


def _versions_run_on(session, instance: Instance) -> set[int]:
    """The version numbers the instance has run on: its own and both ends of every move."""
    numbers = {instance.version.version}
    for data in session.scalars(select(Event.data).where(Event.instance_id == instance.id,
                                                         Event.type == "instance_migrated")):
        if isinstance(data, dict):
            numbers.update(n for n in (data.get("from_version"), data.get("to_version"))
                           if isinstance(n, int))
    return numbers


@bp.route("/instances/<int:instance_id>/versions/<int:number>/diagram.bpmn")
@login_required
def version_diagram(instance_id, number):
    session = db_session()
    instance = _viewable_instance(session, instance_id)
    if number not in _versions_run_on(session, instance):
        abort(404)
    version = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == instance.process_key, ProcessVersion.version == number)).first()
    if version is None:
        abort(404)
    return Response(version.bpmn_xml, mimetype="application/xml")
