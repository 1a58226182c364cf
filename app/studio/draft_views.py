"""Beginning a process, opening earlier versions and drafts, restoring them, and the guard that
refuses saving a diagram the modeler did not load whole (modeling/drafting.py).

URL table:
  POST  /studio/new                                  new_process     form key, name -> 303 modeler
  GET   /studio/<key>/open?version=N | ?draft=ID     open_earlier    the modeler, read-only (page)
  GET   /studio/<key>/drafts/<id>/source.bpmn        draft_source    an earlier draft's XML
  POST  /studio/<key>/drafts/<id>/restore            restore         -> 303 modeler (a new draft)
  POST  /studio/<key>/versions/<n>/restore           restore_version -> 303 modeler (a new draft)
A draft save (api_views.save_draft) asks save_refused first: the modeler sends X-Studio-Import
("ok" or "failed"), X-Studio-Base (SHA-256 of the text it opened) and, after the user agreed
that elements were deleted on purpose, X-Studio-Confirm: shrink.
"""
from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from modeling import drafting, studio
from models.errors import WorkflowError
from people.permissions import may

from . import bp
from ..db import db_session
from ..i18n import format_datetime, localize_digits, say_value, translate_error
from .pages import _urls, modeler_config, studio_access


def _error_page(message: str, status: int):
    return render_template("error.html", message=message), status


def save_refused(key: str, xml: bytes):
    """A 409 JSON answer if this draft save must be refused (see modeling.drafting), else None."""
    refusal = drafting.save_refusal(
        db_session(), key, xml, base_sha=request.headers.get("X-Studio-Base") or None,
        import_failed=request.headers.get("X-Studio-Import") == "failed",
        confirmed=request.headers.get("X-Studio-Confirm") == "shrink")
    if refusal is None:
        return None
    template, params = refusal
    shown = {k: localize_digits(v) if isinstance(v, int) else say_value(v) for k, v in params.items()}
    return jsonify(error=_(template).format(**shown), refused="shrink" if params else "import"), 409


@bp.route("/new", methods=["POST"])
@login_required
def new_process():
    if not may(current_user, "edit_diagrams"):
        abort(403)
    try:
        draft = drafting.new_process(db_session(), request.form.get("key", ""),
                                     request.form.get("name", ""), current_user)
    except WorkflowError as exc:
        return _error_page(translate_error(exc), exc.status)
    flash(_("Process %(key)s begun as a draft.", key=say_value(draft.process_key)), "success")
    return redirect(url_for("studio.modeler", key=draft.process_key), code=303)


@bp.route("/<key>/open")
@login_required
def open_earlier(key):
    """A deployed version or an earlier draft in the modeler, read-only, with a restore button."""
    if studio_access(current_user) is None:
        abort(403)
    if not studio.KEY_RE.fullmatch(key):
        abort(404)
    session = db_session()
    version, draft_id = request.args.get("version", type=int), request.args.get("draft", type=int)
    urls = _urls(key)
    try:
        if draft_id is not None:
            draft = drafting.get_draft(session, key, draft_id)
            urls["source"] = f"{urls['source'].rsplit('/', 1)[0]}/drafts/{draft.id}/source.bpmn"
            what = _("Draft saved %(when)s", when=format_datetime(draft.saved_at))
            restore = url_for("studio.restore", key=key, draft_id=draft.id)
        elif version is not None:
            chosen = studio.get_version(session, key, version)
            urls["source"] = f"{urls['source']}?version={chosen.version}"
            what = _("Version %(number)s", number=localize_digits(chosen.version))
            restore = url_for("studio.restore_version", key=key, number=chosen.version)
        else:
            return _error_page(_("Choose a version or a draft to open."), 400)
    except WorkflowError as exc:
        return _error_page(translate_error(exc), exc.status)
    return render_template("studio/modeler.html", key=key, config=modeler_config(key, True, urls),
                           read_only=True,
                           opened=what, restore_url=restore if may(current_user, "edit_diagrams") else None)


@bp.route("/<key>/drafts/<int:draft_id>/source.bpmn")
@login_required
def draft_source(key, draft_id):
    if studio_access(current_user) is None:
        abort(403)
    try:
        draft = drafting.get_draft(db_session(), key, draft_id)
    except WorkflowError:
        abort(404)
    return Response(draft.bpmn_xml, mimetype="application/xml")


def _restore(key, **which):
    if not may(current_user, "edit_diagrams"):
        abort(403)
    if not studio.KEY_RE.fullmatch(key):
        abort(404)
    try:
        drafting.restore_draft(db_session(), key, current_user, **which)
    except WorkflowError as exc:
        return _error_page(translate_error(exc), exc.status)
    flash(_("Restored as the current draft; the earlier drafts stay in the history."), "success")
    return redirect(url_for("studio.modeler", key=key), code=303)


@bp.route("/<key>/drafts/<int:draft_id>/restore", methods=["POST"])
@login_required
def restore(key, draft_id):
    return _restore(key, draft_id=draft_id)


@bp.route("/<key>/versions/<int:number>/restore", methods=["POST"])
@login_required
def restore_version(key, number):
    return _restore(key, version=number)
