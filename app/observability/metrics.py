"""Prometheus metrics: requests, completions, step time, timer lateness, outbox backlog,
incidents and pool use, served at /metrics (health.py) to the allowed scrapers only.

Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (an empty directory, emptied at each
start) in the environment before the workers start; every worker then writes its values there
and /metrics adds them up (prometheus_client's multiprocess mode; gunicorn's child_exit calls
mark_process_dead). The outbox backlog and the instances in error are counted by the database
at scrape time, so every worker answers the same.

Step time and completions come from the engine's own hooks (engine/hooks.py: task_completed,
instance_starting, step_stored) and timer lateness from the timer_fired events a step appends;
all are kept in session.info and observed only when the session commits (a rolled-back
completion is not counted)."""
import ipaddress
import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.orm import Session


_STEP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)

REQUESTS = Counter("city_http_requests_total", "HTTP requests answered, by endpoint and status.",
                   ["endpoint", "method", "status"])
REQUEST_SECONDS = Histogram("city_http_request_duration_seconds",
                            "Time to answer an HTTP request, by endpoint and status.",
                            ["endpoint", "method", "status"])
COMPLETIONS = Counter("city_task_completions_total", "Human tasks completed (committed).",
                      ["process"])
STEP_SECONDS = Histogram("city_step_duration_seconds",
                         "Engine run and store of one step, by what started it "
                         "(completion, start, timer).", ["kind"], buckets=_STEP_BUCKETS)
TIMER_LATENESS = Histogram("city_timer_lateness_seconds",
                           "How long after its due time a timer fired (committed).",
                           buckets=_LATENESS_BUCKETS)
POOL_CHECKED_OUT = Gauge("city_db_pool_checked_out", "Database connections in use.",
                         multiprocess_mode="livesum")
POOL_SIZE = Gauge("city_db_pool_size", "Database connections each pool keeps (all live workers).",
                  multiprocess_mode="livesum")

_PENDING = "observability.pending"   # session.info: observations waiting for the commit
_STARTS = "observability.step_starts"  # session.info: instance key -> perf_counter at step start
_MARKS = "observability.savepoints"  # session.info: savepoint -> len(pending) when it began


# ---------------------------------------------------------------- engine observer

def _mark_start(session, key) -> None:
    session.info.setdefault(_STARTS, {})[key] = time.perf_counter()


def _pending(session) -> list:
    return session.info.setdefault(_PENDING, [])


def on_task_completed(session, task, actor, data, now):
    """task_completed hook: the completion's step starts now."""
    _mark_start(session, id(task.instance))
    return None


def on_instance_starting(session, instance, data, tracking_prefix):
    """instance_starting hook: a new instance's first step starts now."""
    _mark_start(session, id(instance))


def on_step_stored(session, instance, completed, opened, started):
    """step_stored hook: the step's time and (on commit) the completion."""
    starts = session.info.get(_STARTS, {})
    began = starts.pop(id(instance), None)
    if began is None and instance.id is not None:
        began = starts.pop(("instance", instance.id), None)
    kind = "completion" if completed is not None else ("start" if started else "timer")
    pending = _pending(session)
    if began is not None:
        pending.append((STEP_SECONDS.labels(kind).observe, time.perf_counter() - began))
    if completed is not None:
        pending.append((COMPLETIONS.labels(instance.process_key).inc, 1))


def on_timer_fired(session, instance, timer, fired_at) -> None:
    """timer_fired hook: its lateness, and the step it starts begins now."""
    _mark_start(session, ("instance", instance.id))
    if timer.due_at is None or fired_at is None:
        return
    _pending(session).append((TIMER_LATENESS.observe,
                              max((fired_at - timer.due_at).total_seconds(), 0.0)))


def _savepoint_begun(session, transaction) -> None:
    if transaction.nested and _PENDING in session.info:
        # What was observed before the savepoint stays if the savepoint is rolled back.
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info[_PENDING])


def _committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its observations wait for the real commit
    for observe, value in session.info.pop(_PENDING, ()):
        observe(value)
    session.info.pop(_STARTS, None)
    session.info.pop(_MARKS, None)


def _rolled_back(session, previous_transaction) -> None:
    if previous_transaction.nested:
        # A savepoint undone (a timer's failed step put off): only what it observed goes.
        mark = session.info.get(_MARKS, {}).pop(previous_transaction, 0)
        del session.info.get(_PENDING, [])[mark:]
        return
    for key in (_PENDING, _STARTS, _MARKS):
        session.info.pop(key, None)


_listening = {"on": False}


def listen_to_sessions() -> None:
    """Listen to every Session once per process (the apps' factories are replaced in tests;
    sessions without observations pay one dict lookup per commit)."""
    if _listening["on"]:
        return
    event.listen(Session, "after_transaction_create", _savepoint_begun)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)
    _listening["on"] = True


def register_engine_observer(bpmn_engine) -> None:
    """Add the metrics observer to the engine's hooks, after every programme's (once)."""
    hooks = bpmn_engine.hooks
    if on_step_stored in hooks.step_stored:
        return
    hooks.task_completed.append(on_task_completed)
    hooks.instance_starting.append(on_instance_starting)
    hooks.step_stored.append(on_step_stored)
    hooks.timer_fired.append(on_timer_fired)


# ---------------------------------------------------------------- pool and database gauges

def watch_pool(db_engine) -> None:
    """Count this engine's checked-out connections; its pool's size, set by the first checkout
    in each process (a gunicorn worker forked from a preloading master sets its own)."""
    size = getattr(db_engine.pool, "size", None)
    size = size() if callable(size) else 0
    set_in = {"pid": None}

    def _checkout(*_):
        if set_in["pid"] != os.getpid():
            POOL_SIZE.set(size)
            set_in["pid"] = os.getpid()
        POOL_CHECKED_OUT.inc()

    event.listen(db_engine, "checkout", _checkout)
    event.listen(db_engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())


def raw_scalar(db_engine, sql: str):
    """One value of a read on a DBAPI connection of the pool (no SQLAlchemy transaction: on
    SQLite that would be BEGIN IMMEDIATE, the write lock, for a read)."""
    connection = db_engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
            return row[0] if row else None
        finally:
            cursor.close()
    finally:
        connection.close()


class DatabaseCollector:
    """The outbox backlog and the instances in error, counted at scrape time (two COUNTs on
    indexed columns)."""

    def __init__(self, db_engine):
        self.db_engine = db_engine

    def collect(self):
        backlog = GaugeMetricFamily("city_outbox_backlog",
                                    "Notifications waiting to be sent (pending or being sent).")
        errors = GaugeMetricFamily("city_instances_in_error",
                                   "Instances stopped by a failure (incidents).")
        backlog.add_metric([], raw_scalar(self.db_engine, "SELECT count(*) FROM outbox_messages "
                                          "WHERE status IN ('pending', 'sending')") or 0)
        errors.add_metric([], raw_scalar(self.db_engine,
                                         "SELECT count(*) FROM instances WHERE status = 'error'") or 0)
        yield backlog
        yield errors


# ---------------------------------------------------------------- requests and exposition

def observe_request(request, response, started: float | None) -> None:
    """Count the request and its time by endpoint (the route's name: a bounded set) and status."""
    labels = (request.endpoint or "unmatched", request.method, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    if started is not None:
        REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)


def exposition(db_engine) -> bytes:
    """The metrics in Prometheus' text format: this process's (or, in multiprocess mode, every
    worker's) and the database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY
        text = generate_latest(REGISTRY)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(db_engine))
    return text + generate_latest(database)


def _networks(setting: str) -> list:
    try:
        return [ipaddress.ip_network(part.strip(), strict=False)
                for part in str(setting or "").split(",") if part.strip()]
    except ValueError as exc:
        from ..config import ConfigError
        raise ConfigError(f"METRICS_ALLOW_NETWORKS must be networks such as 10.0.0.0/8, "
                          f"separated by commas: {exc}.") from exc


def scrape_allowed(request, config) -> bool:
    """A scraper with the METRICS_TOKEN bearer, or from METRICS_ALLOW_NETWORKS (default:
    loopback) on a request no untrusted proxy forwarded."""
    import hmac
    token = str(config["METRICS_TOKEN"] or "")
    if token:
        sent = request.headers.get("Authorization", "")
        if sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode()):
            return True
    if not config["TRUSTED_PROXIES"] and any(
            name in request.headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        # A proxy on this machine makes every visitor look like loopback: never let the
        # address alone admit a forwarded request the app was not told to trust.
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(config["METRICS_ALLOW_NETWORKS"]))


def init_metrics(app) -> None:
    """Observe the engine's steps, the pool and every request; check the settings now."""
    _networks(app.config["METRICS_ALLOW_NETWORKS"])  # a malformed network fails at start
    listen_to_sessions()
    register_engine_observer(app.extensions["bpmn_engine"])
    watch_pool(app.extensions["db_engine"])

    from flask import g, request

    @app.after_request
    def _observe_request(response):
        observe_request(request, response, g.get("request_started"))
        return response
