"""A scheduler process for test_scheduler_killed.py: polls app.scheduler.fire_due_timers like
the real one, but after FIRE_BEFORE_HANG committed instances it stops dead in the middle of
the next one (its timer rows claimed and locked, timer_fired logged, the instance's new
state about to be written, nothing committed), prints HOLDING and waits to be killed.

Usage: python slow_scheduler_child.py DATABASE_URL FIRE_BEFORE_HANG
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.scheduler import fire_due_timers  # noqa: E402


def main(database_url: str, fire_before_hang: int, batch_size: int) -> None:
    app = create_app({"DATABASE_URL": database_url, "SCHEDULER_ENABLED": False,
                      "APP_ENV": "development"})
    engine = app.extensions["db_engine"]
    fired = []  # instances advanced by committed transactions

    def _sql(statement):
        return " ".join(statement.split()).upper()

    @event.listens_for(engine, "commit")
    def _count(conn):
        fired.extend([1] * conn.info.pop("fires", 0))

    @event.listens_for(engine, "rollback")
    def _forget(conn):
        conn.info.pop("fires", None)

    @event.listens_for(engine, "before_cursor_execute")
    def _hang(conn, _cursor, statement, _params, _context, _many):
        if _sql(statement).startswith("UPDATE INSTANCES"):
            if len(fired) >= fire_before_hang:
                print(f"HOLDING after {len(fired)} instances", flush=True)
                time.sleep(600)
            conn.info["fires"] = conn.info.get("fires", 0) + 1

    print("READY", flush=True)
    while True:
        # One thread: the test counts what a single claimant holds when it dies (two threads
        # are two claimants, as two schedulers are: tests/engine/test_timer_batches.py).
        fire_due_timers(app.extensions["db_sessions"], batch_size=batch_size, threads=1)
        time.sleep(0.05)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
