"""Forms for process owners: preview, the form-js editor and the saved versions of each form.

Process owners edit; administrators may open every page but not save; others get 403.
A form's versions live in formjs.versions (the file in forms/ is version 1); a running
task keeps the version it was created with.

URL table:
  GET   /forms/                           form_list      every form, its latest version, who saved it
  POST  /forms/                           create         a new form (key, title) -> its editor (process_owner)
  GET   /forms/<key>/preview              preview        the latest version as a task shows it
  POST  /forms/<key>/preview              preview_schema the posted schema (JSON body) rendered (HTML fragment)
  GET   /forms/<key>/edit                 edit           the form-js editor on the latest version
  POST  /forms/<key>/validate             validate       JSON body: the schema -> {"ok", "problems"}
  GET   /forms/<key>/versions             versions       the versions of a form
  POST  /forms/<key>/versions             save           JSON body: the schema -> a new version (process_owner)
  GET   /forms/<key>/versions/<n>         version        one version, read-only
"""
import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from formjs import catalog as form_catalog

from formjs import schema_checks as form_schema_checks


from formjs import versions as form_versions
from models.errors import WorkflowError
from formjs.forms import FormNotFound, FormSchemaError, load_form, load_form_file
from people.permissions import may

from ..db import db_session
from ..i18n import N_, localize_digits, ltr, say_value, translate_error

bp = Blueprint("forms", __name__)

PROBLEMS = {
    "json": N_("The schema is not valid JSON: %(detail)s"),
    "too_large": N_("The schema is too large."),
    "shape": N_("The schema must be a form-js object with a list of components."),
    "root_type": N_("The form's type must be default, not %(type)s."),
    "component_shape": N_("The component %(where)s is not an object with a type."),
    "type": N_("The component %(where)s has the type %(type)s, which task pages cannot show."),
    "key_missing": N_("The field %(where)s has no key."),
    "key_invalid": N_("The key %(key)s is not a valid name: a letter or _, then letters, digits or _."),
    "key_duplicate": N_("The key %(key)s is used more than once."),
    "path_invalid": N_("The path %(key)s is not a valid name."),
    "path_missing": N_("The dynamic list %(where)s has no path."),
    "condition": N_("The condition of %(where)s cannot be evaluated: %(detail)s"),
    "properties": N_("The custom properties of %(where)s must be an object of names and values."),
    "rows_limit": N_("The dynamic list %(where)s declares minRows or maxRows wrongly: whole numbers from 0 to %(limit)s, the minimum not above the maximum."),
    "rows_source": N_("The dynamic list %(where)s names its first rows wrongly: rowsFrom is a path in the task data (or .), rowsMap pairs its own fields with the source's (name=reporter, outlet)."),
    "not_before": N_("The date %(where)s must not be before %(other)s, but %(other)s is not another date field of this form."),
    "not_in_past": N_("notInPast of %(where)s must be true or false, on a date field."),
    "not_in_future": N_("notInFuture of %(where)s must be true or false, on a date field."),
    "max_days_ago": N_("maxDaysAgo of %(where)s must be a whole number of days, on a date field."),
    "required_when": N_("The condition requiredWhen of %(where)s cannot be evaluated: %(detail)s"),
    "check": N_("The field %(where)s asks for the check %(check)s; the one known is national_id, on a text field."),
    "key_used": N_("The key %(key)s is no longer in the form, but the diagram %(process)s still mentions it."),
}


def _require_viewer():
    if not may(current_user, "preview_forms"):
        abort(403)


def _not_found(key):
    return render_template("error.html", message=_("There is no form %(key)s.", key=key)), 404


def _known(key) -> bool:
    return form_catalog.form_exists(db_session(), key)


def _problem_json(problem: form_schema_checks.Problem) -> dict:
    # Keys, paths and form-js words isolated, a FEEL or JSON detail said in the page's language.
    params = {k: say_value(v) for k, v in problem.params.items()}
    return {"level": problem.level, "code": problem.code,
            "message": _(PROBLEMS.get(problem.code, problem.code), **params),
            "where": problem.params.get("where") or problem.params.get("key")}


def _posted_schema():
    """(schema, problems) of the JSON body: a JSON problem, or the checks of the schema."""
    schema, problems = form_schema_checks.parse_schema_text(request.get_data(cache=True))
    return schema, problems


@bp.route("/forms/")
@login_required
def form_list():
    _require_viewer()
    return _list_page()


def _list_page(values=None, errors=None, message=None, status=200):
    session = db_session()
    latest = form_versions.latest_rows(session)
    forms = []
    for key in form_catalog.all_form_keys(session):
        try:
            title = _form_title(load_form(key, session=session))
        except (FormNotFound, FormSchemaError):
            title = ""
        forms.append({"key": key, "title": title, "latest": latest.get(key)})
    return render_template("forms/list.html", forms=forms, may_edit=may(current_user, "edit_forms"),
                           values=values or {}, errors=errors or {}, message=message), status


@bp.route("/forms/", methods=["POST"])
@login_required
def create():
    _require_viewer()
    if not may(current_user, "edit_forms"):
        abort(403)
    values = {"key": request.form.get("key", ""), "title": request.form.get("title", "")}
    try:
        form_catalog.create_form(db_session(), values["key"], values["title"], current_user)
    except WorkflowError as exc:
        return _list_page(values, exc.details, translate_error(exc), exc.status)
    flash(_("The form was created: add its fields and save."), "success")
    return redirect(url_for(".edit", key=values["key"].strip()), code=303)


def _form_title(schema) -> str:
    """The first heading of the form's first text, without its hashes."""
    for comp in schema.get("components") or []:
        if isinstance(comp, dict) and comp.get("type") == "text":
            for line in str(comp.get("text") or "").splitlines():
                if line.strip():
                    return line.lstrip("#").strip()
    return ""


@bp.route("/forms/<key>/preview")
@login_required
def preview(key):
    _require_viewer()
    try:
        schema = load_form(key, session=db_session())
    except FormNotFound:
        return _not_found(key)
    return render_template("forms/preview.html", key=key, schema=schema)


@bp.route("/forms/<key>/preview", methods=["POST"])
@login_required
def preview_schema(key):
    """The editor's Preview: the posted schema drawn by the task pages' renderer."""
    _require_viewer()
    if not _known(key):
        abort(404)
    schema, problems = _posted_schema()
    if not problems:
        problems = [p for p in form_schema_checks.check_schema(None, key, schema) if p.code == "shape"]
    if problems:
        return jsonify({"ok": False, "problems": [_problem_json(p) for p in problems]}), 400
    return render_template("forms/_preview_fragment.html", schema=schema)


@bp.route("/forms/<key>/edit")
@login_required
def edit(key):
    _require_viewer()
    if not _known(key):
        return _not_found(key)
    session = db_session()
    latest = form_versions.latest_row(session, key)
    try:
        schema = latest.schema if latest else load_form_file(key)
    except FormSchemaError:
        schema = {"type": "default", "components": []}
    return render_template("forms/edit.html", key=key, schema=schema, latest=latest,
                           may_edit=may(current_user, "edit_forms"))


@bp.route("/forms/<key>/validate", methods=["POST"])
@login_required
def validate(key):
    _require_viewer()
    if not _known(key):
        abort(404)
    schema, problems = _posted_schema()
    if not problems:
        problems = form_schema_checks.check_schema(db_session(), key, schema)
    return jsonify({"ok": not any(p.level == "error" for p in problems),
                    "problems": [_problem_json(p) for p in problems]})


@bp.route("/forms/<key>/versions")
@login_required
def versions(key):
    _require_viewer()
    if not _known(key):
        return _not_found(key)
    rows = form_versions.list_versions(db_session(), key)
    return render_template("forms/versions.html", key=key, rows=rows,
                           may_edit=may(current_user, "edit_forms"))


@bp.route("/forms/<key>/versions", methods=["POST"])
@login_required
def save(key):
    if not may(current_user, "edit_forms"):
        abort(403)
    if not _known(key):
        abort(404)
    session = db_session()
    schema, problems = _posted_schema()
    if not problems:
        problems = form_schema_checks.check_schema(session, key, schema)
    if any(p.level == "error" for p in problems):
        return jsonify({"ok": False, "problems": [_problem_json(p) for p in problems]}), 400
    try:
        row, created = form_versions.save_version(session, key, schema, current_user)
        session.commit()
    except form_versions.VersionConflict:
        session.rollback()
        return jsonify({"ok": False, "problems": [], "message": _(
            "Someone saved this form at the same time. Reload the page and try again.")}), 409
    message = (_("Version %(n)s of the form is saved.", n=localize_digits(row.version)) if created
               else _("Nothing changed: the latest version is %(n)s.", n=localize_digits(row.version)))
    return jsonify({"ok": True, "created": created, "version": row.version, "message": message,
                    "url": url_for("forms.version", key=key, number=row.version),
                    "problems": [_problem_json(p) for p in problems]}), 201 if created else 200


@bp.route("/forms/<key>/versions/<int:number>")
@login_required
def version(key, number):
    _require_viewer()
    if not _known(key):
        return _not_found(key)
    session = db_session()
    row = form_versions.get_version(session, key, number)
    if row is not None:
        schema = row.schema
    elif number == 1 and form_versions.latest_row(session, key) is None:
        schema = load_form_file(key)  # not stored yet: the file is version 1
    else:
        return render_template("error.html", message=_(
            "The form %(key)s has no version %(n)s.", key=ltr(key), n=localize_digits(number))), 404
    return render_template("forms/version.html", key=key, number=number, row=row, schema=schema,
                           schema_json=json.dumps(schema, ensure_ascii=False, indent=2))
