"""Health and readiness probes, Prometheus metrics and logs that carry a request id (issue 21).

create_app calls init_observability once; each part is a module of its own (health, metrics,
logs) and reads its settings from app.config (LOG_*, METRICS_*)."""


def init_observability(app) -> None:
    """Logging with request ids, request and engine metrics, and the /healthz, /readyz and
    /metrics endpoints (no login, no rate limit, no CSRF)."""
    from ..extensions import csrf, limiter
    from . import health, logs, metrics
    logs.init_logs(app)
    metrics.init_metrics(app)
    app.register_blueprint(health.bp)
    csrf.exempt(health.bp)
    limiter.exempt(health.bp)
