"""Every setting, with its default, read from the environment once."""
import os
from pathlib import Path

from connectors.secrets import secrets_from_environ
from models.base import POOL_DEFAULTS
from models.shredding import DEVELOPMENT_KEY
from workcal.jalali import DEFAULT_TIMEZONE

ROOT = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "dev-only-change-me"

DEFAULTS = {
    # "development" (`make run`, the `flask` command through .flaskenv) or "production": outside
    # development and tests (TESTING) the app refuses to start while a secret below keeps its
    # development default (check_secrets).
    "APP_ENV": "production",
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'city.sqlite'}",
    # DATABASE_URL points at PgBouncer in transaction pool mode (docs/DEPLOYMENT.md): no
    # prepared statements. Migrations (`flask db-upgrade`) go to PostgreSQL directly.
    "DATABASE_PGBOUNCER": False,
    # Signs the session cookie: whoever knows it can log in as anyone. Long random text.
    "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
    # The master key that wraps each case's own key for citizens' personal data (name, phone,
    # national ID ...: models/shredding.py). Any long random text; set it in production and
    # never lose it: without it no personal data can be read. The default is for development.
    "PERSONAL_DATA_KEY": DEVELOPMENT_KEY,
    # The login cookie (Flask's session cookie; Flask-Login's remember cookie follows it):
    # Secure (sent over HTTPS only; None = on when PUBLIC_BASE_URL is https), HttpOnly (no
    # script reads it) and SameSite (Lax: not sent with another site's POST or frames).
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Strict-Transport-Security max-age, sent when PUBLIC_BASE_URL is https (0 = never).
    "HSTS_SECONDS": 31536000,
    "PORT": 5000,
    # Observability (app/observability/): log lines as "text" (`make run`) or "json" (one JSON
    # object a line: deployments; "" = leave Python's logging alone, as tests do), each with the
    # request id (X-Request-ID) or the scheduler job's id; LOG_REQUESTS adds one line per request.
    # /metrics answers only a bearer METRICS_TOKEN ("" = none) or addresses in
    # METRICS_ALLOW_NETWORKS (CIDRs, comma-separated; "" = none); /readyz re-reads the
    # migration head at most every READY_CACHE_SECONDS once it was at head.
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "INFO",
    "LOG_REQUESTS": False,
    "METRICS_TOKEN": "",
    "METRICS_ALLOW_NETWORKS": "127.0.0.0/8,::1/128",
    "READY_CACHE_SECONDS": 60.0,
    "TIMER_POLL_SECONDS": 1.0,
    "TIMER_BATCH_SIZE": 100,         # instances whose due timers fire in one transaction
    # Instances one run of the timer job fires at most (the rest: the next poll), and the
    # threads it fires batches in (0: 2 on PostgreSQL, where SKIP LOCKED keeps them apart and
    # one fires while the other waits on the database; 1 on SQLite).
    "TIMER_MAX_PER_RUN": 500,
    "TIMER_THREADS": 0,
    # A step started by a timer that fails (a script raises) is tried again: at most this many
    # attempts in all (1 = none again), the first again after TIMER_RETRY_BACKOFF_SECONDS, each
    # next after twice the wait before; the last failure stops the instance (an incident).
    "TIMER_RETRY_ATTEMPTS": 3,
    "TIMER_RETRY_BACKOFF_SECONDS": 60.0,
    # A service task's call to another system (engine/runtime/service_calls.py), made by the
    # scheduler every SERVICE_CALL_POLL_SECONDS (SERVICE_CALL_BATCH_SIZE calls at a time): at
    # most SERVICE_RETRY_ATTEMPTS attempts, the second SERVICE_RETRY_BACKOFF_SECONDS after the
    # first failure, each next after twice the wait before; the last failure is an incident.
    "SERVICE_RETRY_ATTEMPTS": 3,
    "SERVICE_RETRY_BACKOFF_SECONDS": 30.0,
    "SERVICE_CALL_POLL_SECONDS": 5.0,
    "SERVICE_CALL_BATCH_SIZE": 20,
    # The connectors' secrets by name ({"OA_TOKEN": "..."}): every environment variable
    # CONNECTOR_SECRET_<NAME> (connectors/secrets.py). Never in a diagram, event or page.
    "CONNECTOR_SECRETS": {},
    "SCRIPT_TIMEOUT_SECONDS": 2.0,
    "API_TOKEN_HOURS": 12.0,
    # Seconds a web process trusts what it learnt about a bearer token (its user and grants)
    # before asking the database again (app/api/token_cache.py; 0 = ask on every request). A
    # token dropped, a user deactivated or a grant changed takes effect at once in the process
    # that made the change, and in every other process within this many seconds.
    "API_TOKEN_CACHE_SECONDS": 30.0,
    # The database connections of each process (SQLAlchemy's pool; PostgreSQL only: SQLite
    # opens one per thread). A process holds at most DB_POOL_SIZE + DB_MAX_OVERFLOW; a request
    # waits DB_POOL_TIMEOUT_SECONDS for one, then fails. A connection older than
    # DB_POOL_RECYCLE_SECONDS is closed and opened again when next taken (instead of a ping
    # before every use), so one cut by a firewall or PgBouncer's server_lifetime is replaced.
    # Size them with the formula in docs/ARCHITECTURE.md, "Connections and pools".
    # Defaults (models/base.py POOL_DEFAULTS): DB_POOL_SIZE 5, DB_MAX_OVERFLOW 5,
    # DB_POOL_TIMEOUT_SECONDS 10.0, DB_POOL_RECYCLE_SECONDS 1800.
    **POOL_DEFAULTS,
    # Process roles (docs/ARCHITECTURE.md "Process roles"): the scheduler (timers, outbox, cron
    # jobs) runs inside the web process (`make run`: run.py, when SCHEDULER_IN_WEB is on, the
    # default) or as processes of their own (`flask scheduler run`, N of them; a deployment sets
    # SCHEDULER_IN_WEB=0 and never SCHEDULER_ENABLED under gunicorn, where every worker would
    # start one). SCHEDULER_ENABLED starts it in create_app: run.py sets it from SCHEDULER_IN_WEB.
    "SCHEDULER_IN_WEB": True,
    "SCHEDULER_ENABLED": False,      # tests and the CLI leave it off
    # When the scheduler makes the complaint reports F-__-0-5-02 (crontab, in TIMEZONE; "" = never).
    # Each run makes the previous Solar Hijri month's reports that are missing, so a daily run
    # makes them once a month, on the 1st of the Solar month, and catches up after downtime.
    "COMPLAINT_REPORT_CRON": "0 6 * * *",
    # The daily digest of every instance's chain head (audit/digests.py; crontab, in TIMEZONE; "" = never).
    "CHAIN_DIGEST_CRON": "30 0 * * *",
    # The Ed25519 key that signs each daily digest, kept outside the database: the key itself
    # (PEM, or the base64 of its 32 bytes; from the environment) or a PEM file's path. Make one
    # with `flask audit keygen --out PATH`. Without either, a development system (on the
    # default PERSONAL_DATA_KEY) generates a key marked DEVELOPMENT-ONLY into AUDIT_DEV_KEY_DIR
    # ("" = the instance folder); any other refuses to make a digest. AUDIT_PUBLIC_KEY (base64;
    # several separated by commas after a key change) pins the keys `flask audit verify` and the
    # digest check trust (e.g. on a machine without the private key).
    "AUDIT_SIGNING_KEY": "",
    "AUDIT_SIGNING_KEY_FILE": "",
    "AUDIT_PUBLIC_KEY": "",
    "AUDIT_DEV_KEY_DIR": "",
    # A directory outside the database (another disk, a mounted share) where each signed digest
    # is also written as chain-digest-<day>.json; `flask audit verify` compares them ("" = none).
    "AUDIT_DIGEST_DIR": "",
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
    # category gets the longest (engine/deadlines.py). Since issue 23 the decision table
    # message_137_deadline (processes/decisions/) decides the hours; this setting is the fallback
    # for a category the table leaves null. MESSAGE_CLOCK says how the centre's hours
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
    # Where a referred 137 message goes: "inbox" (a task of the executive unit here), "automation"
    # (sent to the connector office_automation, whose answer comes back signed to
    # /api/v1/inbound/messages as the message office_automation_answer) or "both" (the first
    # answer wins, the other is withdrawn). Read when a message is referred.
    "MESSAGE_137_REFERRAL_TARGET": "inbox",
    # District scores of the 137 cycle (/reports/137): points taken off a district for each
    # working day a reply is late (answered late or still open past its due date).
    "SCORE_PENALTY_PER_OVERDUE_DAY": 1.0,
    # Where citizens reach this system: links in e-mails and SMS start with it.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Abuse limits of the public portal and Open311 (Flask-Limiter syntax, per client address;
    # Open311 per api_key when a valid one is sent). "memory://" counts per process: give a
    # redis://host:6379/0 URI when several workers or nodes serve, so they share the counts.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    # The Redis every node shares (redis://host:6379/0; "" = none). Set, it is where the rate
    # limits count unless RATELIMIT_STORAGE_URI names another store. Login throttling and API
    # tokens live in the database and login sessions in signed cookies, so they need no Redis.
    "REDIS_URL": "",
    "PORTAL_RATE_LIMIT": "60 per minute",          # every public page
    "PORTAL_FILE_RATE_LIMIT": "5 per minute;30 per day",   # filing a request
    "PORTAL_TRACK_RATE_LIMIT": "10 per minute;50 per day",  # code + check attempts
    "OPEN311_RATE_LIMIT": "120 per minute",
    "OPEN311_POST_RATE_LIMIT": "30 per minute",
    # The 137 centre's SMS and messenger-bot doors (app/channels_in, docs/ARCHITECTURE.md
    # "Channels in"). Each is closed (403) while its secret is empty. SMS: POST
    # /channels/sms/<SMS_IN_SECRET> (neutral format) and /channels/sms/kavenegar/<KAVENEGAR_IN_SECRET>
    # (Kavenegar's receive callback); bot: POST /channels/bot with the header
    # X-Telegram-Bot-Api-Secret-Token: BOT_WEBHOOK_SECRET (setWebhook's secret_token).
    "SMS_IN_SECRET": "",
    "KAVENEGAR_IN_SECRET": "",
    "BOT_WEBHOOK_SECRET": "",
    # The Bot API the answers go to: https://api.telegram.org/bot<TOKEN>/ or Bale's
    # https://tapi.bale.ai/bot<TOKEN>/ ("": bot answers wait in the outbox).
    "BOT_API_BASE_URL": "",
    # A message by SMS has no place: it goes to this district (code; "" = the first by code),
    # as this 137 category (the operator corrects both at intake).
    "INTAKE_DEFAULT_DISTRICT": "",
    "INTAKE_SMS_SERVICE": "service",
    # Per sender (a mobile number, a chat id) and door, Flask-Limiter syntax: past it nothing is
    # filed (a bot chat is told so politely; an SMS gets no answer, which would cost per abuse).
    "CHANNEL_IN_RATE_LIMIT": "10 per hour;30 per day",
    # Redis unreachable: count in each process's memory meanwhile (and look for Redis again)
    # rather than answer the public pages with errors.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # A prefix for the limits' keys (several sites sharing one Redis keep their counts apart).
    "RATELIMIT_KEY_PREFIX": "",
    # How many proxies in front of the site set X-Forwarded-For / -Proto (0: none; then the
    # client address is the connection's, and a forged header changes nothing). Limits and login
    # throttling count per client address, so behind a proxy set this or all share one count.
    "TRUSTED_PROXIES": 0,
    # Passwords people choose (people/passwords.py): the shortest, and the least zxcvbn score
    # (0-4: 3 = "safely unguessable"; 0 = no estimate). Common passwords and the username are
    # always refused.
    "PASSWORD_MIN_LENGTH": 10,
    "PASSWORD_MIN_SCORE": 3,
    # Login throttling (people/throttle.py): failures allowed per username and per client
    # address before each next attempt waits 2, 4, 8 ... seconds, at most LOGIN_MAX_WAIT_SECONDS;
    # a count with no failure for LOGIN_FORGET_AFTER_SECONDS starts again. An address counts
    # more failures freely (a carrier's NAT puts many people behind one).
    "LOGIN_ACCOUNT_FREE_FAILURES": 5,
    "LOGIN_ADDRESS_FREE_FAILURES": 20,
    "LOGIN_MAX_WAIT_SECONDS": 900,
    "LOGIN_FORGET_AFTER_SECONDS": 86400,
    # Login through the city's LDAP / Active Directory (people/directory.py; "" = off): its
    # address (ldaps://dc.city.local), how a username becomes the bind name
    # ("uid={username},ou=people,dc=qom,dc=ir" or "{username}@city.local"), StartTLS on ldap://,
    # and the timeout. Local passwords keep working; a directory login needs an active local
    # user of the same username (roles are granted here).
    "LDAP_URL": "",
    "LDAP_BIND_TEMPLATE": "",
    "LDAP_START_TLS": False,
    "LDAP_TIMEOUT_SECONDS": 5.0,
    # Login through the city's OpenID Connect provider (app/auth/oidc.py; off unless all three
    # are set): its issuer URL (its /.well-known/openid-configuration is read), this site's
    # client id and secret there (redirect URI: <site>/login/oidc/callback), and the ID token's
    # claim holding the username. A provider's login needs an active local user of that name.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_USERNAME_CLAIM": "preferred_username",
    # Notifications (notifications/): outbox messages are sent by the scheduler every
    # NOTIFY_POLL_SECONDS, retried with backoff (30 s doubling, at most 1 h) up to
    # NOTIFY_MAX_ATTEMPTS times; a claimed row is another sender's again after NOTIFY_LEASE_SECONDS.
    "NOTIFY_POLL_SECONDS": 10.0,
    "NOTIFY_BATCH_SIZE": 50,
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_LEASE_SECONDS": 300,
    # Webhooks (notifications/webhooks.py, /admin/webhooks): deliveries are sent by the scheduler
    # every WEBHOOK_POLL_SECONDS, WEBHOOK_BATCH_SIZE at a time, each POST given
    # WEBHOOK_TIMEOUT_SECONDS; a failure (not 2xx, a timeout, a refused connection) is retried
    # after WEBHOOK_FIRST_RETRY_SECONDS, doubling up to WEBHOOK_MAX_RETRY_SECONDS, until
    # WEBHOOK_MAX_ATTEMPTS attempts, then the delivery is failed (a redelivery by hand gives it
    # as many again); a claimed delivery is another sender's again after WEBHOOK_LEASE_SECONDS.
    "WEBHOOK_POLL_SECONDS": 10.0,
    "WEBHOOK_BATCH_SIZE": 50,
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_FIRST_RETRY_SECONDS": 30,
    "WEBHOOK_MAX_RETRY_SECONDS": 3600,
    "WEBHOOK_LEASE_SECONDS": 300,
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
    # E-mail in (programmes/intake/mail.py, `flask mail-in serve`: an LMTP listener Postfix
    # delivers to): the addresses taken (comma list; a "+tag" names a district: 137+d3@...),
    # the district of mail without a tag ("" = such mail is refused), the service each mail is
    # filed as (a 137 category of programmes.citizens.requests.SERVICES), at most
    # MAIL_IN_SENDER_LIMIT mails per sender in MAIL_IN_SENDER_WINDOW_SECONDS, at most
    # MAIL_IN_MAX_ATTACHMENTS kept per mail, and the largest mail taken (bytes).
    "MAIL_IN_ADDRESSES": "137@localhost",
    "MAIL_IN_DEFAULT_DISTRICT": "",
    "MAIL_IN_SERVICE": "service",
    "MAIL_IN_SENDER_LIMIT": 5,
    "MAIL_IN_SENDER_WINDOW_SECONDS": 3600,
    "MAIL_IN_MAX_ATTACHMENTS": 5,
    "MAIL_IN_MAX_BYTES": 25 * 1024 * 1024,
    # Or polling a mailbox over IMAP (`flask mail-in poll`): its server, port, TLS from the
    # start (IMAP4_SSL), login, folder, and the seconds between polls; "" host = no polling.
    # The unseen mails are filed as above and marked seen (a temporary failure leaves them unseen).
    "MAIL_IN_IMAP_HOST": "",
    "MAIL_IN_IMAP_PORT": 993,
    "MAIL_IN_IMAP_SSL": True,
    "MAIL_IN_IMAP_USERNAME": "",
    "MAIL_IN_IMAP_PASSWORD": "",
    "MAIL_IN_IMAP_FOLDER": "INBOX",
    "MAIL_IN_IMAP_POLL_SECONDS": 60.0,
    # Answers from partner systems (POST /api/v1/inbound/messages): how far a signed request's
    # timestamp may be from now (seconds), against replay.
    "INBOUND_SIGNATURE_TOLERANCE_SECONDS": 300,
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


# Settings read as yes/no whose default is None ("decide from other settings").
_OPTIONAL_BOOLEANS = {"SESSION_COOKIE_SECURE"}

# The secrets a deployment must set, with their development values (check_secrets).
SECRETS = {"SECRET_KEY": DEVELOPMENT_SECRET_KEY, "PERSONAL_DATA_KEY": DEVELOPMENT_KEY}
_SHORTEST_SECRET = 32
_GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


class ConfigError(RuntimeError):
    """A setting that keeps the app from starting (the message names it and the fix)."""


def _as_boolean(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def load_config(overrides: dict | None = None) -> dict:
    """Defaults, then environment variables of the same name, then explicit overrides; then
    the settings derived from others (the cookie flags). create_app then runs check_secrets."""
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = os.environ.get(key)
        if raw is None:
            continue
        if isinstance(default, bool) or key in _OPTIONAL_BOOLEANS:
            config[key] = _as_boolean(raw)
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            config[key] = type(default)(raw)
        else:
            config[key] = raw
    unknown = set(overrides or {}) - set(DEFAULTS) - {"SERVER_NAME"}
    if unknown:
        raise KeyError(f"Unknown configuration keys: {sorted(unknown)}")
    config["CONNECTOR_SECRETS"] = secrets_from_environ(os.environ)
    config.update(overrides or {})
    _derive_cookie_settings(config)
    if config["REDIS_URL"] and config["RATELIMIT_STORAGE_URI"] == DEFAULTS["RATELIMIT_STORAGE_URI"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]  # shared by every worker and node
    return config


def is_development(config: dict) -> bool:
    """True in development (APP_ENV) and in tests (TESTING): the secrets may keep their defaults."""
    return config["APP_ENV"] == "development" or bool(config["TESTING"])


def check_secrets(config: dict) -> None:
    """ConfigError outside development and tests if a secret is unset (its development
    default) or too short to be random; the message names each and says how to make one."""
    if config["APP_ENV"] not in ("development", "production"):
        raise ConfigError(f"APP_ENV must be development or production, not {config['APP_ENV']!r}.")
    if is_development(config):
        return
    problems = []
    for key, development_value in SECRETS.items():
        value = str(config.get(key) or "")
        if value in ("", development_value):
            problems.append(f"{key} is not set (it has the development default)")
        elif len(value) < _SHORTEST_SECRET:
            problems.append(f"{key} is too short")
    if problems:
        raise ConfigError(
            f"{'; '.join(problems)}. Outside development (APP_ENV=production, the default) each "
            f"must be a random text of at least {_SHORTEST_SECRET} characters; make one with\n"
            f"    {_GENERATE}\nand set it in the environment (e.g. SECRET_KEY=...). For a "
            f"development server, set APP_ENV=development instead (`make run` does).")


def _derive_cookie_settings(config: dict) -> None:
    """Secure cookies when the site is served over HTTPS (unless set); SameSite checked; the
    remember cookie (Flask-Login) with the session cookie's flags."""
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = str(config["PUBLIC_BASE_URL"]).lower().startswith("https://")
    same_site = config["SESSION_COOKIE_SAMESITE"]
    if same_site not in ("Lax", "Strict", "None"):
        raise ConfigError(f"SESSION_COOKIE_SAMESITE must be Lax, Strict or None, not {same_site!r}.")
    if same_site == "None" and not config["SESSION_COOKIE_SECURE"]:
        raise ConfigError("SESSION_COOKIE_SAMESITE=None needs SESSION_COOKIE_SECURE=1 (browsers refuse it otherwise).")
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["REMEMBER_COOKIE_HTTPONLY"] = config["SESSION_COOKIE_HTTPONLY"]
    config["REMEMBER_COOKIE_SAMESITE"] = same_site
