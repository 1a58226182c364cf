"""Accounts kept by the administrator: a new user, a new password for a user. Every password
passes the city's policy (people/passwords.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from people.accounts import AccountError, create_user, set_password
from people.passwords import WeakPassword

from ..auth.attempts import password_policy
from ..db import db_session
from ..i18n import translate_error
from . import bp, organisation_admin
from .views import _user_or_404, _user_page


def chosen_password_error(password: str, confirmation: str) -> str | None:
    """The page's error when the two typings differ (the policy is checked after)."""
    return None if password == confirmation else _("The two passwords differ.")


@bp.route("/users/new", methods=["GET", "POST"])
@organisation_admin
def user_new():
    values, errors = {}, {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in ("username", "full_name")}
        password = request.form.get("password", "")
        mismatch = chosen_password_error(password, request.form.get("password_confirm", ""))
        if mismatch:
            errors["password"] = mismatch
        else:
            try:
                user = create_user(db_session(), values["username"], password, values["full_name"],
                                   policy=password_policy())
            except WeakPassword as exc:
                errors["password"] = translate_error(exc)
            except AccountError as exc:
                errors["username"] = (_("This username is taken.") if "taken" in str(exc)
                                      else _("A username of 1 to 80 characters is required."))
            else:
                flash(_("The user was created; assign them a role below."), "success")
                return redirect(url_for("admin.user_memberships", user_id=user.id), code=303)
    return render_template("admin/user_new.html", values=values, errors=errors), 400 if errors else 200


@bp.post("/users/<int:user_id>/password")
@organisation_admin
def user_password(user_id):
    user = _user_or_404(user_id)
    password = request.form.get("password", "")
    error = chosen_password_error(password, request.form.get("password_confirm", ""))
    if error is None:
        try:
            set_password(db_session(), user, password, password_policy())
        except WeakPassword as exc:
            error = translate_error(exc)
    if error:
        return _user_page(user, errors={"password": error}, status=400)
    flash(_("The new password was set."), "success")
    return redirect(url_for("admin.user_memberships", user_id=user.id), code=303)
