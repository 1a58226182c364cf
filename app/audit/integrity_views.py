"""The hash chain of every instance's events and the daily digests of chain heads.

URL table:
  GET  /audit/integrity               integrity      (?scope=all: every chain; ?instance=ID: one)
  GET  /audit/digests                 digests        (the daily digests, an upload form)
  GET  /audit/digests/<day>.json      digest_json    (one day's digest as a JSON attachment)
  POST /audit/digests/check           check_digest   (a kept digest file → what changed since)
  GET  /audit/actions                 operator_actions (the city-wide chain of operator actions)
"""
import json
from datetime import date
from functools import wraps
from itertools import groupby, islice

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from audit.digests import (DigestFileError, compare_with_digest, digest_export, list_digests,
                           parse_digest_file)
from audit.event_chain import check_all, check_instance, instance_count
from audit.operator_chain import check_city_chain
from engine import list_operator_events
from models.audit import ChainDigest
from people.permissions import may

from ..db import db_session
from ..i18n import N_, chain_explanation, localize_digits
from . import bp
from .keys import digest_signer, trusted_public_keys
from audit.signing import SigningKeyError

MAX_PROBLEMS = 1000  # a page, not a dump: a database rewritten wholesale still renders


def auditor_required(view):
    """Let the view run only for a city-wide auditor or administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "audit"):
            return render_template("error.html", message=_("Only an auditor may open this page.")), 403
        return view(*args, **kwargs)
    return wrapper


@bp.route("/integrity")
@auditor_required
def integrity_page():
    session, scope = db_session(), request.args.get("scope", "")
    instance_id = request.args.get("instance", type=int)
    problems, checked = None, 0
    if instance_id is not None:
        problems, checked = check_instance(session, instance_id), 1
    elif scope == "all":
        problems = list(islice(check_all(session), MAX_PROBLEMS))
        checked = instance_count(session)
    return render_template("audit/integrity.html", problems=problems, by_instance=_grouped(problems),
                           checked=checked, instance_id=instance_id,
                           truncated=problems is not None and len(problems) >= MAX_PROBLEMS)


OPERATOR_LABELS = {
    "legal_hold_placed": N_("Legal hold placed"), "legal_hold_released": N_("Legal hold released"),
    "disposal_proposed": N_("Destruction proposed to the records committee"),
    "disposal_approved": N_("Destruction approved by the records committee"),
    "record_destroyed": N_("Record destroyed"), "record_archived": N_("Record archived"),
    "instance_migrated": N_("Instance moved to another version"),
    "instances_migration_started": N_("Bulk move of instances to another version started"),
    "instances_migration_finished": N_("Bulk move of instances to another version finished"),
    "process_deployed": N_("Process version deployed"),
    "decision_deployed": N_("Decision table version deployed"),
    "diagram_repaired": N_("Diagram repaired on import"),
    "role_granted": N_("Role granted"), "role_revoked": N_("Role removed"),
    "role_created": N_("Role added"), "substitute_named": N_("Substitute named"),
    "substitution_ended": N_("Substitution ended"),
    "calendar_entry_added": N_("Working calendar entry added"),
    "calendar_entry_removed": N_("Working calendar entry removed"),
    "api_key_created": N_("API key created"), "api_key_revoked": N_("API key revoked"),
}
MAX_ACTIONS = 500
# The details an action's row shows, in this order (the rest stays in the chain and the export).
DETAIL_LABELS = {
    "record_code": N_("Record"), "record_id": N_("Number"), "instance_id": N_("Instance"),
    "process_key": N_("Process"), "version": N_("Version"), "from_version": N_("From version"),
    "to_version": N_("To version"), "filename": N_("File"),
    "decision_key": N_("Decision"), "file_name": N_("File"), "username": N_("User"),
    "role": N_("Role"), "day": N_("Day"), "api_key_id": N_("Key"), "prefix": N_("Key prefix"),
}
RULE_TYPES = {"disposal_proposed", "disposal_approved", "record_destroyed", "record_archived"}


def action_details(action) -> list[tuple[str, str]]:
    """(label, value) pairs of an operator action's row, in the page's language."""
    data = action.data or {}
    return [(_(label), str(data[key])) for key, label in DETAIL_LABELS.items()
            if data.get(key) not in (None, "")]


def _fix_text(fix) -> str:
    """A repair's note in the page's language (as stored, if it no longer formats)."""
    try:
        _element, template, params = fix
        return _(template).format(**params)
    except (ValueError, KeyError, IndexError, TypeError):
        return str(fix)


def action_reason(action) -> str:
    """Why: the operator's words, or for a disposal the end of the register's retention period."""
    data = action.data or {}
    if action.type == "diagram_repaired" and data.get("fixes"):  # the repairs, translated
        return "؛ ".join(_fix_text(fix) for fix in data["fixes"])
    if action.type in RULE_TYPES and data.get("retention_months") is not None and (
            data.get("reason") or "").startswith(str(data.get("record_code"))):
        return _("The retention period of %(months)s months in the register ended.",
                 months=localize_digits(data["retention_months"]))
    return data.get("reason") or "—"


def _signing_key():
    """(the signer, or None, and the message when there is none) for the digests page."""
    try:
        return digest_signer(current_app.config), None
    except SigningKeyError as exc:
        return None, str(exc)


def _trusted_keys() -> list:
    try:
        return trusted_public_keys(current_app.config)
    except SigningKeyError:
        return []


@bp.route("/digests")
@auditor_required
def digests():
    signer, key_problem = _signing_key()
    return render_template("audit/digests.html", digests=list_digests(db_session()),
                           signer=signer, key_problem=key_problem)


@bp.route("/actions")
@auditor_required
def operator_actions():
    session = db_session()
    problems = check_city_chain(session)
    actions = list_operator_events(session, limit=MAX_ACTIONS, newest_first=True)
    return render_template("audit/operator_actions.html", actions=actions,
                           problems=[chain_explanation(p) for p in problems],
                           label=lambda kind: _(OPERATOR_LABELS[kind]) if kind in OPERATOR_LABELS else kind,
                           details=action_details, reason=action_reason)


@bp.route("/digests/<day>.json")
@auditor_required
def digest_json(day):
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    digest = db_session().scalars(select(ChainDigest).where(ChainDigest.day == wanted)).first()
    if digest is None:
        abort(404)
    signer, _problem = _signing_key()
    body = json.dumps(digest_export(digest, signer.public_text if signer else None),
                      ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="chain-digest-{wanted.isoformat()}.json"'})


@bp.route("/digests/check", methods=["POST"])
@auditor_required
def check_digest():
    upload = request.files.get("digest")
    content = upload.read() if upload else request.form.get("digest_text", "").encode("utf-8")
    try:
        problems = compare_with_digest(db_session(), content,
                                       public_key=_trusted_keys() or None)
        kept = parse_digest_file(content)
    except DigestFileError:
        return render_template("audit/digest_check.html", error=_("This file is not a chain digest."),
                               problems=None, kept=None), 400
    return render_template("audit/digest_check.html", error=None, problems=problems, kept=kept,
                           by_instance=_grouped(problems))


def _grouped(problems) -> list:
    """[(instance_id, [problems])] in the order found."""
    return [(key, list(group)) for key, group in groupby(problems or [], key=lambda p: p.instance_id)]
