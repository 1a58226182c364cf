#!/usr/bin/env python
"""Benchmark 4 (issue 3): timer lateness with 10,000 timers due within one minute.

    .venv/bin/python bench/timers_due.py                       # 10,000 in 60 s, 1 then 4 schedulers
    .venv/bin/python bench/timers_due.py --instances 2000 --window 30 --schedulers 1,2,4

PostgreSQL only (several scheduler processes need FOR UPDATE SKIP LOCKED). For each
scheduler count it creates a throw-away database bench_timers_<pid>_<n> (dropped at the
end unless --keep), migrates it, loads the demo users, deploys the tiny process below
(start -> intermediate timer with timeDate `due` taken from the instance data, lane
pr_expert -> user task -> end) and starts --instances real instances through
engine.runtime.starting.start_instance (--create-workers processes, committing every --batch),
their `due` spread evenly (shuffled) over a window of --window seconds that opens once all
are started. Then it runs N scheduler processes, each calling
app.scheduler.fire_due_timers(session_factory) on an interval of --poll seconds the way
APScheduler does it in the web process (max_instances=1, coalesce: a run longer than the
interval skips the ticks it overlapped), until every timer fired.

lateness = events.at of the timer_fired event - timers.due_at. It prints p50/p99/max, the
throughput, and counts proving that each timer fired exactly once (one timer_fired event
per instance, none with two, one ready user task per instance, the sum of what the
scheduler processes report = the number of instances).

--timer-batch 1 fires one instance per transaction, as the scheduler did before batches
(bench/README.md has the before/after).

If the instances cannot all be started before the window opens, the window is not
shrunk: starting simply takes longer (the window opens later). If the schedulers cannot
keep up, lateness grows through the window; the report says so.
"""
import argparse
import logging
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PROCESS_KEY = "bench_timer_due"
USERNAME, DISTRICT = "pr_expert_d1", "d1"

BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_bench_timer"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS_KEY}" name="Bench: wait until a date" isExecutable="true">
    <bpmn:laneSet id="LaneSet_bench">
      <bpmn:lane id="Lane_pr_expert" name="pr_expert">
        <bpmn:flowNodeRef>StartEvent_bench</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Timer_until_due</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_after_timer</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_bench</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_bench">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="Timer_until_due" name="Wait until due">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_until_due">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">due</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Task_after_timer" name="After the timer">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_bench">
      <bpmn:incoming>Flow_3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_bench" targetRef="Timer_until_due" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Timer_until_due" targetRef="Task_after_timer" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_after_timer" targetRef="EndEvent_bench" />
  </bpmn:process>
</bpmn:definitions>
"""


def loadavg() -> float:
    return os.getloadavg()[0]


def admin_engine(admin_url):
    from sqlalchemy import create_engine
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_database(admin_url, name):
    from sqlalchemy import text
    admin = admin_engine(admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url, name):
    from sqlalchemy import text
    admin = admin_engine(admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url):
    from app.demo import load_demo_data
    from app.migrate import upgrade_database
    from modeling.deploy import deploy_process
    from programmes import build_city_engine
    from models import make_engine, make_session_factory
    upgrade_database(url)
    engine = make_engine(url)
    session = make_session_factory(engine, info=build_city_engine().session_info())()
    load_demo_data(session)
    deploy_process(session, BPMN.encode("utf-8"), filename="bench_timer_due.bpmn")
    session.commit()
    session.close()
    engine.dispose()


# ------------------------------------------------------------------ starting instances
def start_worker(url, dues_iso, batch, out):
    """Start one instance per due date, committing every batch; report the ids."""
    import engine as runtime
    from models import make_engine, make_session_factory
    from people.accounts import find_district, find_user
    from programmes import build_city_engine
    engine = make_engine(url)
    factory = make_session_factory(engine, info=build_city_engine().session_info())
    session = factory()
    user, district = find_user(session, USERNAME), find_district(session, DISTRICT)
    ids, t0 = [], time.monotonic()
    for start in range(0, len(dues_iso), batch):
        for due in dues_iso[start:start + batch]:
            ids.append(runtime.start_instance(session, PROCESS_KEY, user, district.id,
                                              data={"due": due}, title="bench timer").id)
        session.commit()
    session.close()
    engine.dispose()
    out.put((ids, time.monotonic() - t0))


def start_instances(ctx, url, dues, workers, batch):
    """Start instances for these due datetimes in parallel; (ids, wall seconds, seconds of
    the slowest worker's starting loop, without process start-up)."""
    dues_iso = [d.isoformat() for d in dues]
    out = ctx.Queue()
    chunks = [dues_iso[w::workers] for w in range(workers)]
    t0 = time.monotonic()
    procs = [ctx.Process(target=start_worker, args=(url, chunk, batch, out)) for chunk in chunks if chunk]
    for p in procs:
        p.start()
    ids, loop_s = [], 0.0
    for _ in procs:
        got, secs = out.get()
        ids.extend(got)
        loop_s = max(loop_s, secs)
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a starting worker failed (exit {p.exitcode})")
    return ids, time.monotonic() - t0, loop_s


# ------------------------------------------------------------------ schedulers
class _CountErrors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.count = 0
        self.first = None

    def emit(self, record):
        self.count += 1
        if self.first is None:
            self.first = self.format(record)[-600:]


def scheduler_worker(url, poll, start_at_wall, stop, out, index, n_procs, batch_size=50):
    """Like APScheduler's interval job: fire_due_timers every poll seconds, one run at a time."""
    from app.scheduler import fire_due_timers
    from models import make_engine, make_session_factory
    from programmes import build_city_engine
    errors = _CountErrors()
    for name in ("app.scheduler", "engine.runtime.timers"):
        logging.getLogger(name).addHandler(errors)
    engine = make_engine(url)
    factory = make_session_factory(engine, info=build_city_engine().session_info())
    advanced, runs, busy = 0, 0, 0.0
    cpu0 = time.process_time()  # utime + stime of this scheduler process (all its threads)
    # First tick at the window's opening, staggered over one interval: processes that
    # start at different moments tick at different phases.
    tick = start_at_wall + poll * index / n_procs
    while not stop.is_set():
        now = time.time()
        if now < tick:
            time.sleep(min(tick - now, 0.2))
            continue
        t0 = time.monotonic()
        advanced += fire_due_timers(factory, batch_size=batch_size)
        busy += time.monotonic() - t0
        runs += 1
        # coalesce: the next tick is the first one after now
        now = time.time()
        tick += poll * max(1, int((now - tick) // poll) + 1)
    cpu = time.process_time() - cpu0
    engine.dispose()
    out.put({"index": index, "advanced": advanced, "runs": runs, "busy": busy, "cpu": cpu,
             "errors": errors.count, "first_error": errors.first})


def waiting_count(engine, ids_min, ids_max):
    from sqlalchemy import func, select
    from models import Timer
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Timer).where(
            Timer.status == "waiting", Timer.instance_id.between(ids_min, ids_max)))


def run_one(args, ctx, n_schedulers):
    from sqlalchemy import func, select
    from models import Event, HumanTask, Timer, make_engine

    name = f"bench_timers_{os.getpid()}_{n_schedulers}"
    url = create_database(args.pg_admin_url, name)
    try:
        prepare(url)
        # Calibrate the start rate on a small batch (due far away: they never fire here).
        far = datetime.now(timezone.utc) + timedelta(days=30)
        cal_ids, cal_wall, cal_loop = start_instances(ctx, url, [far] * args.calibrate,
                                                      args.create_workers, args.batch)
        rate = len(cal_ids) / cal_loop
        lead = args.instances / rate * 2.0 + (cal_wall - cal_loop) + 10  # starting slows as it goes
        window_open = datetime.now(timezone.utc) + timedelta(seconds=lead)
        rng = random.Random(args.seed)
        offsets = [args.window * (k + 0.5) / args.instances for k in range(args.instances)]
        rng.shuffle(offsets)
        dues = [window_open + timedelta(seconds=o) for o in offsets]
        print(f"  [{n_schedulers} sched] starting {args.instances:,} instances at "
              f"~{rate:.0f}/s ({args.create_workers} workers, calibrated on {args.calibrate}); "
              f"window opens in {lead:.0f} s; load {loadavg():.2f}", flush=True)
        ids, start_s, _ = start_instances(ctx, url, dues, args.create_workers, args.batch)
        late_by = (datetime.now(timezone.utc) - window_open).total_seconds()
        print(f"  [{n_schedulers} sched] started in {start_s:.1f} s "
              f"({len(ids) / start_s:.0f}/s); window opens in {-late_by:.1f} s; "
              f"load {loadavg():.2f}", flush=True)
        if late_by > 0:
            print(f"  WARNING: starting ended {late_by:.1f} s after the window opened; "
                  "early timers were already due before the schedulers ran")
        ids_min, ids_max = min(ids), max(ids)
        engine = make_engine(url)

        stop, out = ctx.Event(), ctx.Queue()
        start_wall = window_open.timestamp()
        procs = [ctx.Process(target=scheduler_worker,
                             args=(url, args.poll, start_wall, stop, out, i, n_schedulers,
                                   args.timer_batch))
                 for i in range(n_schedulers)]
        for p in procs:
            p.start()
        loads = []
        deadline = time.time() + max(0.0, start_wall - time.time()) + args.window + args.max_wait
        while time.time() < deadline:
            time.sleep(1.0)
            if time.time() > start_wall:
                loads.append(loadavg())
            if time.time() > start_wall + args.window and \
                    waiting_count(engine, ids_min, ids_max) == 0:
                break
        stop.set()
        reports = [out.get() for _ in procs]
        for p in procs:
            p.join()

        with engine.connect() as conn:
            rows = conn.execute(
                select(Event.instance_id, Event.at, Timer.due_at, Timer.fired_at)
                .join(Timer, (Timer.instance_id == Event.instance_id)
                      & (Timer.spiff_task_id == Event.spiff_task_id))
                .where(Event.type == "timer_fired",
                       Event.instance_id.between(ids_min, ids_max))).all()
            per_instance = dict(conn.execute(
                select(Event.instance_id, func.count()).where(
                    Event.type == "timer_fired", Event.instance_id.between(ids_min, ids_max))
                .group_by(Event.instance_id)).all())
            ready = conn.scalar(select(func.count(func.distinct(HumanTask.instance_id))).where(
                HumanTask.status == "ready", HumanTask.instance_id.between(ids_min, ids_max)))
            ready_rows = conn.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.status == "ready", HumanTask.instance_id.between(ids_min, ids_max)))
            waiting = conn.scalar(select(func.count()).select_from(Timer).where(
                Timer.status == "waiting", Timer.instance_id.between(ids_min, ids_max)))
        engine.dispose()
        lateness = sorted((at - due).total_seconds() for _, at, due, _ in rows)
        fired_col = sorted((f - due).total_seconds() for _, _, due, f in rows if f is not None)
        if not lateness:
            raise SystemExit("no timer fired")
        q = statistics.quantiles(lateness, n=100, method="inclusive")
        first_fire = min(at for _, at, _, _ in rows)
        last_fire = max(at for _, at, _, _ in rows)
        span = (last_fire - first_fire).total_seconds() or 1e-9
        exactly_one = sum(1 for i in ids if per_instance.get(i) == 1)
        twice = sum(1 for i in ids if per_instance.get(i, 0) > 1)
        never = sum(1 for i in ids if per_instance.get(i, 0) == 0)
        # lateness of the first and last tenth of the window: shows a growing backlog
        by_due = sorted(((due, (at - due).total_seconds()) for _, at, due, _ in rows))
        tenth = max(1, len(by_due) // 10)
        early = statistics.median(x for _, x in by_due[:tenth])
        late = statistics.median(x for _, x in by_due[-tenth:])
        return {
            "schedulers": n_schedulers, "instances": len(ids), "p50": q[49], "p99": q[98],
            "max": lateness[-1], "fired_col_p99": statistics.quantiles(
                fired_col, n=100, method="inclusive")[98] if len(fired_col) > 1 else None,
            "rate": len(rows) / span, "exactly_one": exactly_one, "twice": twice,
            "never": never, "ready": ready, "ready_rows": ready_rows, "waiting": waiting,
            "reported": sum(r["advanced"] for r in reports),
            "per_proc": [r["advanced"] for r in sorted(reports, key=lambda r: r["index"])],
            "busy": [round(r["busy"], 1) for r in sorted(reports, key=lambda r: r["index"])],
            "cpu_ms": sum(r["cpu"] for r in reports) * 1000 / max(1, sum(r["advanced"] for r in reports)),
            "errors": sum(r["errors"] for r in reports),
            "first_error": next((r["first_error"] for r in reports if r["first_error"]), None),
            "start_rate": len(ids) / start_s, "late_start": late_by,
            "early_med": early, "late_med": late,
            "load": statistics.mean(loads) if loads else loadavg(), "load_max": max(loads or [0]),
        }
    finally:
        if args.keep:
            print(f"  kept database {url}")
        else:
            drop_database(args.pg_admin_url, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the dues span")
    parser.add_argument("--schedulers", default="1,4", help="comma-separated process counts")
    parser.add_argument("--poll", type=float, default=1.0,
                        help="interval of the scheduler job (TIMER_POLL_SECONDS, 1.0)")
    parser.add_argument("--create-workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100, help="instances per commit")
    parser.add_argument("--calibrate", type=int, default=200)
    parser.add_argument("--max-wait", type=float, default=900.0,
                        help="give up this long after the window closes")
    parser.add_argument("--timer-batch", type=int, default=100,
                        help="instances fired per transaction (TIMER_BATCH_SIZE; 1: one at a time)")
    parser.add_argument("--target-p99", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    counts = [int(x) for x in args.schedulers.split(",") if x.strip()]
    print(f"# timers_due  instances={args.instances:,}  window={args.window:.0f}s "
          f"(= {args.instances / args.window:.0f} timers/s due)  poll={args.poll}s  timer-batch={args.timer_batch}  "
          f"schedulers={counts}  cores={os.cpu_count()}  load={loadavg():.2f}", flush=True)
    results = []
    for n in counts:
        results.append(run_one(args, ctx, n))
        r = results[-1]
        if r["first_error"]:
            print(f"  first scheduler error: {r['first_error']}")

    print(f"\n{'sched':>5} {'timers':>7} {'p50 s':>7} {'p99 s':>7} {'max s':>7} "
          f"{'fired/s':>8} {'med 1st/last 10%':>17} {'once':>6} {'twice':>5} {'never':>5} "
          f"{'ready':>6} {'sum':>6} {'err':>4} {'load avg/max':>12}  target p99<{args.target_p99:g}s")
    for r in results:
        ok = "ok" if r["p99"] < args.target_p99 and r["twice"] == 0 and r["never"] == 0 \
            else "MISSED"
        print(f"{r['schedulers']:>5} {r['instances']:>7,} {r['p50']:7.2f} {r['p99']:7.2f} "
              f"{r['max']:7.2f} {r['rate']:8.1f} {r['early_med']:8.2f}/{r['late_med']:<8.2f} "
              f"{r['exactly_one']:>6,} {r['twice']:>5} {r['never']:>5} {r['ready']:>6,} "
              f"{r['reported']:>6,} {r['errors']:>4} {r['load']:6.2f}/{r['load_max']:<5.2f}  {ok}")
    for r in results:
        print(f"  {r['schedulers']} scheduler(s): per process {r['per_proc']} instances, busy "
              f"{r['busy']} s; ready task rows {r['ready_rows']:,}; still waiting "
              f"{r['waiting']}; scheduler CPU {r['cpu_ms']:.2f} ms per fired instance; "
              f"timers.fired_at lateness p99 {r['fired_col_p99']:.2f} s; "
              f"started at {r['start_rate']:.0f}/s")
    print("\nlateness = events.at(timer_fired) - timers.due_at; 'once' = instances with exactly "
          "one timer_fired event; 'sum' = instances advanced as reported by the schedulers; "
          "'med 1st/last 10%' = median lateness of the earliest / latest tenth of the dues.")


if __name__ == "__main__":
    main()
