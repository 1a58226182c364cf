"""Moving running instances of a process to a newer version (engine.migration).

URL table:
  GET  /studio/<key>/migrate   migrate_page     running instances of older versions, grouped by
                                                 version, each with the check against the target
                                                 (?target=<version number>, default the latest)
  POST /studio/<key>/migrate   migrate_submit   ids + target (a version id): moves each checked
                                                 instance or refuses it; the result page
Process owners only (others get a 403 page).
"""
from functools import wraps
from itertools import groupby

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from modeling.deploy import list_versions
from engine import MIGRATION_TEMPLATES as TEMPLATES, check_migration, migrate_instances, running_instances
from models import Instance
from people.permissions import may

from ..db import db_session
from ..i18n import STATUS_LABELS, N_, localize_digits
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
    N_("The stored state cannot be read: {error}"),
)


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
             else _(STATUS_LABELS[v]) if v in STATUS_LABELS else v for k, v in problem.params.items()}
    return _(problem.template).format(**shown)


def _versions_or_404(session, key: str):
    versions = list_versions(session, key)  # newest first
    if not versions:
        abort(404)
    return versions


@bp.route("/<key>/migrate", methods=["GET"])
@process_owner_required
def migrate_page(key):
    session = db_session()
    versions = _versions_or_404(session, key)
    latest = versions[0]
    wanted = request.args.get("target", type=int)
    target = next((v for v in versions if v.version == wanted), latest)
    older = [i for i in running_instances(session, key) if i.version.version < latest.version]
    checked = [(instance, check_migration(session, instance, target)) for instance in older]
    groups = [(version, list(rows)) for version, rows
              in groupby(checked, key=lambda row: row[0].version.version)]
    return render_template("studio/migrate.html", key=key, versions=versions, latest=latest,
                           target=target, groups=groups, problem_text=problem_text)


@bp.route("/<key>/migrate", methods=["POST"])
@process_owner_required
def migrate_submit(key):
    session = db_session()
    versions = _versions_or_404(session, key)
    target_id = request.form.get("target", type=int)
    target = next((v for v in versions if v.id == target_id), None)
    if target is None:
        abort(400)
    ids = [i for i in request.form.getlist("ids", type=int)]
    if not ids:
        return render_template("studio/migrate_result.html", key=key, target=target, migrated=[],
                               refused=[], none_chosen=True, problem_text=problem_text)
    migrated_ids, refused = migrate_instances(session, ids, target.id, current_user,
                                              request.form.get("reason", ""))
    migrated = [session.get(Instance, i) for i in migrated_ids]
    refused_rows = [(i, session.get(Instance, i), problems) for i, problems in refused.items()]
    return render_template("studio/migrate_result.html", key=key, target=target, migrated=migrated,
                           refused=refused_rows, none_chosen=False, problem_text=problem_text)
