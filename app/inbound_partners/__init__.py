"""Partner systems that answer waiting instances (POST /api/v1/inbound/messages), registered and
revoked by a city-wide administrator; each one's secret is shown once, on the page that answers
its creation.

URL table:
  GET   /admin/inbound-partners                 partner_list  (admin only)
  POST  /admin/inbound-partners                 create    (form: code, name, message_names,
                                                correlation_variable; shows the secret once)
  POST  /admin/inbound-partners/<id>/revoke     revoke
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models.errors import InvalidData, WorkflowError
from people.permissions import may
from programmes.intake.partners import issue_partner, list_partners, revoke_partner

from ..db import db_session
from ..i18n import translate_error

bp = Blueprint("inbound_partners", __name__, url_prefix="/admin/inbound-partners")
FIELDS = ("code", "name", "message_names", "correlation_variable")


@bp.before_request
@login_required
def _admins_only():
    if not may(current_user, "manage_inbound_partners"):
        return render_template("error.html",
                               message=_("Only a system administrator may manage partner systems.")), 403
    return None


def _page(status: int = 200, secret: str | None = None, new_row=None, error=None, errors=None,
          form=None):
    return render_template("inbound_partners/list.html", partners=list_partners(db_session()),
                           secret=secret, new_row=new_row, error=error, errors=errors or {},
                           form=form or {},
                           tolerance_seconds=current_app.config["INBOUND_SIGNATURE_TOLERANCE_SECONDS"]), status


@bp.get("")
def partner_list():
    return _page()


@bp.post("")
def create():
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        row, secret = issue_partner(db_session(), form, current_user)
    except InvalidData as exc:
        return _page(400, error=translate_error(exc),
                     errors={key: _(text) for key, text in (exc.details or {}).items()}, form=form)
    # Rendered, not redirected: the secret must not travel in a flash cookie or a URL.
    return _page(201, secret=secret, new_row=row)


@bp.post("/<int:partner_id>/revoke")
def revoke(partner_id):
    try:
        row = revoke_partner(db_session(), partner_id, current_user)
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    flash(_("%(name)s was revoked: its messages are refused from now on.", name=row.name), "success")
    return redirect(url_for("inbound_partners.partner_list"), code=303)
