"""APScheduler in the web process: polls the timer table and fires what is due."""
import logging

from apscheduler.schedulers.background import BackgroundScheduler

from engine.timers import fire_next_due_timers

log = logging.getLogger(__name__)


def fire_due_timers(session_factory, max_instances: int = 500) -> int:
    """Fire due timers, one instance per transaction; return how many instances advanced."""
    advanced, seen = 0, set()
    while advanced < max_instances:
        session = session_factory()
        try:
            instance_id = fire_next_due_timers(session, skip_instance_ids=seen)
            session.commit()
        except Exception:  # noqa: BLE001 - a failing instance must not stop the others
            session.rollback()
            log.exception("firing timers failed")
            break
        finally:
            session.close()
        if instance_id is None:
            break
        seen.add(instance_id)
        advanced += 1
    return advanced


def start_scheduler(app) -> BackgroundScheduler:
    """Start the timer job every TIMER_POLL_SECONDS."""
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(fire_due_timers, "interval", args=[app.extensions["db_sessions"]],
                      seconds=app.config["TIMER_POLL_SECONDS"], max_instances=1,
                      coalesce=True, id="fire_due_timers")
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    return scheduler
