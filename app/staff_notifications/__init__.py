"""Staff notifications: the bell, the list, marking read, and each person's channels.

URL table:
  GET       /notifications                 notification_list  (newest first; page)
  POST      /notifications/<id>/read       read_one           (→ back to the list)
  POST      /notifications/read-all        read_all
  GET/POST  /notifications/settings        settings           (channels per kind)
"""
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from models.staff_notifications import STAFF_KINDS
from notifications.staff import (MESSAGE_CHANNELS, list_notifications, mark_read,
                                 preferences_of, save_preferences, unread_count)

from ..db import db_session
from ..i18n import N_

bp = Blueprint("staff_notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 50

KIND_TITLES = {"offered": N_("A task offered to me"), "escalation": N_("An escalation to me"),
               "due_soon": N_("A task of mine about to be due"),
               "overdue": N_("A task of mine overdue"), "digest": N_("Daily digest of due and overdue work"),
               "incident": N_("An instance in error that I may repair")}
CHANNEL_TITLES = {"email": N_("E-mail"), "sms": N_("SMS")}


@bp.app_context_processor
def _bell():
    """The unread count for the bell in the navigation (logged-in staff only)."""
    def bell_count() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return unread_count(db_session(), current_user)
        except SQLAlchemyError:  # an error page after a failed transaction still renders
            return 0
    return {"bell_count": bell_count}


def _when(text):
    return datetime.fromisoformat(text) if text else None


@bp.route("")
@login_required
def notification_list():
    session = db_session()
    page = max(1, request.args.get("page", 1, type=int))
    rows = list_notifications(session, current_user, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("notifications/list.html", notifications=rows[:PAGE_SIZE],
                           has_next=len(rows) > PAGE_SIZE, page=page, when=_when,
                           unread=unread_count(session, current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(notification_id):
    mark_read(db_session(), current_user, notification_id=notification_id)
    return redirect(request.form.get("next") if _local(request.form.get("next"))
                    else url_for(".notification_list"), code=303)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = mark_read(db_session(), current_user)
    if count:
        flash(_("All notifications marked read."), "success")
    return redirect(url_for(".notification_list"), code=303)


def _local(target) -> bool:
    """Only a path of this site (never another host) is followed after marking read."""
    return bool(target) and target.startswith("/") and not target.startswith("//")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    session = db_session()
    if request.method == "POST":
        choices = {kind: {c for c in MESSAGE_CHANNELS if request.form.get(f"{kind}-{c}") == "1"}
                   for kind in STAFF_KINDS}
        save_preferences(session, current_user, choices)
        flash(_("Notification settings saved."), "success")
        return redirect(url_for(".settings"), code=303)
    return render_template("notifications/settings.html", kinds=STAFF_KINDS,
                           channels=MESSAGE_CHANNELS, kind_titles=KIND_TITLES,
                           channel_titles=CHANNEL_TITLES,
                           preferences=preferences_of(session, current_user))
