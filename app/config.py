"""Every setting, with its default, read from the environment once."""
import os
from pathlib import Path

from models.shredding import DEVELOPMENT_KEY
from workcal.jalali import DEFAULT_TIMEZONE

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'city.sqlite'}",
    "SECRET_KEY": "dev-only-change-me",
    # The master key that wraps each case's own key for citizens' personal data (name, phone,
    # national ID ...: models/shredding.py). Any long random text; set it in production and
    # never lose it: without it no personal data can be read. The default is for development.
    "PERSONAL_DATA_KEY": DEVELOPMENT_KEY,
    "PORT": 5000,
    "TIMER_POLL_SECONDS": 1.0,
    "TIMER_BATCH_SIZE": 50,          # instances whose due timers fire in one transaction
    "SCRIPT_TIMEOUT_SECONDS": 2.0,
    "API_TOKEN_HOURS": 12.0,
    "SCHEDULER_ENABLED": False,      # run.py turns it on; tests and CLI leave it off
    # When the scheduler makes the complaint reports F-__-0-5-02 (crontab, in TIMEZONE; "" = never).
    # Each run makes the previous Solar Hijri month's reports that are missing, so a daily run
    # makes them once a month, on the 1st of the Solar month, and catches up after downtime.
    "COMPLAINT_REPORT_CRON": "0 6 * * *",
    # The daily digest of every instance's chain head (audit/integrity.py; crontab, in TIMEZONE; "" = never).
    "CHAIN_DIGEST_CRON": "30 0 * * *",
    # Archive or destroy quality records past their retention period (records/retention.py; "" = never).
    "RETENTION_CRON": "0 3 * * *",
    # The working calendar (workcal/store.py): full working days, their hours, Thursday
    # (off | half | full; executive bodies, municipalities included, close on Thursdays), the
    # hours of a half-day Thursday, and the time zone working hours are read in.
    "WORK_WEEK": "sat,sun,mon,tue,wed",
    "WORK_HOURS": "07:30-14:30",
    "WORK_THURSDAY": "off",
    "WORK_THURSDAY_HOURS": "07:30-12:30",
    "TIMEZONE": DEFAULT_TIMEZONE,
    # The 137 cycle: hours the executive unit has to reply to (determine) a referred message,
    # per category (Qom: service 24, technical and civil 48, urban planning 72); an unknown
    # category gets the longest (engine/deadlines.py). MESSAGE_CLOCK says how the centre's hours
    # are counted: "calendar" (the centre works around the clock; the sources' hours) or
    # "working" (the district's working calendar); it applies to the reply deadlines, the
    # escalation after 72 and 96 hours, the intake deadline and the call retries.
    "MESSAGE_DEADLINE_HOURS": "service=24,technical=48,urban_planning=72",
    "MESSAGE_CLOCK": "calendar",
    # Hours a message may wait at intake (Task_register_message) before it counts as overdue.
    "MESSAGE_INTAKE_HOURS": 2.0,
    # The feedback call when the citizen cannot be reached: try again after these hours, at most
    # this many calls in all; then the message is closed as unreachable.
    "MESSAGE_CALL_RETRY_HOURS": 24.0,
    "MESSAGE_CALL_ATTEMPTS": 3,
    # District scores of the 137 cycle (/reports/137): points taken off a district for each
    # working day a reply is late (answered late or still open past its due date).
    "SCORE_PENALTY_PER_OVERDUE_DAY": 1.0,
    # Where citizens reach this system: links in e-mails and SMS start with it.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Abuse limits of the public portal and Open311 (Flask-Limiter syntax, per client address;
    # "memory://" counts per process: give a redis:// URI when several processes serve).
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PORTAL_RATE_LIMIT": "60 per minute",          # every public page
    "PORTAL_FILE_RATE_LIMIT": "5 per minute;30 per day",   # filing a request
    "PORTAL_TRACK_RATE_LIMIT": "10 per minute;50 per day",  # code + check attempts
    "OPEN311_RATE_LIMIT": "120 per minute",
    "OPEN311_POST_RATE_LIMIT": "30 per minute",
    # Notifications (notifications/): outbox messages are sent by the scheduler every
    # NOTIFY_POLL_SECONDS, retried with backoff (30 s doubling, at most 1 h) up to
    # NOTIFY_MAX_ATTEMPTS times; a claimed row is another sender's again after NOTIFY_LEASE_SECONDS.
    "NOTIFY_POLL_SECONDS": 10.0,
    "NOTIFY_BATCH_SIZE": 50,
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_LEASE_SECONDS": 300,
    # Staff notifications (notifications/staff.py, programmes/staff/): the kinds whose e-mail
    # and SMS go out outside working hours (the others wait for the next working moment of the
    # task's district; kinds: offered, escalation, due_soon, overdue, digest), the working hours
    # before its due moment a task counts as due soon (7 = the last working day), and how often
    # the scheduler looks for due-soon and overdue tasks and makes the digest at the start of
    # each working day.
    "STAFF_QUIET_HOURS_KINDS": "escalation",
    "STAFF_DUE_SOON_WORKING_HOURS": 7.0,
    "STAFF_NOTICE_POLL_SECONDS": 300.0,
    # E-mail: "file" appends to MAIL_FILE_PATH (development, no mail server), "smtp" sends
    # (notifications.transports_from_config reads these settings; their defaults are only here).
    "MAIL_TRANSPORT": "file",
    "MAIL_FROM": "سامانه ارتباط مردمی ۱۳۷ <no-reply@localhost>",
    "MAIL_FILE_PATH": str(ROOT / "instance" / "outbox-mail.txt"),
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 25,
    "SMTP_USERNAME": "",             # "" = no login
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT_SECONDS": 10.0,
    # SMS: "file" appends JSON lines to SMS_FILE_PATH (development), "http" POSTs
    # {"to", "text"} to SMS_HTTP_URL with "Authorization: Bearer SMS_HTTP_KEY".
    "SMS_PROVIDER": "file",
    "SMS_HTTP_URL": "",
    "SMS_HTTP_KEY": "",
    "SMS_HTTP_TIMEOUT_SECONDS": 10.0,
    "SMS_FILE_PATH": str(ROOT / "instance" / "outbox-sms.jsonl"),
    # The mayor's fortnightly mosque meetings (programmes/mardom_salam/schedule.py): a Tuesday anchoring the
    # fortnight, the time after the evening prayer (in TIMEZONE), the districts in turn ("" = all, by
    # code), the deadlines counted from the meeting's scheduled moment: in working days the mosque
    # proposal BEFORE it and the working group's table and council letter after it; in Solar Hijri
    # calendar months the progress report and the results in the same mosque (15 Mehr + 3 = 15 Dey);
    # and when the job that creates the next meeting and the monthly policy council runs (crontab,
    # in TIMEZONE; "" = never).
    "MARDOM_SALAM_FIRST_DATE": "2026-11-24",
    "MARDOM_SALAM_TIME": "19:30",
    "MARDOM_SALAM_DISTRICTS": "",
    "MARDOM_SALAM_DEADLINE_DAYS": "proposal=5,classify=5,letter=5",
    "MARDOM_SALAM_DEADLINE_MONTHS": "progress=1,results=3",
    "MARDOM_SALAM_CRON": "0 6 * * *",
    # The portal's map (Leaflet): the tile server's URL template ({z}/{x}/{y}; a relative URL is
    # served by this site), its attribution, and where the map opens ("lat,lon,zoom"; Qom).
    "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_TILE_ATTRIBUTION": "© OpenStreetMap",
    "MAP_CENTER": "34.6401,50.8764,12",
    "DRAFT_COMMENT_DAYS": 7,  # days a draft regulation is open for public comment on the portal (source 002: one week)
    "BABEL_DEFAULT_LOCALE": "fa",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,     # a long form must not expire while a clerk types it
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "PROCESSES_DIR": str(ROOT / "processes"),
    # Attachments (documents/): where their bytes are kept ("local": files under DOCUMENTS_DIR,
    # git-ignored by default; "s3": objects in the bucket DOCUMENTS_S3_BUCKET of an
    # S3-compatible service), the largest file taken, and the virus-scan command run on
    # each upload with the file's path as last argument (exit 0 = clean; "" = no scan), e.g.
    # "clamdscan --no-summary --fdpass".
    "DOCUMENTS_STORAGE": "local",
    "DOCUMENTS_DIR": str(ROOT / "instance" / "documents"),
    # DOCUMENTS_STORAGE=s3: the service's address ("" = AWS itself; e.g. http://minio:9000),
    # the bucket (it must exist), its region, and the keys ("" = boto3's own chain:
    # AWS_* environment variables, an instance role).
    "DOCUMENTS_S3_ENDPOINT_URL": "",
    "DOCUMENTS_S3_BUCKET": "",
    "DOCUMENTS_S3_REGION": "us-east-1",
    "DOCUMENTS_S3_ACCESS_KEY": "",
    "DOCUMENTS_S3_SECRET_KEY": "",
    "DOCUMENTS_MAX_BYTES": 5 * 1024 * 1024,
    "DOCUMENTS_SCAN_COMMAND": "",
    "DOCUMENTS_SCAN_TIMEOUT_SECONDS": 60.0,
    "TESTING": False,
    # Diagram code runs in worker processes (engine/spiff/script_worker.py): each one's address
    # space, how many run at once per web process, and the bounds of the task data a script
    # leaves or a form or the API submits (JSON size in bytes, nesting depth).
    "SCRIPT_MEMORY_MB": 512,
    "SCRIPT_WORKERS": 4,
    "SCRIPT_MAX_DATA_BYTES": 1_000_000,
    "SCRIPT_MAX_DATA_DEPTH": 50,
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
