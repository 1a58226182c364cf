#!/usr/bin/env python
"""Benchmark 8 (issue 17): the oversight dashboard at 100,000 instances.

    .venv/bin/python bench/dashboard.py                       # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/dashboard.py --db sqlite --samples 50
    .venv/bin/python bench/dashboard.py --without-index       # before migration 0021's index

Fills a throw-away database (a temporary SQLite file; PostgreSQL: bench_dashboard_<pid> on
127.0.0.1:5432, user postgres, created and dropped) migrated with Alembic, with the demo users
and those of 16 districts, processes/complaints.bpmn and citizen_message_137.bpmn deployed,
then bulk-inserts (COPY on PostgreSQL, executemany on SQLite; not through the engine: the
dashboard reads only instances and human_tasks) 100,000 instances over the last 90 days:
40 % complaints (bench/inbox_data.py: three task rows each) and 60 % 137 messages (intake;
60 % answered on the spot, the rest referred: an executive reply after 1-150 hours or still
open, deputy escalations of the open ones past 72 hours, a feedback call, one in ten sent back
for a second round), and their events (one per start and per completed task).

Then it times (median and p95 in ms, --samples each) the functions of
programmes/oversight/dashboard.py: open_work and message_figures city-wide and for one
district, build_dashboard (both together), and the pages GET /dashboard (city-wide and a
district mayor), GET /api/v1/dashboard and one drill-down list through Flask; prints the load
average beside each figure and the query plans of the two queries. No figure is asserted.
--without-index puts the indexes back as they were before migration 0021 (its two dropped, 0006's
ix_instances_process_started back): the "before" of the index figures;
--compare fills once and measures before and after 0021's indexes, alternating twice (the
load others put on the shared machine drifts); --keep keeps the database and --url measures a
kept one again.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (str(REPO), str(Path(__file__).resolve().parent)):
    if path not in sys.path:
        sys.path.insert(0, path)

from sqlalchemy import event, func, select, text  # noqa: E402

from app.demo import DEMO_PASSWORD  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from inbox_data import (analyze, bulk_insert, generate_rows,  # noqa: E402
                        load_people_and_process, real_state_json)
from modeling.deploy import deploy_process  # noqa: E402
from models import (District, Event, HumanTask, Instance, ProcessVersion, RoleGrant,  # noqa: E402
                    make_engine, make_session_factory, utcnow)
from programmes import build_city_engine  # noqa: E402
from programmes.oversight.dashboard import (age_boundaries, build_dashboard,  # noqa: E402
                                            message_figures, open_work)
from scratch_database import PG_ADMIN_URL, create_database, loadavg  # noqa: E402

MESSAGES = REPO / "processes" / "citizen_message_137.bpmn"
NEW_INDEXES = ("ix_human_tasks_spec_instance", "ix_instances_process_started_outcome")  # migration 0021


def message_rows(session, version, first_id: int, count: int, now, seed: int, state_json: str):
    """(instance dicts, human task dicts) of `count` 137 messages with ids from first_id."""
    rng = random.Random(seed)
    districts = [d.id for d in session.scalars(select(District).order_by(District.id))]
    starter = {g.district_id: g.user_id for g in session.scalars(
        select(RoleGrant).where(RoleGrant.role == "intake_operator", RoleGrant.district_id.isnot(None)))}
    instances, tasks = [], []
    serial = 0

    def task(instance_id, district, spec, role, created, due=None, done=None):
        nonlocal serial
        serial += 1
        tasks.append({"instance_id": instance_id, "spiff_task_id": f"00000000-0000-4137-8000-{serial:012d}",
                      "process_key": version.process_key, "task_spec": spec, "name": spec, "lane": None,
                      "role": role, "district_id": district, "assignee_id": None, "form_key": None,
                      "form_version": None, "status": "completed" if done else "ready",
                      "created_at": created, "due_at": due, "completed_at": done, "completed_by_id": None})

    for i in range(first_id, first_id + count):
        district = rng.choice(districts)
        started = now - timedelta(seconds=rng.uniform(60, 90 * 86400))
        completed = None
        registered = started + timedelta(minutes=rng.uniform(1, 30))
        if registered > now:
            task(i, district, "Task_register_message", "intake_operator", started)
        elif rng.random() < 0.6:  # answered on the spot
            task(i, district, "Task_register_message", "intake_operator", started, done=registered)
            completed = registered
        else:
            task(i, district, "Task_register_message", "intake_operator", started, done=registered)
            round_start = registered
            for round_no in (1, 2):
                due = round_start + timedelta(hours=rng.choice((24, 48, 72)))
                replied = round_start + timedelta(hours=rng.uniform(1, 150))
                if replied > now or rng.random() < 0.1:  # not replied yet
                    task(i, district, "Task_executive_reply", "department_head", round_start, due)
                    if now - round_start > timedelta(hours=72):
                        task(i, district, "Task_deputy_followup", "deputy",
                             round_start + timedelta(hours=72))
                    break
                task(i, district, "Task_executive_reply", "department_head", round_start, due, replied)
                called = replied + timedelta(hours=rng.uniform(1, 48))
                if called > now:
                    task(i, district, "Task_feedback_call", "feedback_unit", replied)
                    break
                task(i, district, "Task_feedback_call", "feedback_unit", replied, done=called)
                if round_no == 2 or rng.random() >= 0.1:
                    completed = called
                    break
                checked = called + timedelta(hours=rng.uniform(2, 72))  # not satisfied
                if checked > now:
                    task(i, district, "Task_field_investigation", "followup_unit", called)
                    break
                task(i, district, "Task_field_investigation", "followup_unit", called, done=checked)
                round_start = checked
        instances.append({
            "id": i, "process_version_id": version.id, "process_key": version.process_key,
            "district_id": district, "status": "completed" if completed else "running",
            "title": "پیام ۱۳۷", "tracking_code": f"137-B{i:09d}", "state_json": state_json, "data": {},
            "error_message": None, "started_by_id": starter[district], "started_at": started,
            "updated_at": completed or started, "completed_at": completed, "row_version": 1})
    return instances, tasks


def event_rows(instances, tasks):
    """One instance_started event per instance and one task_completed per completed task."""
    rows, seq = [], {}
    for row in instances:
        seq[row["id"]] = 1
        rows.append({"instance_id": row["id"], "seq": 1, "type": "instance_started", "task_spec": None,
                     "spiff_task_id": None, "actor_id": row["started_by_id"], "at": row["started_at"],
                     "data": {}, "prev_sha256": "0" * 64, "sha256": f"{row['id']:064x}"})
    for t in tasks:
        if t["status"] != "completed":
            continue
        seq[t["instance_id"]] += 1
        rows.append({"instance_id": t["instance_id"], "seq": seq[t["instance_id"]], "type": "task_completed",
                     "task_spec": t["task_spec"], "spiff_task_id": t["spiff_task_id"], "actor_id": None,
                     "at": t["completed_at"], "data": {}, "prev_sha256": "0" * 64, "sha256": "1" * 64})
    return rows


def timed(fn, samples: int, warmup: int = 2) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms), statistics.quantiles(ms, n=20, method="inclusive")[18]


def explain(engine, statement, parameters) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        return "\n".join("  " + " | ".join(str(c) for c in r)
                         for r in conn.exec_driver_sql(prefix + statement, parameters))


def run(kind: str, args) -> None:
    if args.url:  # a database a run with --keep filled: measure again (after a change)
        _measure(kind, args.url, args, make_engine(args.url))
        return
    url, cleanup = create_database(kind, args.pg_admin_url, "bench_dashboard")
    try:
        _run(kind, url, args)
    finally:
        if args.keep:
            print(f"\nkept database: {url}")
        else:
            cleanup()


def _run(kind, url, args):
    print(f"\n# dashboard  db={kind}  instances={args.instances:,}  districts={args.districts}  "
          f"samples={args.samples}  cores={os.cpu_count()}  load={loadavg():.2f}  "
          f"migration 0021's indexes: "
          f"{'before and after' if args.compare else 'dropped' if args.without_index else 'present'}")
    t0 = time.perf_counter()
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine, info=build_city_engine().session_info())
    complaints = load_people_and_process(factory, args.districts)
    session = factory()
    messages, _ = deploy_process(session, MESSAGES.read_bytes(), filename=MESSAGES.name)
    session.commit()
    complaints = session.get(ProcessVersion, complaints.id)
    state = real_state_json(complaints)
    now = utcnow()
    n_complaints = int(args.instances * 0.4)
    instances, tasks = generate_rows(session, complaints, n_complaints, now, args.seed, state)
    more, more_tasks = message_rows(session, messages, n_complaints + 1, args.instances - n_complaints,
                                    now, args.seed, state)
    instances += more
    tasks += more_tasks
    for t in tasks:
        t.setdefault("form_version", None)
    events = event_rows(instances, tasks)
    session.close()
    t1 = time.perf_counter()
    bulk_insert(engine, Instance.__table__, instances)
    bulk_insert(engine, HumanTask.__table__, tasks)
    bulk_insert(engine, Event.__table__, events)
    if args.without_index or args.compare:
        indexes_before_0021(engine)
    analyze(engine)
    t2 = time.perf_counter()
    with engine.connect() as conn:
        ready = conn.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.status == "ready"))
    print(f"set-up {t1 - t0:.0f} s, insert + analyze {t2 - t1:.0f} s: {len(instances):,} instances "
          f"({len(more):,} 137 messages), {len(tasks):,} task rows ({ready:,} open), {len(events):,} events")
    del instances, tasks, events, more, more_tasks
    if not args.compare:
        _measure(kind, url, args, engine)
        return
    # Before and after on the same rows, twice each, alternating: the load others put on the
    # machine drifts, and a single before/after pair would measure the drift.
    for round_no in (1, 2):
        if round_no == 2:
            indexes_before_0021(engine)
            analyze(engine)
        print(f"\n## round {round_no}: before migration 0021 (its indexes dropped, 0006's back)")
        _measure(kind, url, args, engine, plans=False)
        indexes_of_0021(engine)
        analyze(engine)
        print(f"\n## round {round_no}: after migration 0021")
        _measure(kind, url, args, engine, plans=round_no == 2)


def indexes_before_0021(engine):
    """The schema's indexes as they were before migration 0021."""
    with engine.begin() as conn:
        for name in NEW_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_instances_process_started "
                          "ON instances (process_key, started_at)"))


def indexes_of_0021(engine):
    """Migration 0021's indexes, in place of 0006's."""
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_human_tasks_spec_instance "
                          "ON human_tasks (task_spec, instance_id, status, completed_at)"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_instances_process_started_outcome "
                          "ON instances (process_key, started_at, district_id, completed_at, id)"))
        conn.execute(text("DROP INDEX IF EXISTS ix_instances_process_started"))


def _measure(kind, url, args, engine, plans=True):
    factory = make_session_factory(engine, info=build_city_engine().session_info())
    now = utcnow()
    if args.url:
        print(f"\n# dashboard  db={kind}  {url}  samples={args.samples}  load={loadavg():.2f}")
    with factory() as s:  # closed at once: on SQLite an open session holds the write lock
        d1 = s.scalar(select(District.id).where(District.code == "d1"))
    statements = {}

    def keep_statement(conn, cursor, statement, parameters, context, executemany):
        statements[current[0]] = (statement, parameters)
    current = [None]
    event.listen(engine, "before_cursor_execute", keep_statement)

    def call(label, fn):
        def run_once():
            current[0] = label
            s = factory()
            try:
                fn(s)
            finally:
                s.close()
        return run_once

    scenarios = [
        ("age_boundaries (16 district calendars, Python)", call("bounds", lambda s: age_boundaries(s, now))),
        ("open_work, city-wide (GROUP BY district, role)", call("open", lambda s: open_work(s, now))),
        ("open_work, one district", call("open_d1", lambda s: open_work(s, now, {d1}))),
        ("message_figures, city-wide (8 weeks)", call("messages", lambda s: message_figures(s, now))),
        ("message_figures, one district", call("messages_d1", lambda s: message_figures(s, now, {d1}))),
        ("build_dashboard, city-wide (all figures)", call("board", lambda s: build_dashboard(s, now))),
        ("build_dashboard, one district", call("board_d1", lambda s: build_dashboard(s, now, {d1}))),
    ]
    print(f"\n{'what':<52} {'median ms':>10} {'p95 ms':>8} {'load':>6}")
    for label, fn in scenarios:
        median, p95 = timed(fn, args.samples)
        print(f"{label:<52} {median:10.1f} {p95:8.1f} {loadavg():6.2f}", flush=True)

    from app import create_app
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "TESTING": True})

    def client(username):
        c = app.test_client()
        assert c.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
        return c
    central, mayor = client("central_pr"), client("district_mayor_d1")
    token = app.test_client().post("/api/v1/auth/token", json={"username": "central_inspection",
                                                               "password": DEMO_PASSWORD}).get_json()["token"]
    api = app.test_client()

    def page(c, path, headers=None):
        def fn():
            response = c.get(path, headers=headers or {})
            assert response.status_code == 200, (path, response.status_code)
        return fn
    for label, fn in (("GET /dashboard, central PR (16 districts)", page(central, "/dashboard")),
                      ("GET /dashboard, district mayor", page(mayor, "/dashboard")),
                      ("GET /api/v1/dashboard, central inspection",
                       page(api, "/api/v1/dashboard", {"Authorization": f"Bearer {token}"})),
                      ("GET /instances?district=d1&overdue=1&open=1 (drill-down)",
                       page(central, "/instances?district=d1&overdue=1&open=1"))):
        median, p95 = timed(fn, args.samples)
        print(f"{label:<52} {median:10.1f} {p95:8.1f} {loadavg():6.2f}", flush=True)
    event.remove(engine, "before_cursor_execute", keep_statement)
    for label in ("open", "messages") if plans else ():
        print(f"\nplan of {label} (city-wide):")
        print(explain(engine, *statements[label]))
    app.extensions["db_engine"].dispose()
    engine.dispose()


def postgres_reachable(admin_url: str) -> bool:
    from sqlalchemy import create_engine
    try:
        with create_engine(admin_url).connect():
            return True
    except Exception:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=16)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    parser.add_argument("--url", help="measure a database kept by --keep (no set-up)")
    parser.add_argument("--compare", action="store_true",
                        help="fill once; measure before and after migration 0021's indexes, twice")
    parser.add_argument("--without-index", action="store_true",
                        help="drop migration 0021's indexes before measuring")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        if kind == "postgresql" and not postgres_reachable(args.pg_admin_url):
            print("\nPostgreSQL is not reachable at 127.0.0.1:5432: skipped")
            continue
        run(kind, args)


if __name__ == "__main__":
    main()
