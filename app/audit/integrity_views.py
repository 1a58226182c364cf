"""The hash chain of every instance's events and the daily digests of chain heads.

URL table:
  GET  /audit/integrity               integrity      (?scope=all: every chain; ?instance=ID: one)
  GET  /audit/digests                 digests        (the daily digests, an upload form)
  GET  /audit/digests/<day>.json      digest_json    (one day's digest as a JSON attachment)
  POST /audit/digests/check           check_digest   (a kept digest file → what changed since)
"""
import json
from datetime import date
from functools import wraps
from itertools import groupby, islice

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from audit import integrity
from models.audit import ChainDigest
from people.permissions import may

from ..db import db_session
from . import bp

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
        problems, checked = integrity.check_instance(session, instance_id), 1
    elif scope == "all":
        problems = list(islice(integrity.check_all(session), MAX_PROBLEMS))
        checked = integrity.instance_count(session)
    return render_template("audit/integrity.html", problems=problems, by_instance=_grouped(problems),
                           checked=checked, instance_id=instance_id,
                           truncated=problems is not None and len(problems) >= MAX_PROBLEMS)


@bp.route("/digests")
@auditor_required
def digests():
    return render_template("audit/digests.html", digests=integrity.list_digests(db_session()))


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
    body = json.dumps(integrity.digest_export(digest), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="chain-digest-{wanted.isoformat()}.json"'})


@bp.route("/digests/check", methods=["POST"])
@auditor_required
def check_digest():
    upload = request.files.get("digest")
    content = upload.read() if upload else request.form.get("digest_text", "").encode("utf-8")
    try:
        problems = integrity.compare_with_digest(db_session(), content)
        kept = integrity.parse_digest_file(content)
    except integrity.DigestFileError:
        return render_template("audit/digest_check.html", error=_("This file is not a chain digest."),
                               problems=None, kept=None), 400
    return render_template("audit/digest_check.html", error=None, problems=problems, kept=kept,
                           by_instance=_grouped(problems))


def _grouped(problems) -> list:
    """[(instance_id, [problems])] in the order found."""
    return [(key, list(group)) for key, group in groupby(problems or [], key=lambda p: p.instance_id)]
