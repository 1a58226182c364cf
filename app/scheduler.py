"""APScheduler: fires due timers, sends the outbox and makes the periodic reports, in the web
process (SCHEDULER_ENABLED, `make run`) or in a process of its own (`flask scheduler run`)."""
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from programmes.complaints.report import generate_monthly_reports
from audit.signing import SigningKeyError
from programmes.mardom_salam.schedule import DEFAULT_FIRST_DATE, DEFAULT_TIME
from programmes.mardom_salam.council import (JobResult, deadline_days_of, deadline_months_of, parse_district_codes,
                                         run_meeting_schedule)
from records.retention import awaiting_approval, dispose_due_records, held_due_count
from engine import (claim_service_calls, fire_due_timer_batch, perform_service_call,
                    record_service_call)
from notifications import send_due_notifications, transports_from_config
from notifications.webhooks import (DeliverySettings, claim_due_deliveries, post_delivery,
                                    record_result)
from programmes.staff.events import notify_due_soon, notify_overdue, send_digests
from workcal.jalali import local_zone

from .audit.keys import keep_copy, make_signed_digest
from .job_locks import take_job_lock

log = logging.getLogger(__name__)


def run_job(session_factory, name: str, work, failed=None, reraise: bool = False,
            level: int = logging.ERROR, lock: str | None = None, skipped=None):
    """Run work(session) in a session of its own and commit once, at the end; return its result.

    On failure: roll back, log "<name> failed" with the traceback at level and return failed
    (or, with reraise, let the exception go to the caller); the session is always closed.
    Every scheduler job goes through here, so each is one transaction (or a loop of them).
    lock: a cron job's name in app.job_locks; when another scheduler process holds it, nothing
    is done and skipped is returned.
    """
    session = session_factory()
    try:
        if lock is not None and not take_job_lock(session, lock):
            log.info("%s: another scheduler is doing it now; skipped", name)
            session.rollback()
            return skipped
        result = work(session)
        session.commit()
        return result
    except Exception:  # noqa: BLE001 - e.g. the database went away: the next run tries again
        session.rollback()
        if reraise:
            raise
        log.log(level, "%s failed", name, exc_info=True)
        return failed
    finally:
        session.close()


def fire_due_timers(session_factory, max_instances: int = 500, batch_size: int = 50,
                    threads: int | None = None) -> int:
    """Fire due timers in batches, one transaction each; return how many instances advanced.

    threads: batches fired side by side, each in a session of its own (None: 2 on PostgreSQL,
    where SKIP LOCKED keeps their claims apart, else 1; 1 for sessions bound to a single
    connection, which threads cannot share). Half of a batch's time is spent waiting on the
    database; a second thread fires while the first waits."""
    if threads is None:
        bind = getattr(session_factory, "kw", {}).get("bind")
        threads = 2 if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else 1
    if threads <= 1:
        return _fire_batches(session_factory, max_instances, batch_size)
    shares = [max_instances // threads + (1 if i < max_instances % threads else 0)
              for i in range(threads)]
    with ThreadPoolExecutor(threads, thread_name_prefix="timers") as pool:
        runs = [pool.submit(_fire_batches, session_factory, share, batch_size)
                for share in shares if share]
        return sum(run.result() for run in runs)


def _fire_batches(session_factory, max_instances: int, batch_size: int) -> int:
    advanced, skip, isolate = 0, set(), False
    while advanced < max_instances:
        limit = min(batch_size, max_instances - advanced)
        # After a failed fast path the same timers again, each instance in its own savepoint.
        outcome = run_job(session_factory, "firing timers" if isolate else "a batch of timers",
                          partial(fire_due_timer_batch, limit=limit, skip_instance_ids=skip,
                                  isolate=isolate),
                          level=logging.ERROR if isolate else logging.WARNING)
        if outcome is None:
            if isolate:
                break
            isolate = True  # next: firing them instance by instance
            continue
        done, failed = outcome
        if not done and not failed:
            break
        # A failed instance keeps its timers due: skip it for the rest of this run only.
        skip.update(failed)
        advanced += len(done)
    return advanced


def perform_service_calls(session_factory, secrets: dict, batch_size: int = 20) -> int:
    """Service tasks' calls (engine.runtime.service_calls): claim due ones (one transaction),
    make each with no transaction open, record each outcome in a transaction of its own (the
    task completed and its instance run on, or the call put off, or an incident). Returns how
    many were attempted."""
    orders = run_job(session_factory, "claiming service calls",
                     partial(claim_service_calls, limit=batch_size), failed=[],
                     lock="service_calls", skipped=[])
    for order in orders:
        outcome = perform_service_call(order, secrets)  # a slow partner holds no transaction
        run_job(session_factory, f"recording service call {order['id']}",
                lambda session, order=order, outcome=outcome:
                record_service_call(session, order, outcome))
    return len(orders)


def generate_complaint_reports(session_factory, now=None) -> int:
    """The previous Solar Hijri month's complaint reports (F-__-0-5-02), one transaction.

    Every district gets its report if it has none, or only one made before the month ended;
    return how many were made. Safe to run daily: a complete report is not made again.
    """
    made = run_job(session_factory, "generating the complaint reports",
                   lambda session: generate_monthly_reports(session, now=now), failed=[],
                   lock="complaint_reports", skipped=[])
    for district_code, record in made:
        log.info("complaint report %s of %s: record %s", record.data["period"]["label"],
                 district_code, record.id)
    return len(made)


def make_digest_job(session_factory, settings) -> str | None:
    """Today's digest of every chain head, signed, in one transaction, then its copy kept
    outside the database; its sha256 (None on failure, or without a signing key: logged)."""
    try:
        exported = run_job(session_factory, "making the daily chain digest",
                           lambda session: make_signed_digest(session, settings), reraise=True,
                           lock="chain_digest")
    except SigningKeyError as exc:
        log.error("the daily chain digest was not made: %s", exc)
        return None
    except Exception:  # noqa: BLE001 - e.g. the database went away: the next run tries again
        log.error("making the daily chain digest failed", exc_info=True)
        return None
    if exported is None:  # another scheduler is making it
        return None
    try:
        keep_copy(exported, settings)
    except OSError:
        log.error("the copy of the chain digest of %s could not be written", exported["day"],
                  exc_info=True)
    log.info("chain digest of today: %s", exported["digest_sha256"])
    return exported["digest_sha256"]


def dispose_records_job(session_factory) -> int:
    """Dispose of the records past their keeping period in one transaction; return how many."""
    outcome = run_job(session_factory, "disposing of records",
                      lambda session: (dispose_due_records(session), held_due_count(session),
                                       len(awaiting_approval(session))), lock="retention")
    if outcome is None:
        return 0
    disposals, held, waiting = outcome
    log.info("retention: %s records disposed of, %s kept under legal hold, %s awaiting the records "
             "committee", len(disposals), held, waiting)
    return len(disposals)


def create_due_meetings(session_factory, now=None, first_date=DEFAULT_FIRST_DATE,
                        time_of_day=DEFAULT_TIME, district_codes=None, deadline_days=None,
                        council: bool = True, deadline_months=None) -> JobResult:
    """The Mardom Salam schedule (programmes.mardom_salam.council.run_meeting_schedule) in one transaction."""
    # A failure goes to the caller: `flask setup` reports it, the scheduler logs it.
    return run_job(session_factory, "the Mardom Salam schedule",
                   lambda session: run_meeting_schedule(session, now, first_date, time_of_day,
                                                        district_codes, deadline_days, council,
                                                        deadline_months),
                   reraise=True, lock="mardom_salam", skipped=JobResult())


def staff_notices_job(session_factory, now=None) -> dict:
    """Tell staff of tasks due soon and overdue, and make the digests whose working day has
    begun: three transactions, each run again safely (nobody is told of an event twice)."""
    told = {name: run_job(session_factory, f"staff notifications ({name})",
                          lambda session, work=work: work(session, now), failed=0,
                          lock=f"staff_{name}", skipped=0)
            for name, work in (("due_soon", notify_due_soon), ("overdue", notify_overdue),
                               ("digest", send_digests))}
    if any(told.values()):
        log.info("staff notifications: %s", told)
    return told


def webhook_settings(config) -> DeliverySettings:
    """The webhook sender's settings, from the WEBHOOK_* settings."""
    return DeliverySettings(timeout_seconds=config["WEBHOOK_TIMEOUT_SECONDS"],
                            max_attempts=config["WEBHOOK_MAX_ATTEMPTS"],
                            first_retry_seconds=config["WEBHOOK_FIRST_RETRY_SECONDS"],
                            max_retry_seconds=config["WEBHOOK_MAX_RETRY_SECONDS"],
                            lease_seconds=config["WEBHOOK_LEASE_SECONDS"],
                            batch_size=config["WEBHOOK_BATCH_SIZE"])


def send_webhooks_job(session_factory, settings: DeliverySettings | None = None,
                      max_batches: int = 10) -> dict:
    """Send the due webhook deliveries: claim a batch in one transaction (the job's lock, SKIP
    LOCKED rows on PostgreSQL), POST each outside any transaction, record each result in one
    of its own; batch after batch up to max_batches. Counts by resulting status."""
    settings = settings or DeliverySettings()
    outcome: dict = {}
    for _ in range(max_batches):
        claimed = run_job(session_factory, "claiming webhook deliveries",
                          partial(claim_due_deliveries, settings=settings), failed=[],
                          lock="webhooks", skipped=[])
        for delivery in claimed:
            status_code, error = post_delivery(delivery, settings.timeout_seconds)
            status = run_job(session_factory, "recording a webhook delivery",
                             lambda session, d=delivery, c=status_code, e=error:
                             record_result(session, d, c, e, settings))
            outcome[status] = outcome.get(status, 0) + 1
        if len(claimed) < settings.batch_size:
            break
    return outcome


def mardom_salam_settings(config) -> dict:
    """The Mardom Salam schedule's keyword arguments, from the MARDOM_SALAM_* settings."""
    return {"first_date": config["MARDOM_SALAM_FIRST_DATE"], "time_of_day": config["MARDOM_SALAM_TIME"],
            "district_codes": parse_district_codes(config["MARDOM_SALAM_DISTRICTS"]),
            "deadline_days": deadline_days_of(config["MARDOM_SALAM_DEADLINE_DAYS"]),
            "deadline_months": deadline_months_of(config["MARDOM_SALAM_DEADLINE_MONTHS"])}


def complaint_report_trigger(expression: str, tz=None) -> CronTrigger:
    """A crontab expression ("0 6 * * *") read in the city's time zone (tz; Asia/Tehran by default),
    at the UTC offset it has when the scheduler starts (Iran has kept +03:30 all year since 2022)."""
    zone = local_zone(tz)
    offset = datetime.now(timezone.utc).astimezone(zone).utcoffset()
    return CronTrigger.from_crontab(expression, timezone=timezone(offset, str(zone)))


def add_jobs(app, scheduler) -> None:
    """Add the timer job, the notification sender (each on its poll) and the cron jobs to scheduler."""
    tz = app.extensions["bpmn_engine"].calendars.tz  # the TIMEZONE setting
    scheduler.add_job(fire_due_timers, "interval", args=[app.extensions["db_sessions"]],
                      kwargs={"batch_size": app.config["TIMER_BATCH_SIZE"]},
                      seconds=app.config["TIMER_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="fire_due_timers")
    if app.config["COMPLAINT_REPORT_CRON"].strip():
        scheduler.add_job(generate_complaint_reports, complaint_report_trigger(
            app.config["COMPLAINT_REPORT_CRON"], tz), args=[app.extensions["db_sessions"]],
            max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
            id="generate_complaint_reports")
    if app.config["CHAIN_DIGEST_CRON"].strip():
        scheduler.add_job(make_digest_job, complaint_report_trigger(app.config["CHAIN_DIGEST_CRON"], tz),
                          args=[app.extensions["db_sessions"], app.config], max_instances=1,
                          coalesce=True, misfire_grace_time=6 * 3600, id="make_chain_digest")
    if app.config["RETENTION_CRON"].strip():
        scheduler.add_job(dispose_records_job, complaint_report_trigger(app.config["RETENTION_CRON"], tz),
                          args=[app.extensions["db_sessions"]], max_instances=1, coalesce=True,
                          misfire_grace_time=6 * 3600, id="dispose_records")
    if app.config["MARDOM_SALAM_CRON"].strip():
        scheduler.add_job(create_due_meetings, complaint_report_trigger(app.config["MARDOM_SALAM_CRON"], tz),
                          args=[app.extensions["db_sessions"]], kwargs=mardom_salam_settings(app.config),
                          max_instances=1, coalesce=True, misfire_grace_time=6 * 3600, id="mardom_salam")
    scheduler.add_job(perform_service_calls, "interval",
                      args=[app.extensions["db_sessions"],
                            app.extensions["bpmn_engine"].connector_secrets],
                      kwargs={"batch_size": app.config["SERVICE_CALL_BATCH_SIZE"]},
                      seconds=app.config["SERVICE_CALL_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="perform_service_calls")
    scheduler.add_job(staff_notices_job, "interval", args=[app.extensions["db_sessions"]],
                      seconds=app.config["STAFF_NOTICE_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="staff_notices")
    # After commit: the outbox rows the requests and timer jobs wrote (notifications/sender.py).
    scheduler.add_job(send_due_notifications, "interval",
                      args=[app.extensions["db_sessions"], transports_from_config(app.config)],
                      kwargs={"batch_size": app.config["NOTIFY_BATCH_SIZE"],
                              "max_attempts": app.config["NOTIFY_MAX_ATTEMPTS"],
                              "lease_seconds": app.config["NOTIFY_LEASE_SECONDS"]},
                      seconds=app.config["NOTIFY_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="send_due_notifications")
    # After commit, too: the webhook deliveries the steps queued (notifications/webhooks.py).
    scheduler.add_job(send_webhooks_job, "interval", args=[app.extensions["db_sessions"],
                                                           webhook_settings(app.config)],
                      seconds=app.config["WEBHOOK_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="send_webhooks")


def start_scheduler(app) -> BackgroundScheduler:
    """Start the jobs (add_jobs) in a background thread of this process (SCHEDULER_ENABLED)."""
    scheduler = BackgroundScheduler(daemon=True)
    add_jobs(app, scheduler)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler


def run_scheduler(app) -> None:
    """Run the jobs (add_jobs) in this process until SIGTERM or SIGINT: `flask scheduler run`.

    Run it N times (on one machine or several): the timers, the outbox and the staff notices
    are claimed row by row, and each cron job takes a lock of its own, so no work is done twice.
    """
    from .observability.logs import label_jobs
    scheduler = BlockingScheduler()
    add_jobs(app, scheduler)
    label_jobs(scheduler)  # each job's log lines carry its job id, as in the web process
    app.extensions["scheduler"] = scheduler

    def _stop(signum, _frame):
        log.info("scheduler: signal %s, stopping after the running jobs", signum)
        # wait=False: the handler runs in the main loop it stops, so it must not block; a job
        # already running finishes first (the executor's threads are joined at exit).
        if scheduler.running:
            scheduler.shutdown(wait=False)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("scheduler: started with jobs %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler: stopped")
