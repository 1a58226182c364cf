"""The locks that let exactly one scheduler process run a cron job at a time.

On PostgreSQL each job takes a transaction-level advisory lock of its own key
(pg_try_advisory_xact_lock): a second scheduler running the same job at once does not get it
and skips that run (the first one's work is committed with the lock's release, and the job's
unique constraints make any later run a no-op). On SQLite the write lock every transaction
takes at BEGIN (IMMEDIATE) already serialises the jobs, so the lock is always granted.
"""
from sqlalchemy import text

# One key per job; engine/events.py uses 190_032 for the city chain. Never reuse a number.
JOB_LOCK_KEYS = {
    "complaint_reports": 190_101,
    "chain_digest": 190_102,
    "retention": 190_103,
    "mardom_salam": 190_104,
    "staff_due_soon": 190_105,
    "staff_overdue": 190_106,
    "staff_digest": 190_107,
    "webhooks": 190_108,
    # Claiming service calls (rows are claimed with SKIP LOCKED as well; the lock keeps two
    # schedulers from scanning the same due rows at once).
    "service_calls": 190_131,
}


def take_job_lock(session, job: str) -> bool:
    """True if this transaction may run the job (it holds the job's lock until it ends)."""
    key = JOB_LOCK_KEYS[job]
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))
