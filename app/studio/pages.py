"""The studio page of a process: the bpmn-js Modeler with its properties panel.

URL table:
  GET   /studio/<key>/edit        modeler   (process_owner edits; admin and auditor look, read-only)

The page only draws; the diagram comes from and goes to the JSON endpoints of api_views
(source.bpmn, draft, validate, deploy, export.bpmn, versions), which check rights again.
"""
from urllib.parse import quote

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from modeling import studio
from formjs.catalog import all_form_keys
from models import ProcessVersion
from people.permissions import may
from connectors import connector_parameters, enabled_connectors
from people.catalogue import roles_of

from ..db import db_session
from ..i18n import is_rtl
from . import bp

def studio_access(user) -> str | None:
    """'edit', 'view' (read-only) or None (no access) to the studio."""
    if may(user, "edit_diagrams"):
        return "edit"
    if may(user, "view_studio"):
        return "view"
    return None


def _process_exists(session, key: str) -> bool:
    """A deployed version or a draft (a process imported or begun in the studio) exists."""
    if not studio.KEY_RE.fullmatch(key):
        return False
    found = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == key).limit(1))
    return found is not None or studio.current_draft(session, key) is not None


def _labels() -> dict:
    """The strings the studio's script shows, in the page's language."""
    return {
        "group": _("This system"), "form": _("Form"), "noForm": _("(no form)"),
        "missingForm": _("no such form"), "dueDays": _("Due in working days"),
        "dueHours": _("Due in working hours"), "dueVariable": _("Due date from variable"),
        "notANumber": _("Must be a number."),
        "noticeOnOpen": _("Tell the citizen when it opens"),
        "noticeOnComplete": _("Tell the citizen when it is completed"),
        "caseForms": _("Earlier forms its page shows"),
        "caseFormsHint": _("Form keys separated by commas, or none; empty: every earlier step"),
        "noticeHint": _("Notices separated by ;, e.g. answer_ready: reply_text; satisfaction_check"), "role": _("Role of the lane"), "noRole": _("(no role)"),
        "notARole": _("names no role"), "condition": _("Condition (Python)"),
        "conditionHint": _('A Python expression on the task data, e.g. complaint_type == "service"'),
        "script": _("Script (Python)"),
        "scriptHint": _("Python run in the sandbox on the task data."),
        "timerHint": _('Timer values are Python expressions: "P10D" (quoted) or add_working_hours(referred_at, 72).'),
        "line": _("line"), "loadFailed": _("The diagram could not be loaded:"),
        "saved": _("Draft saved."), "valid": _("No problems found."),
        "problemsFound": _("{count} problem(s) found."),
        "deployed": _("Version {version} deployed."),
        "unchanged": _("Nothing changed: version {version} is already deployed."),
        "deployRefused": _("Deploy refused: {count} problem(s)."), "failed": _("The request failed:"),
        "saveDisabled": _("Saving and deploying are off until the whole diagram is loaded."),
        "connector": _("Connector"), "noConnector": _("(no connector)"),
        "notAConnector": _("no such connector"), "parameter": _("Parameter"),
        "parameterHint": _("A Python expression on the task data, e.g. tracking_code"),
        "resultVariable": _("Variable for the whole answer (optional)"),
    }


@bp.route("/<key>/edit")
@login_required
def modeler(key):
    access = studio_access(current_user)
    if access is None:
        abort(403)
    if not _process_exists(db_session(), key):
        return render_template("error.html", message=_("There is no process %(key)s.", key=key)), 404
    read_only = access == "view"
    return render_template("studio/modeler.html", key=key, config=modeler_config(key, read_only),
                           read_only=read_only)


def modeler_config(key: str, read_only: bool, urls: dict | None = None) -> dict:
    """The settings the studio's script reads from the page (#studio-config)."""
    return {
        "urls": urls or _urls(key),
        "forms": all_form_keys(db_session()),
        "roles": [{"code": r.code, "title_fa": r.title_fa, "title_en": r.title_en} for r in roles_of(db_session()).roles],
        "labels": _labels(), "lang": "fa" if is_rtl() else "en", "readOnly": read_only,
        # The connectors a service task may call, with their parameters (/admin/connectors).
        "connectors": [{"name": c.name, "title": c.title, "kind": c.kind,
                        "parameters": connector_parameters(c)}
                       for c in enabled_connectors(db_session())],
    }


def _urls(key: str) -> dict:
    """The api_views endpoints by the agreed paths (built here, not with url_for, so that this
    page does not depend on the names that module gives its view functions)."""
    base = f"{bp.url_prefix}/{quote(key, safe='')}"
    return {"source": f"{base}/source.bpmn", "draft": f"{base}/draft", "deploy": f"{base}/deploy",
            "export": f"{base}/export.bpmn", "versions": f"{base}/versions",
            "validate": f"{bp.url_prefix}/validate"}
