"""Logging in through the city's OpenID Connect provider (Authlib's Flask client), when
OIDC_ISSUER is set. The provider says who someone is; what they may do stays in this system's
role grants, so its login is accepted only for an active local user of the same username.

URL table:
  GET  /login/oidc            oidc_login     (to the provider)
  GET  /login/oidc/callback   oidc_callback  (back from it: code and state)
"""
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from joserfc.errors import JoseError
from requests.exceptions import RequestException

from people.accounts import find_user

from ..db import db_session
from . import _safe_next, bp

_SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


def oidc_enabled(config) -> bool:
    """Whether the login page offers the city's single sign-on."""
    return all(str(config[key]).strip() for key in _SETTINGS)


def _provider():
    """The Authlib client of the provider, built once per app and settings."""
    settings = tuple(str(current_app.config[key]).strip() for key in _SETTINGS)
    cached = current_app.extensions.get("oidc_client")
    if cached is None or cached[0] != settings:
        issuer, client_id, secret = settings
        oauth = OAuth(current_app)
        client = oauth.register("city", client_id=client_id, client_secret=secret,
                                server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
                                client_kwargs={"scope": "openid profile", "timeout": 10})
        current_app.extensions["oidc_client"] = cached = (settings, client)
    return cached[1]


def _refused(message: str, status: int = 401):
    return render_template("auth/login.html", error=message), status


@bp.get("/login/oidc")
def oidc_login():
    if not oidc_enabled(current_app.config):
        abort(404)
    try:
        # Authlib keeps state and nonce in the session and checks both on the way back.
        return _provider().authorize_redirect(url_for("auth.oidc_callback", _external=True,
                                                      next=request.args.get("next") or None))
    except (OAuthError, RequestException, ValueError):
        return _refused(_("The city's login service cannot be reached; try again later."), 502)


@bp.get("/login/oidc/callback")
def oidc_callback():
    if not oidc_enabled(current_app.config):
        abort(404)
    try:
        token = _provider().authorize_access_token()
    except (OAuthError, RequestException, JoseError, ValueError, KeyError):
        # A forged or replayed state, a bad signature, a wrong nonce, audience or issuer.
        return _refused(_("The city's login service did not confirm who you are."))
    claims = token.get("userinfo") or {}
    username = str(claims.get(current_app.config["OIDC_USERNAME_CLAIM"]) or "")
    user = find_user(db_session(), username) if username else None
    if user is None or not user.is_active:
        return _refused(_("No active account here matches your city login; ask the administrator."), 403)
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))
