"""The progress of a bulk move of instances (engine.migration_jobs), batch by batch.

URL table:
  GET  /studio/<key>/migrate/jobs/<id>        migration_job        done of total, moved, refused
                                                                   with reasons; while running, a
                                                                   form that carries on (submitted
                                                                   by static/migration_job.js)
  POST /studio/<key>/migrate/jobs/<id>/step   migration_job_step   moves the next batch, back to
                                                                   the progress page
Each request moves one batch, so thousands of instances are never one long request; the CLI
(`flask processes migrate`) drives the same job to its end. Process owners only.
"""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from engine import MigrationProblem as Problem, run_migration_batch
from models import Instance, MigrationJob

from ..db import db_session
from . import bp
from .migration_views import batch_size, problem_text, process_owner_required


def _job_or_404(session, key: str, job_id: int) -> MigrationJob:
    job = session.get(MigrationJob, job_id)
    if job is None or job.process_key != key:
        abort(404)
    return job


@bp.route("/<key>/migrate/jobs/<int:job_id>", methods=["GET"])
@process_owner_required
def migration_job(key, job_id):
    session = db_session()
    job = _job_or_404(session, key, job_id)
    moved = [session.get(Instance, i) for i in job.moved]
    refused = [(int(i), session.get(Instance, int(i)), [Problem(p["template"], p["params"]) for p in problems])
               for i, problems in job.refused.items()]
    return render_template("studio/migrate_result.html", key=key, job=job, target=job.target,
                           migrated=moved, refused=refused, problem_text=problem_text)


@bp.route("/<key>/migrate/jobs/<int:job_id>/step", methods=["POST"])
@process_owner_required
def migration_job_step(key, job_id):
    session = db_session()
    _job_or_404(session, key, job_id)
    run_migration_batch(session, job_id, current_user, batch_size())
    session.commit()
    return redirect(url_for("studio.migration_job", key=key, job_id=job_id))
