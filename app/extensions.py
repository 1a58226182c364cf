"""Flask-Login and CSRF protection; may() for templates (people.permissions)."""
from flask import current_app, redirect, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from models import User
from people.permissions import may

login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are set per endpoint on the public blueprints only; staff pages have logins instead
# (throttled: people/throttle.py). Counted per client address (request.remote_addr, the proxies'
# X-Forwarded-For with TRUSTED_PROXIES) in RATELIMIT_STORAGE_URI: memory per process, or Redis
# shared by every worker and node; init_app reads it and RATELIMIT_KEY_PREFIX from the config.
limiter = Limiter(key_func=get_remote_address)


def config_limit(key: str):
    """A limit read from the app's config when a request comes (so tests can lower it)."""
    return lambda: current_app.config[key]


def init_extensions(app) -> None:
    """Attach login and CSRF to the app; give templates may(permission, district_id=None)."""
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(session_id: str):
        # "id:version" (User.get_id): a cookie from before a logout, a new password or a
        # deactivation names an older version and logs no one in; so does a bare id.
        from .db import db_session
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db_session().get(User, int(user_id))
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        return redirect(url_for("auth.login", next=request.full_path))

    @app.context_processor
    def _permissions():
        # {% if may('view_studio') %}: the logged-in user's permission (never for a visitor).
        def may_in_template(permission: str, district_id: int | None = None) -> bool:
            return current_user.is_authenticated and may(current_user, permission, district_id)
        return {"may": may_in_template}
