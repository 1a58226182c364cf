"""Log in, log out, switch language.

URL table:
  GET/POST /login           login
  POST     /logout          logout
  POST     /lang/<code>     set_language
  GET/POST /password        change_password (password.py)
  GET      /login/oidc, /login/oidc/callback   the city's single sign-on (oidc.py)
"""
from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from urllib.parse import urlsplit

from people.accounts import end_sessions

from ..db import db_session
from ..i18n import LOCALES
from .attempts import attempt_login, wait_notice

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link bounce through us.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = notice = None
    if request.method == "POST":
        attempt = attempt_login(db_session(), request.form.get("username", ""), request.form.get("password", ""))
        if attempt.user is not None:
            login_user(attempt.user)
            return redirect(_safe_next(request.args.get("next")))
        if not attempt.refused_unchecked:
            error = _("Wrong username or password.")
        if attempt.wait_seconds:
            notice = wait_notice(attempt.wait_seconds)
        wait = {"Retry-After": str(attempt.wait_seconds)} if attempt.wait_seconds else {}
        return render_template("auth/login.html", error=error, notice=notice), (
            429 if attempt.refused_unchecked else 401), wait
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    # Not only this cookie: every session of the user ends, so a copy of it is worthless too.
    if current_user.is_authenticated:
        end_sessions(db_session(), current_user)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code):
    if code not in LOCALES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


from . import oidc, password  # noqa: E402,F401  (register /login/oidc..., /password)
