"""Every setting, with its default, read from the environment once."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'city.sqlite'}",
    "SECRET_KEY": "dev-only-change-me",
    "PORT": 5000,
    "TIMER_POLL_SECONDS": 1.0,
    "TIMER_BATCH_SIZE": 50,          # instances whose due timers fire in one transaction
    "SCRIPT_TIMEOUT_SECONDS": 2.0,
    "API_TOKEN_HOURS": 12.0,
    "SCHEDULER_ENABLED": False,      # run.py turns it on; tests and CLI leave it off
    # When the scheduler makes the complaint reports F-__-0-5-02 (crontab, Tehran time; "" = never).
    # Each run makes the previous Solar Hijri month's reports that are missing, so a daily run
    # makes them once a month, on the 1st of the Solar month, and catches up after downtime.
    "COMPLAINT_REPORT_CRON": "0 6 * * *",
    # The working calendar (engine/calendar_store.py): full working days, their hours, Thursday
    # (off | half | full; executive bodies, municipalities included, close on Thursdays), the
    # hours of a half-day Thursday, and the time zone working hours are read in.
    "WORK_WEEK": "sat,sun,mon,tue,wed",
    "WORK_HOURS": "07:30-14:30",
    "WORK_THURSDAY": "off",
    "WORK_THURSDAY_HOURS": "07:30-12:30",
    "TIMEZONE": "Asia/Tehran",
    # The 137 cycle: working hours the executive unit has to reply to a referred message, per
    # category (Qom: service 24, technical and civil 48, urban planning 72); an unknown
    # category gets the longest (engine/citizen_messages.py).
    "MESSAGE_DEADLINE_HOURS": "service=24,technical=48,urban_planning=72",
    # District scores of the 137 cycle (/reports/137): points taken off a district for each
    # working day a reply is late (answered late or still open past its due date).
    "SCORE_PENALTY_PER_OVERDUE_DAY": 1.0,
    "BABEL_DEFAULT_LOCALE": "fa",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,     # a long form must not expire while a clerk types it
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "PROCESSES_DIR": str(ROOT / "processes"),
    "TESTING": False,
}


def load_config(overrides: dict | None = None) -> dict:
    """Defaults, then environment variables of the same name, then explicit overrides."""
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = os.environ.get(key)
        if raw is None:
            continue
        if isinstance(default, bool):
            config[key] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            config[key] = type(default)(raw)
        else:
            config[key] = raw
    unknown = set(overrides or {}) - set(DEFAULTS) - {"SERVER_NAME", "SESSION_COOKIE_SECURE"}
    if unknown:
        raise KeyError(f"Unknown configuration keys: {sorted(unknown)}")
    config.update(overrides or {})
    return config
