"""Webhook subscriptions, kept by a city-wide administrator (manage_webhooks): thin views over
programmes.integrations.subscriptions.

The secret is shown once, on the page that answers the creation (rendered, not redirected: it
must not travel in a flash cookie or a URL); never afterwards.

URL table:
  GET   /admin/webhooks                                     subscriptions (list, form)
  POST  /admin/webhooks                                     create  (url, description, events[])
  GET   /admin/webhooks/<id>                                deliveries (the delivery log)
  POST  /admin/webhooks/<id>/enable | /disable              enable, disable
  POST  /admin/webhooks/<id>/deliveries/<delivery>/redeliver  redeliver
"""
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models.errors import InvalidData, WorkflowError
from models.webhooks import EVENT_KINDS
from people.permissions import may
from programmes.integrations.subscriptions import (create_subscription, delivery_log,
                                                   list_subscriptions, redeliver_by_hand,
                                                   set_subscription_enabled, subscription_of)

from ..db import db_session
from ..i18n import translate_error

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def admin_required(view):
    """Let the view run only for a city-wide administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "manage_webhooks"):
            return render_template("error.html", message=_(
                "Only a system administrator may manage webhooks.")), 403
        return view(*args, **kwargs)
    return wrapper


def _error_page(exc: WorkflowError):
    return render_template("error.html", message=translate_error(exc)), exc.status


def _list_page(status: int = 200, new_secret: str | None = None, new_row=None,
               error: str | None = None, form=None):
    return render_template("webhooks/list.html", rows=list_subscriptions(db_session(), current_user),
                           kinds=EVENT_KINDS, new_secret=new_secret, new_row=new_row, error=error,
                           form=form or {}), status


@bp.get("")
@admin_required
def subscriptions():
    return _list_page()


@bp.post("")
@admin_required
def create():
    form = {"url": request.form.get("url", ""), "description": request.form.get("description", ""),
            "events": request.form.getlist("events")}
    try:
        row, secret = create_subscription(db_session(), form["url"], form["events"],
                                          form["description"], current_user)
    except InvalidData as exc:
        return _list_page(400, error=translate_error(exc), form=form)
    return _list_page(201, new_secret=secret, new_row=row)


@bp.get("/<int:subscription_id>")
@admin_required
def deliveries(subscription_id):
    session = db_session()
    try:
        row = subscription_of(session, subscription_id, current_user)
        log = delivery_log(session, subscription_id, current_user)
    except WorkflowError as exc:
        return _error_page(exc)
    return render_template("webhooks/deliveries.html", row=row, deliveries=log)


def _set_enabled(subscription_id: int, enabled: bool):
    try:
        set_subscription_enabled(db_session(), subscription_id, enabled, current_user)
    except WorkflowError as exc:
        return _error_page(exc)
    flash(_("The subscription is enabled: new events are sent to it.") if enabled else
          _("The subscription is disabled: nothing is sent to it until it is enabled again."),
          "success")
    return redirect(url_for("webhooks.deliveries", subscription_id=subscription_id), code=303)


@bp.post("/<int:subscription_id>/enable")
@admin_required
def enable(subscription_id):
    return _set_enabled(subscription_id, True)


@bp.post("/<int:subscription_id>/disable")
@admin_required
def disable(subscription_id):
    return _set_enabled(subscription_id, False)


@bp.post("/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver(subscription_id, delivery_id):
    try:
        redeliver_by_hand(db_session(), subscription_id, delivery_id, current_user)
    except WorkflowError as exc:
        return _error_page(exc)
    flash(_("The delivery will be sent again within a minute."), "success")
    return redirect(url_for("webhooks.deliveries", subscription_id=subscription_id), code=303)
