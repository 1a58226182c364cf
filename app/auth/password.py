"""Changing one's own password: the current one, then the new one twice; the policy applies."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from people.accounts import authenticate, set_password
from people.passwords import WeakPassword

from ..db import db_session
from ..i18n import translate_error
from . import bp
from .attempts import password_policy


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors = {}
    if request.method == "POST":
        session = db_session()
        new = request.form.get("password", "")
        if authenticate(session, current_user.username, request.form.get("current_password", "")) is None:
            errors["current_password"] = _("The current password is wrong.")
        elif new != request.form.get("password_confirm", ""):
            errors["password"] = _("The two passwords differ.")
        else:
            try:
                user = current_user._get_current_object()
                set_password(session, user, new, password_policy())
                # The new password ends every other session of this user; this one goes on.
                login_user(user)
            except WeakPassword as exc:
                errors["password"] = translate_error(exc)
        if not errors:
            flash(_("Your password was changed."), "success")
            return redirect(url_for("inbox.inbox"), code=303)
    return render_template("auth/password.html", errors=errors), 400 if errors else 200
