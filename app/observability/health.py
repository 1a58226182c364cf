"""/healthz (the process answers), /readyz (the database answers, its schema is at the newest
migration, Redis answers when configured) and /metrics (Prometheus, allowed scrapers only).

No login, no rate limit, no CSRF; each is cheap: /healthz touches nothing, /readyz runs
SELECT 1 and reads alembic_version (skipped for READY_CACHE_SECONDS once at head)."""
import logging
import time

from flask import Blueprint, Response, current_app, jsonify, request

from . import metrics

log = logging.getLogger(__name__)
bp = Blueprint("observability", __name__)

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_MIGRATIONS_CHECKED = "observability.migrations_at_head_until"  # app.extensions: monotonic time
_redis_clients: dict = {}
_heads: dict = {}


@bp.get("/healthz")
def healthz():
    """The process is alive (nothing else is asked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when this node can serve: the database, its migrations and Redis (if configured)."""
    checks = {"database": _check_database(), "migrations": "skipped", "redis": _check_redis()}
    if checks["database"] == "ok":
        checks["migrations"] = _check_migrations()
    ready = all(value in ("ok", "not configured") for value in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def prometheus_metrics():
    """The metrics in Prometheus' text format, for allowed scrapers (metrics.scrape_allowed)."""
    if not metrics.scrape_allowed(request, current_app.config):
        return jsonify(error="forbidden"), 403
    from prometheus_client import CONTENT_TYPE_LATEST
    return Response(metrics.exposition(current_app.extensions["db_engine"]),
                    content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _check_database() -> str:
    try:
        metrics.raw_scalar(current_app.extensions["db_engine"], "SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - whatever the driver raises, the node is not ready
        log.warning("readiness: the database does not answer", exc_info=True)
        return "unreachable"


def migration_heads() -> set:
    """The newest migration(s) of migrations/ (read once per process)."""
    if "heads" not in _heads:
        from alembic.script import ScriptDirectory

        from ..migrate import alembic_config
        _heads["heads"] = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    return _heads["heads"]


def _check_migrations() -> str:
    extensions = current_app.extensions
    if extensions.get(_MIGRATIONS_CHECKED, 0.0) > time.monotonic():
        return "ok"
    try:
        current = metrics.raw_scalar(extensions["db_engine"],
                                     "SELECT version_num FROM alembic_version")
    except Exception:  # noqa: BLE001 - no alembic_version table: never migrated
        return "behind"
    if current is None or {current} != migration_heads():
        return "behind"
    extensions[_MIGRATIONS_CHECKED] = time.monotonic() + float(current_app.config["READY_CACHE_SECONDS"])
    return "ok"


def redis_url(config) -> str:
    """The Redis this node uses ("" = none): REDIS_URL if that setting exists, else the rate
    limits' storage when it is a Redis."""
    url = str(config.get("REDIS_URL") or "")
    if not url:
        storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
        url = storage if storage.startswith(_REDIS_SCHEMES) else ""
    return url


def _check_redis() -> str:
    url = redis_url(current_app.config)
    if not url:
        return "not configured"
    try:
        client = _redis_clients.get(url)
        if client is None:
            import redis
            client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
            _redis_clients[url] = client
        client.ping()
        return "ok"
    except Exception:  # noqa: BLE001 - unreachable, refused, timed out, bad URL
        log.warning("readiness: Redis does not answer", exc_info=True)
        return "unreachable"
