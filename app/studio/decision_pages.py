"""The studio's decision-table pages (issue 23): the list, the dmn-js editor page, each user's
drafts, validation, deploy, versions with their differences and "try it" on the table as
edited. (app/studio/decision_views.py answers the same work as JSON at /studio/dmn/, like the API.)

URL table (JSON endpoints take the DMN XML as the raw body, application/xml or text/xml, or
the form field `xml`; CSRF through the X-CSRFToken header):
  GET   /studio/decisions/                       decision_list     tables, versions, drafts (page)
  POST  /studio/decisions/new                    decision_new      form key, name -> 303 editor
  GET   /studio/decisions/<key>/edit             decision_editor   the dmn-js editor (page);
                                                                   ?version=N: that version, read-only
  GET   /studio/decisions/<key>/source.dmn       decision_source   ?version=N | ?draft=ID;
                                                                   default your draft, else the latest
                                                                   version, else anyone's newest draft
  POST  /studio/decisions/<key>/draft            decision_save     -> {saved_at_display, problems}
  POST  /studio/decisions/<key>/deploy           decision_deploy   -> {version, created} | 400 {problems}
  POST  /studio/decisions/<key>/try              decision_try      JSON {xml, decision_id, inputs}
                                                                   -> {matched_rules, output_rows, ...}
  GET   /studio/decisions/<key>/versions         decision_versions (page)
  GET   /studio/decisions/<key>/diff?a=N&b=M     decision_diff     rules added/removed/changed (page)
Validation is decision_views' POST /studio/dmn/validate. A problem is {element_id, message (the
page's language), message_en, message_fa}, found by modeling.decisions.check_decisions. Process owners (edit_diagrams) write and try; holders of
view_studio look.
"""
from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from modeling import decision_diff, decision_drafts, decision_trial, decisions
from models.errors import WorkflowError
from people.permissions import may

from . import bp
from .api_views import problems_json
from .pages import studio_access
from ..db import db_session
from ..decision_http import MAX_BYTES, posted_xml
from ..i18n import format_datetime, is_rtl, localize_digits, say_value, translate_error

BASE = "/decisions"


def _require(permission: str) -> None:
    if not may(current_user, permission):
        abort(403)


def _key(key: str) -> str:
    if not decision_drafts.KEY_RE.fullmatch(key):
        abort(404)
    return key


def _error_page(message: str, status: int = 400):
    return render_template("error.html", message=message), status


def _versions(session, key: str) -> list:
    """Every deployed version of the decision, newest first."""
    return decisions.decision_versions(session, key)


def _known(session, key: str) -> bool:
    """A deployed version or a current draft of the decision file exists."""
    return bool(_versions(session, key)) or decision_drafts.latest_draft(session, key) is not None


def _labels() -> dict:
    """The words the editor's script shows, in the page's language."""
    return {
        "loadFailed": _("The decision table could not be loaded:"),
        "noTable": _("The file has no decision table."),
        "saved": _("Draft saved."), "valid": _("No problems found."),
        "problemsFound": _("{count} problem(s) found."),
        "deployed": _("Version {version} deployed."),
        "unchanged": _("Nothing changed: version {version} is already deployed."),
        "deployRefused": _("Deploy refused: {count} problem(s)."), "failed": _("The request failed:"),
        "yes": _("Yes"), "no": _("No"),
    }


def _urls(key: str) -> dict:
    base = url_for("studio.decision_list") + key
    return {"source": f"{base}/source.dmn", "draft": f"{base}/draft", "deploy": f"{base}/deploy",
            "tryIt": f"{base}/try", "versions": f"{base}/versions",
            "validate": url_for("studio.dmn_validate")}


def _problems(xml: bytes) -> list:
    return decisions.check_decisions(xml)


def problems_payload(problems) -> list[dict]:
    """Problems as JSON, in the page's language, English and Persian."""
    return problems_json(problems)


def _unreadable(problems) -> bool:
    return decision_drafts.unreadable(problems)


@bp.route(f"{BASE}/")
@login_required
def decision_list():
    _require("view_studio")
    session = db_session()
    drafts = decision_drafts.current_drafts(session)
    rows = []
    for found in decisions.list_decisions(session):
        rows.append({"key": found.decision_key, "name": found.name or found.decision_key, "latest": found,
                     "drafts": drafts.pop(found.decision_key, [])})
    rows += [{"key": key, "name": key, "latest": None, "drafts": found} for key, found in sorted(drafts.items())]
    return render_template("studio/decisions.html", rows=rows, may_write=may(current_user, "edit_diagrams"),
                           user_id=current_user.id)


@bp.route(f"{BASE}/new", methods=["POST"])
@login_required
def decision_new():
    _require("edit_diagrams")
    session = db_session()
    try:
        draft = decision_drafts.new_table(session, request.form.get("key", ""), request.form.get("name", ""),
                                          current_user, lambda key: bool(_versions(session, key)))
    except WorkflowError as exc:
        return _error_page(translate_error(exc), exc.status)
    key = draft.process_key[len(decision_drafts.PREFIX):]
    return redirect(url_for("studio.decision_editor", key=key), code=303)


@bp.route(f"{BASE}/<key>/edit")
@login_required
def decision_editor(key):
    access = studio_access(current_user)
    if access is None:
        abort(403)
    session = db_session()
    if not _known(session, _key(key)):
        return _error_page(_("There is no decision table %(key)s.", key=say_value(key)), 404)
    urls, opened = _urls(key), None
    version = request.args.get("version", type=int)
    if version is not None:  # an earlier version, read-only (its XML is a deploy's, kept as it was)
        try:
            decisions.decision_version_xml(session, key, version)
        except WorkflowError as exc:
            return _error_page(translate_error(exc), exc.status)
        urls["source"] += f"?version={version}"
        opened = _("Version %(number)s", number=localize_digits(version))
    read_only = access == "view" or version is not None
    draft = None if version is not None else decision_drafts.current_draft(session, key, current_user)
    config = {"urls": urls, "labels": _labels(), "lang": "fa" if is_rtl() else "en", "readOnly": read_only}
    return render_template("studio/decision_editor.html", key=key, config=config, read_only=read_only,
                           draft=draft, opened=opened)


@bp.route(f"{BASE}/<key>/source.dmn")
@login_required
def decision_source(key):
    _require("view_studio")
    session = db_session()
    version, draft_id = request.args.get("version", type=int), request.args.get("draft", type=int)
    try:
        if draft_id is not None:
            xml = decision_drafts.get_draft(session, _key(key), draft_id).bpmn_xml
        elif version is not None:
            xml = decisions.decision_version_xml(session, _key(key), version)
        else:
            draft = decision_drafts.current_draft(session, _key(key), current_user, with_xml=True)
            if draft is not None:
                xml = draft.bpmn_xml
            else:
                found = _versions(session, key)
                if found:
                    xml = decisions.decision_version_xml(session, key, found[0].version)
                else:  # begun by someone else and not deployed yet: their newest draft
                    draft = decision_drafts.latest_draft(session, key, with_xml=True)
                    if draft is None:
                        abort(404)
                    xml = draft.bpmn_xml
    except WorkflowError:
        abort(404)
    return Response(xml, mimetype="application/xml")


def _checked_xml():
    """(xml, None) or (None, a 400 answer) for a body that is missing or too large."""
    try:
        xml = posted_xml()
    except WorkflowError as exc:
        return None, (jsonify(error=translate_error(exc)), exc.status)
    if not xml.strip():
        return None, (jsonify(error=_("Send the decision table's XML in the request body.")), 400)
    return xml, None


@bp.route(f"{BASE}/<key>/draft", methods=["POST"])
@login_required
def decision_save(key):
    _require("edit_diagrams")
    xml, refused = _checked_xml()
    if refused:
        return refused
    problems = _problems(xml)
    if _unreadable(problems):
        return jsonify(error=problems_payload(problems)[0]["message"], problems=problems_payload(problems)), 400
    draft = decision_drafts.save_draft(db_session(), _key(key), xml, current_user, problem_count=len(problems))
    return jsonify(saved_at_display=format_datetime(draft.saved_at), draft_id=draft.id,
                   problems=problems_payload(problems))


@bp.route(f"{BASE}/<key>/deploy", methods=["POST"])
@login_required
def decision_deploy(key):
    _require("edit_diagrams")
    xml, refused = _checked_xml()
    if refused:
        return refused
    session = db_session()
    problems = _problems(xml)
    if problems:
        return jsonify(problems=problems_payload(problems)), 400
    before = {v.decision_key: v.version for v in decisions.list_decisions(session)}
    try:
        first = decisions.deploy_decisions(session, xml, current_user, file_name=f"{_key(key)}.dmn")
    except WorkflowError as exc:
        return jsonify(error=translate_error(exc)), exc.status
    # The page's decision when the file still has it (a file may hold several), else the first.
    version = _versions(session, key)[0] if key in decision_trial.decision_ids(xml) else first
    decision_drafts.close_draft(session, key, current_user)
    return jsonify(version=version.version, version_display=localize_digits(version.version),
                   created=before.get(version.decision_key) != version.version, key=version.decision_key)


@bp.route(f"{BASE}/<key>/try", methods=["POST"])
@login_required
def decision_try(key):
    _require("edit_diagrams")
    if request.content_length and request.content_length > MAX_BYTES:
        return jsonify(error=_("The file is larger than 2 MB.")), 400
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("inputs", {}), dict):
        return jsonify(error=_("Send the table's XML and the inputs as a JSON object.")), 400
    xml = body.get("xml")
    decision_id = body.get("decision_id") or _key(key)
    if not isinstance(xml, str) or not xml.strip() or not isinstance(decision_id, str):
        return jsonify(error=_("Send the decision table's XML in the request body.")), 400
    problems = _problems(xml.encode("utf-8"))
    if problems:
        return jsonify(error=_("Fix the table's problems before trying it."),
                       problems=problems_payload(problems)), 400
    try:
        result = decision_trial.try_decision(xml.encode("utf-8"), decision_id, body.get("inputs") or {})
    except WorkflowError as exc:
        return jsonify(error=translate_error(exc)), exc.status
    matched = list(result.get("matched_rules") or [])
    indexes = [localize_digits(i) for i in (result.get("matched_indexes") or [])]
    matched_display = (_("Matched rule(s): %(rules)s", rules="، ".join(indexes) if is_rtl() else ", ".join(indexes))
                       if matched else _("No rule matched."))
    return jsonify(matched_rules=matched, matched_indexes=result.get("matched_indexes") or [],
                   matched_display=matched_display, output=result.get("output"),
                   output_rows=_output_rows(result.get("output")))


def _output_rows(output) -> list[list[str]]:
    """The output as (name, value) rows in the page's words; a list (collect) row by row."""
    items = output if isinstance(output, list) else [output]
    rows = []
    for number, item in enumerate(items, start=1):
        prefix = f"{localize_digits(number)}. " if len(items) > 1 else ""
        if isinstance(item, dict):
            rows += [[f"{prefix}{name}", say_value(value)] for name, value in item.items()]
        elif item is not None:
            rows.append([prefix or _("Output"), say_value(item)])
    return rows


@bp.route(f"{BASE}/<key>/versions")
@login_required
def decision_versions(key):
    _require("view_studio")
    session = db_session()
    found = _versions(session, _key(key))
    history = decision_drafts.draft_history(session, key)[:20]
    if not found and not history:
        abort(404)
    return render_template("studio/decision_versions.html", key=key, versions=found, history=history,
                           may_write=may(current_user, "edit_diagrams"))


@bp.route(f"{BASE}/<key>/diff")
@login_required
def decision_diff_page(key):
    _require("view_studio")
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a is None or b is None:
        return _error_page(_("Choose two versions to compare."))
    session = db_session()
    try:
        old = decisions.decision_version_xml(session, _key(key), a)
        new = decisions.decision_version_xml(session, key, b)
        tables = decision_diff.compare_decisions(old, new)
    except WorkflowError as exc:
        return _error_page(translate_error(exc), exc.status)
    return render_template("studio/decision_diff.html", key=key, a=a, b=b, tables=tables)
