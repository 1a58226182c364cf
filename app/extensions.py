"""Flask-Login and CSRF protection."""
from flask import redirect, request, url_for
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from models import User

login_manager = LoginManager()
csrf = CSRFProtect()


def init_extensions(app) -> None:
    """Attach login and CSRF to the app."""
    login_manager.init_app(app)
    csrf.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id: str):
        from .db import db_session
        user = db_session().get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None

    @login_manager.unauthorized_handler
    def _unauthorized():
        return redirect(url_for("auth.login", next=request.full_path))
