"""The BPMN runtime assembled once from its parts, as spiff-example-cli builds
`BpmnEngine(parser, serializer, script_env)`: create_app builds one from the settings, the
programmes register their hooks on it, and every session the app makes carries it
(`engine_of(session)`). Tests build their own.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.deadlines import DEFAULT_DEADLINES, MessageClock, ReplyDeadlines
from engine.hooks import Hooks
from engine.spiff import workflows
from engine.spiff.data_bounds import (DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_DATA_DEPTH,
                                      check_data_bounds)
from engine.spiff.sandbox import BASE_HELPERS, SandboxScriptEngine
from engine.spiff.script_worker import WorkerLimits
from formjs.versions import SCHEMAS_KEY
from models.shredding import DEVELOPMENT_KEY, KeyRing
from workcal.jalali import DEFAULT_TIMEZONE
from workcal.store import SESSION_KEY as CALENDARS_KEY
from workcal.store import CalendarStore

SESSION_KEY = "bpmn_engine"  # session.info: the Engine of the app that made the session


@dataclass
class Engine:
    """Parts: the working calendars, the reply deadlines and the 137 clock, the script
    sandbox's limits, the public address links start with, and the programmes' hooks."""

    calendars: CalendarStore = field(default_factory=CalendarStore)
    deadlines: ReplyDeadlines = field(default_factory=ReplyDeadlines)
    hooks: Hooks = field(default_factory=Hooks)
    script_timeout_seconds: float = 2.0
    # The worker processes' limits, and the bounds of task data (scripts, forms, the API).
    script_limits: WorkerLimits = field(default_factory=WorkerLimits)
    max_data_bytes: int = DEFAULT_MAX_DATA_BYTES
    max_data_depth: int = DEFAULT_MAX_DATA_DEPTH
    public_base_url: str = "http://127.0.0.1:5000"
    message_clock: MessageClock = field(default_factory=MessageClock)
    # A failed step after a timer: attempts in all, and the first wait (doubling each time).
    timer_retry_attempts: int = 3
    timer_retry_backoff_seconds: float = 60.0
    # A service task's call (engine.runtime.service_calls): attempts in all, the first wait
    # (doubling each time), and the connectors' secrets by name (never stored or shown).
    service_retry_attempts: int = 3
    service_retry_backoff_seconds: float = 30.0
    connector_secrets: dict = field(default_factory=dict, repr=False)
    # The master key that wraps each case's key for its personal data (models.shredding).
    keys: KeyRing = field(default_factory=KeyRing)

    def script_helpers(self) -> dict:
        """The functions every script and expression may call."""
        return {**BASE_HELPERS, "reply_deadline_hours": self.deadlines.reply_deadline_hours,
                **self.message_clock.helpers(), **self.hooks.script_helpers}

    def script_engine(self) -> SandboxScriptEngine:
        """A sandboxed script engine with this engine's helpers and time limit."""
        return SandboxScriptEngine(helpers=self.script_helpers(),
                                   timeout_seconds=self.script_timeout_seconds,
                                   max_data_bytes=self.max_data_bytes,
                                   max_data_depth=self.max_data_depth, limits=self.script_limits)

    def check_data(self, data, what: str = "the submitted data") -> None:
        """DataTooLarge (a SandboxViolation) if data is over this engine's size or depth bound."""
        check_data_bounds(data, self.max_data_bytes, self.max_data_depth, what)

    def new_workflow(self, version, data: dict | None = None):
        """A fresh workflow of a deployed version, with initial data on its start task."""
        return workflows.new_workflow(version, data, self.script_engine())

    def load_workflow(self, state_json: str, version=None):
        """A stored workflow, with this engine's script engine."""
        return workflows.load_workflow(state_json, version, self.script_engine())

    def public_url(self, path: str) -> str:
        """An address of this system as citizens and staff reach it (PUBLIC_BASE_URL + path)."""
        return self.public_base_url.rstrip("/") + path

    def session_info(self) -> dict:
        """What a session factory puts into session.info so that domain functions find the parts."""
        return {SESSION_KEY: self, CALENDARS_KEY: self.calendars,
                SCHEMAS_KEY: self.hooks.task_schemas, **self.keys.session_info()}


def build_engine(settings: Mapping) -> Engine:
    """An Engine from the app's settings (missing keys take the defaults); ValueError if invalid."""
    engine = Engine(
        calendars=CalendarStore(settings.get("WORK_WEEK", "sat,sun,mon,tue,wed"),
                                settings.get("WORK_HOURS", "07:30-14:30"),
                                settings.get("WORK_THURSDAY", "off"),
                                settings.get("WORK_THURSDAY_HOURS", "07:30-12:30"),
                                settings.get("TIMEZONE", DEFAULT_TIMEZONE)),
        deadlines=ReplyDeadlines(settings.get("MESSAGE_DEADLINE_HOURS", DEFAULT_DEADLINES)),
        message_clock=MessageClock(settings.get("MESSAGE_CLOCK", "calendar"),
                                   settings.get("MESSAGE_INTAKE_HOURS", 2.0),
                                   settings.get("MESSAGE_CALL_RETRY_HOURS", 24.0),
                                   settings.get("MESSAGE_CALL_ATTEMPTS", 3),
                                   settings.get("MESSAGE_137_REFERRAL_TARGET", "inbox")),
        script_timeout_seconds=float(settings.get("SCRIPT_TIMEOUT_SECONDS", 2.0)),
        script_limits=WorkerLimits(
            memory_mb=int(settings.get("SCRIPT_MEMORY_MB", 512)),
            workers=max(1, int(settings.get("SCRIPT_WORKERS", 4))),
            timezones=tuple(dict.fromkeys((settings.get("TIMEZONE", DEFAULT_TIMEZONE), "UTC")))),
        max_data_bytes=int(settings.get("SCRIPT_MAX_DATA_BYTES", DEFAULT_MAX_DATA_BYTES)),
        max_data_depth=int(settings.get("SCRIPT_MAX_DATA_DEPTH", DEFAULT_MAX_DATA_DEPTH)),
        public_base_url=settings.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        timer_retry_attempts=max(1, int(settings.get("TIMER_RETRY_ATTEMPTS", 3))),
        timer_retry_backoff_seconds=max(0.0, float(settings.get("TIMER_RETRY_BACKOFF_SECONDS", 60.0))),
        service_retry_attempts=max(1, int(settings.get("SERVICE_RETRY_ATTEMPTS", 3))),
        service_retry_backoff_seconds=max(0.0, float(settings.get("SERVICE_RETRY_BACKOFF_SECONDS", 30.0))),
        connector_secrets=dict(settings.get("CONNECTOR_SECRETS") or {}),
        keys=KeyRing(settings.get("PERSONAL_DATA_KEY", DEVELOPMENT_KEY)))
    # Iran's holidays for a decade take a second to compute: once now, not inside the first
    # script that counts working time (it would count against the script's time limit).
    engine.calendars.calendar()
    return engine


def engine_of(session) -> Engine:
    """The Engine of the app that made this session; LookupError for a session made elsewhere."""
    engine = session.info.get(SESSION_KEY)
    if engine is None:
        raise LookupError("this session carries no engine: make it with "
                          "models.make_session_factory(db_engine, info=engine.session_info())")
    return engine
