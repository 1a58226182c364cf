"""The connectors service tasks call (permission manage_connectors; connectors/catalogue.py):
  GET   /admin/connectors  POST /admin/connectors              connectors      (list, add)
  GET   /admin/connectors/<id>  POST /admin/connectors/<id>    connector_edit
Secrets are named (${secret:NAME}); their values live in the settings and are never shown."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from connectors import KINDS, connector_parameters, list_connectors, save_connector
from connectors.secrets import secret_names
from models import Connector
from models.errors import InvalidData
from people.permissions import may

from ..db import db_session
from . import bp

FIELDS = ("name", "kind", "title", "parameters", "method", "base_url", "path_template", "headers",
          "body_template", "expected_statuses", "response_mapping", "timeout_seconds", "enabled")


def connectors_admin(view):
    """Let the view run only for a city-wide administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "manage_connectors"):
            return render_template("error.html", message=_(
                "Only a system administrator may manage the connectors.")), 403
        return view(*args, **kwargs)
    return wrapper


def _values_of(connector: Connector) -> dict:
    headers = "\n".join(f"{name}: {value}" for name, value in (connector.headers or {}).items())
    return {"name": connector.name, "kind": connector.kind, "title": connector.title,
            "parameters": connector.parameters, "method": connector.method,
            "base_url": connector.base_url, "path_template": connector.path_template,
            "headers": headers, "body_template": connector.body_template,
            "expected_statuses": connector.expected_statuses,
            "response_mapping": connector.response_mapping,
            "timeout_seconds": f"{connector.timeout_seconds:g}", "enabled": connector.enabled}


def _page(values, errors, status, connector=None):
    session = db_session()
    rows = [{"connector": c, "parameters": connector_parameters(c),
             "secrets": sorted({n for v in (c.headers or {}).values() for n in secret_names(v)})}
            for c in list_connectors(session)]
    return render_template("admin/connectors.html", rows=rows, values=values, errors=errors,
                           kinds=KINDS, editing=connector), status


def _save(connector=None):
    session = db_session()
    values = {key: request.form.get(key, "") for key in FIELDS}
    try:
        row = save_connector(session, values, current_user, connector)
    except InvalidData as exc:
        session.rollback()
        return _page(values, {k: _(v) for k, v in exc.details.items()}, 400, connector)
    flash(_("The connector %(name)s was saved: service tasks may name it.", name=row.name), "success")
    return redirect(url_for("admin.connectors"), code=303)


@bp.route("/connectors", methods=["GET", "POST"])
@connectors_admin
def connectors():
    if request.method == "POST":
        return _save()
    return _page({"kind": "http", "method": "POST", "enabled": True}, {}, 200)


@bp.route("/connectors/<int:connector_id>", methods=["GET", "POST"])
@connectors_admin
def connector_edit(connector_id):
    connector = db_session().get(Connector, connector_id)
    if connector is None:
        abort(404)
    if request.method == "POST":
        return _save(connector)
    return _page(_values_of(connector), {}, 200, connector)
