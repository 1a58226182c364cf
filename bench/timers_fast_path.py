#!/usr/bin/env python
"""Throughput probe of one scheduler's firing path (issue 21; bench/README.md 4b).

    .venv/bin/python bench/timers_fast_path.py [--instances 800] [--batch 50] [--threads 1,2] [--profile]

PostgreSQL only. Creates the database --database (dropped and re-created: a scratch name), deploys
bench/timers_due.py's process, starts --instances instances whose timers are due in five days,
then sets every timer's due_at one second in the past (firing makes them due in the workflow
itself, as the scheduler does), and times app.scheduler.fire_due_timers over all of them, once
per --threads value (the database is made again for each). Prints fired/s, the process's CPU per
instance (all threads), SQL statements per instance (an engine event) and the load average;
--profile writes a cProfile of the last run to /tmp/timers_fast_path.prof and prints its top.
"""
import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import timers_due as td  # noqa: E402


def run(args, threads: int) -> None:
    from sqlalchemy import create_engine, event, text
    from app.scheduler import fire_due_timers
    from models import make_engine, make_session_factory
    from programmes import build_city_engine

    url = td.create_database(args.pg_admin_url, args.database)
    try:
        td.prepare(url)
        due = (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()
        t0 = time.time()
        td.start_worker(url, [due] * args.instances, 200, _Sink())
        print(f"  started {args.instances} instances in {time.time() - t0:.1f} s", flush=True)
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text("UPDATE timers SET due_at = now() AT TIME ZONE 'utc' - interval '1 second'"))
        admin.dispose()

        engine = make_engine(url)
        factory = make_session_factory(engine, info=build_city_engine().session_info())
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

        warm = fire_due_timers(factory, max_instances=50, batch_size=args.batch, threads=1)
        statements[0] = 0
        profile = cProfile.Profile() if args.profile else None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        fired = fire_due_timers(factory, max_instances=args.instances, batch_size=args.batch,
                                threads=threads)
        if profile:
            profile.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        engine.dispose()
        print(f"threads {threads}: fired {fired} (after {warm} warm-up) in {wall:.2f} s = "
              f"{fired / wall:.1f}/s; CPU {cpu / fired * 1000:.2f} ms per instance; "
              f"{statements[0] / fired:.2f} statements per instance; load "
              f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        if profile:
            profile.dump_stats("/tmp/timers_fast_path.prof")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    finally:
        td.drop_database(args.pg_admin_url, args.database)


class _Sink:
    def put(self, _item):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-admin-url", default=td.PG_ADMIN_URL)
    parser.add_argument("--database", default=f"bench_timers_fast_{os.getpid()}")
    parser.add_argument("--instances", type=int, default=800)
    parser.add_argument("--batch", type=int, default=100, help="TIMER_BATCH_SIZE")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    for threads in (int(x) for x in args.threads.split(",") if x.strip()):
        run(args, threads)


if __name__ == "__main__":
    main()
