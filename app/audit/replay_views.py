"""Step through an instance's history on its own diagram version.

URL table:
  GET   /audit/instances/<id>/replay?step=N   replay   (the state after event N; first/back/next/last)

The steps come from re-executing the recorded events (engine.replay), so what is shown is what
the pinned diagram does with them, not a picture drawn from the log. Read-only: anyone who may
view the instance may step through it (auditors see every district).
"""
from flask import abort, render_template, request
from flask_login import current_user, login_required

from engine.replay import replay_instance
from models import Instance
from people import access

from ..db import db_session
from . import bp
from .verification_views import reason_text


@bp.route("/instances/<int:instance_id>/replay")
@login_required
def replay(instance_id):
    session = db_session()
    instance = session.get(Instance, instance_id)
    if instance is None:
        abort(404)
    if not access.can_view_instance(current_user, instance):
        abort(403)
    result = replay_instance(session, instance)
    if not result.steps:
        abort(404)
    last = len(result.steps)
    chosen = min(max(request.args.get("step", last, type=int) or last, 1), last)
    step = result.steps[chosen - 1]
    final_counts = result.steps[-1].element_counts
    pass_number = step.element_counts.get(step.ran_element) if step.ran_element else None
    return render_template("audit/replay.html", instance=instance, replay=result, step=step,
                           reason=None if result.matches else reason_text(result),
                           chosen=chosen, last=last, pass_number=pass_number,
                           pass_total=final_counts.get(step.ran_element) if step.ran_element else None)
