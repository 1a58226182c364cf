"""Drafts, validation, deploy, versions and their differences, import and export of diagrams.

URL table (JSON endpoints take the XML as the raw body, application/xml or text/xml, or as
the form field `xml`; CSRF through the X-CSRFToken header):
  GET   /studio/                           index        processes, drafts, import form (page)
  GET   /studio/<key>/source.bpmn          source       ?version=N | ?draft=1; default draft, else latest
  POST  /studio/<key>/draft                save_draft   -> {saved_at, saved_at_display, problems, timers}
  POST  /studio/validate                   validate     -> {ok, problems, timers}
  POST  /studio/<key>/deploy               deploy       body, or empty = the draft -> {version, created}
                                                        | 400 {problems} (every one)
  POST  /studio/import                     import_file  multipart `file` -> 303 to the modeler page
  GET   /studio/<key>/export.bpmn          export       ?version=N | ?draft=1 (attachment)
  GET   /studio/<key>/versions             versions     (page)
  GET   /studio/<key>/diff?a=N&b=M         diff         (page)
A problem is {element_id, message (in the page's language), message_en, message_fa, line, kind,
category (schema, references, sandbox, forms, roles, timers, reachability, engine)},
found by modeling.validation.check_diagram (the CLI and the API ask the same); a timer is
{element_id, kind, expression, meaning (in the page's language), meaning_fa, meaning_en}.
Process owners write; administrators and auditors read.
"""
from datetime import timezone

from flask import (Response, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from modeling import studio
from modeling.deploy import list_versions
from models.errors import BpmnValidationError, WorkflowError
from modeling.diff import compare, unified
from modeling.validation import category_of
from engine import append_operator_event, parse_bpmn_xml
from people.permissions import may

from . import bp
from .draft_views import save_refused  # refuses saving a diagram the modeler did not load whole
from ..db import db_session
from ..i18n import N_, format_datetime, is_rtl, localize_digits, say, say_value, translate_error

FIELD_LABELS = {
    "name": N_("Name"), "type": N_("Element type"), "incoming": N_("Incoming flows"),
    "outgoing": N_("Outgoing flows"), "source": N_("Source"), "target": N_("Target"),
    "form": N_("Form"), "lane": N_("Lane"), "timer": N_("Timer"), "condition": N_("Condition"),
    "script": N_("Script"), "attached_to": N_("Attached to"),
}


def _require(permission: str) -> None:
    if not may(current_user, permission):
        abort(403)


def _valid_key(key: str) -> str:
    if not studio.KEY_RE.fullmatch(key):
        abort(404)
    return key


def translate_problem(problem) -> str:
    """A problem's message in the page's language, with the element's name filled in."""
    params = {k: _(v) if k in problem.terms else say_value(v) for k, v in problem.params.items()}
    return _(problem.template).format(**params)


def translate_problem_in(problem, locale: str) -> str:
    """A problem's message in a given language ("en" is its English template filled in)."""
    if locale == "en":
        return problem.message
    with force_locale(locale):
        return translate_problem(problem)


def problems_json(problems) -> list[dict]:
    """Problems as JSON: the page's language, English and Persian."""
    return [{**p.as_dict(), "category": category_of(p), "message": translate_problem(p), "message_en": p.message,
             "message_fa": translate_problem_in(p, "fa")} for p in problems]


def timers_json(xml, problems=()) -> list[dict]:
    """Every timer's meaning as JSON (modeling.timer_meaning), in the page's language too; not
    for a timer with a problem."""
    return [{**t, "meaning": t["meaning_fa"] if is_rtl() else t["meaning_en"]}
            for t in studio.timers_of(xml, problems)]


def _posted_xml() -> bytes:
    """The XML of a request: the form field `xml`, else the raw body."""
    if request.content_length and request.content_length > studio.MAX_BYTES:
        abort(413)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("xml", "").encode("utf-8")
    return request.get_data()


def modeler_url(key: str) -> str:
    """The modeler page of a process (app/studio/pages.py), or the URL it will have."""
    try:
        return url_for("studio.modeler", key=key)
    except BuildError:
        return url_for("studio.index") + f"{key}/edit"


def _iso(moment) -> str | None:
    return moment.replace(tzinfo=timezone.utc).isoformat() if moment else None


@bp.route("/")
@login_required
def index():
    _require("view_studio")
    return render_template("studio/index.html", rows=studio.overview(db_session()),
                           may_write=may(current_user, "edit_diagrams"), modeler_url=modeler_url)


@bp.route("/<key>/source.bpmn")
@login_required
def source(key):
    _require("view_studio")
    try:
        xml, _what = studio.source(db_session(), _valid_key(key), request.args.get("version", type=int),
                                   draft=request.args.get("draft") == "1")
    except WorkflowError:
        abort(404)
    return Response(xml, mimetype="application/xml")


@bp.route("/<key>/draft", methods=["POST"])
@login_required
def save_draft(key):
    _require("edit_diagrams")
    xml = _posted_xml()
    if not xml.strip():
        return jsonify(error=_("Send the diagram's XML in the request body.")), 400
    refused = save_refused(_valid_key(key), xml)
    if refused is not None:
        return refused
    draft, problems = studio.save_draft(db_session(), _valid_key(key), xml, current_user)
    return jsonify(saved_at=_iso(draft.saved_at), saved_at_display=format_datetime(draft.saved_at),
                   problems=problems_json(problems), timers=timers_json(xml, problems))


@bp.route("/validate", methods=["POST"])
@login_required
def validate():
    _require("view_studio")
    xml = _posted_xml()
    problems = studio.check_diagram(db_session(), xml)
    return jsonify(ok=not problems, problems=problems_json(problems), timers=timers_json(xml, problems))


@bp.route("/<key>/deploy", methods=["POST"])
@login_required
def deploy(key):
    _require("edit_diagrams")
    try:
        version, created = studio.deploy(db_session(), _valid_key(key), _posted_xml(), current_user)
    except studio.StudioRefused as exc:
        return jsonify(problems=problems_json(exc.problems)), 400
    except WorkflowError as exc:
        return jsonify(error=translate_error(exc)), exc.status
    except BpmnValidationError as exc:  # deploy_process refused what validation let through
        return jsonify(error="; ".join(say(e.message) for e in exc.errors), problems=[
            {"element_id": e.element_id, "message": say(e.message), "line": e.line, "kind": "bpmn"}
            for e in exc.errors]), 400
    return jsonify(version=version.version, created=created, key=version.process_key)


def _error_page(message: str, status: int = 400):
    return render_template("error.html", message=message), status


def _repaired(data: bytes):
    # Looked up at call time: the repairs are filled in by another module (and stubbed in tests).
    from modeling import repair as bpmn_repair
    try:
        return bpmn_repair.repair_bpmn(data)
    except Exception:  # noqa: BLE001 - a failed repair must not lose the upload: import it as it is
        current_app.logger.exception("repair_bpmn failed; importing the file unrepaired")
        return bpmn_repair.RepairResult(data, [])


@bp.route("/import", methods=["POST"])
@login_required
def import_file():
    _require("edit_diagrams")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _error_page(_("Choose a BPMN file to import."))
    if not upload.filename.lower().endswith((".bpmn", ".xml")):
        return _error_page(_("Only .bpmn or .xml files can be imported."))
    data = upload.read(studio.MAX_BYTES + 1)
    if len(data) > studio.MAX_BYTES:
        return _error_page(_("The file is larger than 5 MB."), 413)
    try:
        parse_bpmn_xml(data, max_bytes=studio.MAX_BYTES)
    except BpmnValidationError as exc:
        error = exc.errors[0]
        message = (_("The file cannot be read (line %(line)s): %(detail)s", line=localize_digits(error.line), detail=say(error.message))
                   if error.line else _("The file cannot be read: %(detail)s", detail=say(error.message)))
        return _error_page(message)
    result = _repaired(data)
    key = studio.import_key_of(result.xml, upload.filename or "")
    if key is None:
        return _error_page(_("The file has no executable process with a usable id."))
    _draft, problems = studio.save_draft(db_session(), key, result.xml, current_user, source="import")
    if result.notes:  # the diagram was changed on the way in: who, when and what, in the chain
        append_operator_event(db_session(), "diagram_repaired", actor=current_user,
                              reason="; ".join(str(note) for _element, note in result.notes),
                              data={"process_key": key, "filename": upload.filename, "fixes": [
                                  [element_id, getattr(note, "template", str(note)),
                                   getattr(note, "params", {})]
                                  for element_id, note in result.notes]})
    for element_id, note in result.notes:
        flash(_("Fixed on import (%(element)s): %(note)s",
                element=say_value(element_id) if element_id else "—", note=say(note)), "info")
    for problem in problems:
        flash(translate_problem(problem), "warning")
    flash(_("Imported as the draft of process %(key)s.", key=say_value(key)), "success")
    return redirect(modeler_url(key), code=303)


@bp.route("/<key>/export.bpmn")
@login_required
def export(key):
    _require("view_studio")
    number = request.args.get("version", type=int)
    try:
        if request.args.get("draft") == "1":
            xml, what = studio.source(db_session(), _valid_key(key), draft=True)
        else:
            chosen = studio.get_version(db_session(), _valid_key(key), number)
            xml, what = chosen.bpmn_xml, f"v{chosen.version}"
    except WorkflowError:
        abort(404)
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-{what}.bpmn"'})


@bp.route("/<key>/versions")
@login_required
def versions(key):
    _require("view_studio")
    session = db_session()
    found = list_versions(session, _valid_key(key))
    draft = studio.current_draft(session, key)
    if not found and draft is None:
        abort(404)
    return render_template("studio/versions.html", key=key, versions=found, draft=draft,
                           running=studio.running_counts(session, key),
                           history=studio.draft_history(session, key)[:20],
                           modeler_url=modeler_url(key), may_write=may(current_user, "edit_diagrams"))


@bp.route("/<key>/diff")
@login_required
def diff(key):
    _require("view_studio")
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a is None or b is None:
        return _error_page(_("Choose two versions to compare."))
    session = db_session()
    try:
        version_a = studio.get_version(session, _valid_key(key), a)
        version_b = studio.get_version(session, key, b)
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    return render_template("studio/diff.html", key=key, a=version_a, b=version_b,
                           changes=compare(version_a.bpmn_xml, version_b.bpmn_xml),
                           text_diff=unified(version_a.bpmn_xml, version_b.bpmn_xml,
                                             f"v{a}", f"v{b}"),
                           field_labels=FIELD_LABELS)
