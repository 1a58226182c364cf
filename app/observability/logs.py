"""Log lines with the request id (or the scheduler job's id): text for `make run`, JSON lines
(python-json-logger) for deployments (LOG_FORMAT).

The request id comes from a sane incoming X-Request-ID (a proxy's or a client's: at most 128
characters of letters, digits and ._:-) or is generated, and is returned in X-Request-ID."""
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from functools import wraps

from flask import g, has_request_context, request

_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_HANDLER_MARK = "_city_observability"
_TEXT_FORMAT = "%(asctime)s %(levelname)s [%(context)s] %(name)s: %(message)s"
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
# weasyprint: every PDF stage; apscheduler: 2 lines a timer poll; spiff (SpiffWorkflow): a line
# per task state change, 15-40 a step, which cost 12 % of a completion's CPU (issue 21).
_CHATTY = ("weasyprint", "fontTools", "apscheduler.executors.default", "spiff")

# The scheduler job run the current thread is in (label_jobs); None outside jobs.
current_job_id: ContextVar[str | None] = ContextVar("current_job_id", default=None)
access_log = logging.getLogger("app.request")


def request_id() -> str:
    """The current request's id: the incoming X-Request-ID if sane, else a new one (kept in g)."""
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return rid


class ContextFilter(logging.Filter):
    """Puts request_id and job_id (None when not in one) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else None
        record.job_id = current_job_id.get()
        return True


class TextFormatter(logging.Formatter):
    """One line: time, level, [req=... | job=... | -], logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        rid, job = getattr(record, "request_id", None), getattr(record, "job_id", None)
        record.context = f"req={rid}" if rid else (f"job={job}" if job else "-")
        return super().format(record)


def make_handler(log_format: str, stream=None) -> logging.Handler:
    """A stream handler in that format ("json" or "text") with the context filter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter
        handler.setFormatter(JsonFormatter(_JSON_FIELDS, rename_fields={"levelname": "level",
                                                                        "name": "logger"},
                                           timestamp=False))
    else:
        handler.setFormatter(TextFormatter(_TEXT_FORMAT))
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(log_format: str, level: str = "INFO", stream=None) -> logging.Handler | None:
    """Put one handler of ours on the root logger (replacing ours from an earlier app); ""
    leaves logging as it is (tests, a host that configures logging itself)."""
    if log_format not in ("json", "text", ""):
        from ..config import ConfigError
        raise ConfigError(f"LOG_FORMAT must be json, text or empty, not {log_format!r}.")
    if not log_format:
        return None
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = make_handler(log_format, stream)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for chatty in _CHATTY:  # their INFO lines are noise in a service's log
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    return handler


def init_logs(app) -> None:
    """Configure logging (LOG_FORMAT, LOG_LEVEL); give every response its X-Request-ID and,
    with LOG_REQUESTS, log one line per request."""
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    def _started():
        g.request_started = time.perf_counter()
    # First of all before_request functions: the time includes the other ones.
    app.before_request_funcs.setdefault(None, []).insert(0, _started)

    @app.after_request
    def _request_id_header(response):
        response.headers["X-Request-ID"] = request_id()
        if app.config["LOG_REQUESTS"] and access_log.isEnabledFor(logging.INFO):
            started = g.get("request_started")
            elapsed = time.perf_counter() - started if started is not None else 0.0
            access_log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code,
                            elapsed * 1000, extra={"method": request.method, "path": request.path,
                                                   "status": response.status_code,
                                                   "duration_ms": round(elapsed * 1000, 2)})
        return response


def with_job_id(job_name: str, func):
    """func, run with a job id (job_name and a short run id) on every line it logs."""
    @wraps(func)
    def run(*args, **kwargs):
        token = current_job_id.set(f"{job_name}-{uuid.uuid4().hex[:8]}")
        try:
            return func(*args, **kwargs)
        finally:
            current_job_id.reset(token)
    return run


def label_jobs(scheduler) -> None:
    """Every job of an APScheduler scheduler logs its job id (added once per job)."""
    for job in scheduler.get_jobs():
        if not getattr(job.func, "_city_job_id", False):
            wrapped = with_job_id(job.id, job.func)
            wrapped._city_job_id = True
            try:
                job.modify(func=wrapped)
            except LookupError:  # a one-off job that already ran and is gone
                continue
