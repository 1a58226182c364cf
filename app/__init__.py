"""The Flask application factory."""
from flask import Flask, g

from .config import check_secrets, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config (refused with development secrets in production), engine and
    programmes, database, login, security headers, i18n, blueprints, CLI, scheduler."""
    app = Flask(__name__)
    app.config.update(load_config(config))
    check_secrets(app.config)
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the trusted proxies saw them: rate limits and login
        # throttling count per address. Without proxies a forged X-Forwarded-For changes nothing.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # The BPMN engine, built once from the settings, with every programme's hooks on it.
    from programmes import build_city_engine
    app.extensions["bpmn_engine"] = build_city_engine(app.config)

    from . import db, errors, extensions, i18n, input_guard, security
    db.init_db(app)
    from .observability import init_observability
    init_observability(app)  # request ids, metrics, /healthz /readyz /metrics: first, to time the rest
    extensions.init_extensions(app)
    security.init_security(app)
    i18n.init_i18n(app)
    errors.init_error_pages(app)
    input_guard.init_input_guard(app)  # ids, numbers and control characters out of range

    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .api_keys import bp as api_keys_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .calendar_admin import bp as calendar_bp
    from .channels_in import bp as channels_in_bp
    from .dashboard import bp as dashboard_bp
    from .documents import bp as documents_bp
    from .drafts import bp as drafts_bp
    from .forms import bp as forms_bp
    from .inbox import bp as inbox_bp
    from .inbound_partners import bp as inbound_partners_bp
    from .incidents import bp as incidents_bp
    from .letters import bp as letters_bp
    from .instances import bp as instances_bp
    from .mardom_salam import bp as mardom_salam_bp
    from .open311 import bp as open311_bp
    from .portal import bp as portal_bp
    from .public import bp as public_bp
    from .records import bp as records_bp
    from .reports import bp as reports_bp
    from .staff_notifications import bp as staff_notifications_bp
    from .studio import bp as studio_bp
    from .webhooks import bp as webhooks_bp
    for blueprint in (auth_bp, inbox_bp, instances_bp, forms_bp, records_bp, reports_bp, drafts_bp,
                      mardom_salam_bp, calendar_bp, audit_bp, studio_bp, public_bp, portal_bp,
                      api_keys_bp, api_bp, open311_bp, documents_bp, letters_bp, admin_bp,
                      staff_notifications_bp, dashboard_bp, incidents_bp, inbound_partners_bp,
                      channels_in_bp, webhooks_bp):
        app.register_blueprint(blueprint)
    extensions.csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    extensions.csrf.exempt(open311_bp)  # Open311 clients post forms with an api_key, no cookie
    extensions.csrf.exempt(channels_in_bp)  # SMS providers and the Bot API: a secret, no cookie

    @app.after_request
    def _commit_at_boundary(response):
        # The one commit of a request: only when it succeeded.
        session = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    from .cli import register_cli
    register_cli(app)

    if app.config["SCHEDULER_ENABLED"]:
        from .scheduler import start_scheduler
        from .observability.logs import label_jobs
        label_jobs(start_scheduler(app))  # each job's log lines carry its job id
    return app
