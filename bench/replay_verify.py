#!/usr/bin/env python
"""Benchmark 6 (issue 3): how fast the event log of instances can be checked.

    .venv/bin/python bench/replay_verify.py                    # SQLite and PostgreSQL
    .venv/bin/python bench/replay_verify.py --db postgresql --instances 20000 --events 20

Mode "chain" (the only one today): engine.events.verify_chain over events loaded from the
database, in events per second. The events are bulk-inserted (2,000 instances x 10 events
by default) with hashes made by engine.events.event_digest, the function append_event
uses, so the chains are exactly what the engine writes; their payloads look like the
complaint process's (instance_started, task_claimed, task_completed with Persian form
data, timer_fired, instance_completed). Three figures per database:
  * load all + verify: one ORM query for every event (ordered by instance, seq), verify
    each instance's chain (an audit job over the whole log);
  * per instance: engine.events.list_events + verify_chain, one query per instance (what
    checking one instance's history costs);
  * verify only: verify_chain over events already in memory (hashing + JSON, the floor).
A tampered event is then planted and must be found at the right seq.

Verification by re-execution (issue 7: rebuild each instance's state by running its events
through SpiffWorkflow and compare with the stored state) needs instances the engine really
made, not bulk-inserted events: bench/replay_reexecution.py measures it.

Throw-away databases: PostgreSQL bench_replay_<pid> (dropped at the end unless --keep)
and a temporary SQLite file.
"""
import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from app.demo import load_demo_data  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from modeling.deploy import deploy_process  # noqa: E402
from engine.events import GENESIS_SHA256, event_digest, list_events, verify_chain  # noqa: E402
from programmes import build_city_engine  # noqa: E402
from models import (District, Event, Instance, User, make_engine,  # noqa: E402
                    make_session_factory, utcnow)
from scratch_database import PG_ADMIN_URL, create_database, loadavg  # noqa: E402

HAS_CHAIN_HEAD = "last_event_seq" in Instance.__table__.c
COMPLAINTS = REPO / "processes" / "complaints.bpmn"


# ------------------------------------------------------------------ data
def fill(engine, factory, n_instances, n_events, seed):
    """Demo users, the complaint process, instances and chained events; (instances, events)."""
    session = factory()
    load_demo_data(session)
    version, _ = deploy_process(session, COMPLAINTS.read_bytes(), filename=COMPLAINTS.name)
    session.commit()
    district = session.scalars(select(District).order_by(District.id)).first()
    users = [u.id for u in session.scalars(select(User).order_by(User.id))]
    version_id, sha, key = version.id, version.content_sha256, version.process_key
    session.close()
    rng = random.Random(seed)
    base = utcnow() - timedelta(days=60)
    instances, events = [], []
    specs = ["Task_register_complaint", "Task_examine_service_complaint", "Task_review_answer",
             "Task_announce_result"]
    for i in range(1, n_instances + 1):
        instances.append({
            "id": i, "process_version_id": version_id, "process_key": key,
            "district_id": district.id, "status": "running", "title": "رسیدگی به شکایات",
            "tracking_code": f"R{i:09d}", "state_json": "{}", "data": {},
            "started_by_id": users[0], "started_at": base, "updated_at": base,
            "row_version": 1})
        prev, at = GENESIS_SHA256, base + timedelta(seconds=rng.uniform(0, 50 * 86400))
        for seq in range(1, n_events + 1):
            at = at + timedelta(seconds=rng.uniform(1, 86400), microseconds=rng.randrange(10**6))
            spec = specs[(seq // 3) % len(specs)]
            tid = f"00000000-0000-4000-8000-{i:08d}{seq:04d}"
            actor = rng.choice(users)
            if seq == 1:
                type_, spec, tid = "instance_started", None, None
                data = {"version": 1, "content_sha256": sha, "district": "d1",
                        "data": {"channel": "137"}}
            elif seq == n_events:
                type_, spec, tid, data = "instance_completed", None, None, {}
            elif seq % 3 == 1:
                type_, data = "task_claimed", {}
            elif seq % 3 == 2:
                type_, data = "task_completed", {"task": "بررسی شکایت از خدمات", "data": {
                    "complainant_name": "مریم احمدی", "phone": "09121234567",
                    "subject": "جمع‌آوری نشدن پسماند در کوچه", "complaint_type": "service",
                    "description": "پسماند سه روز است جمع‌آوری نشده است. " * rng.randint(1, 6),
                    "district": "d1", "urgent": rng.random() < 0.2, "score": rng.randint(1, 5),
                    "received_on": "1405-09-04"}}
            else:
                type_, actor, data = "timer_fired", None, {"due_at": at.isoformat()}
            data = json.loads(json.dumps(data, default=str))
            digest = event_digest(prev, i, seq, type_, spec, tid, actor, at, data)
            events.append({"instance_id": i, "seq": seq, "type": type_, "task_spec": spec,
                           "spiff_task_id": tid, "actor_id": actor, "at": at, "data": data,
                           "prev_sha256": prev, "sha256": digest})
            prev = digest
        if HAS_CHAIN_HEAD:  # the engine keeps the head of the chain on the instance row
            instances[-1].update(last_event_seq=n_events, last_event_sha256=prev)
    with engine.begin() as conn:
        for start in range(0, len(instances), 5000):
            conn.execute(insert(Instance.__table__), instances[start:start + 5000])
        for start in range(0, len(events), 5000):
            conn.execute(insert(Event.__table__), events[start:start + 5000])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('instances', 'id'), "
                              "(SELECT max(id) FROM instances))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return len(instances), len(events)


# ------------------------------------------------------------------ mode: chain
def timed(fn, repeat):
    """Run fn repeat times; (median seconds, its result of the last run)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def mode_chain(engine, factory, n_instances, n_events, args):
    """[(label, events, seconds, note)] for chain verification."""
    rows = []

    def load_all_and_verify():
        session = factory()
        try:
            events = session.scalars(select(Event).order_by(Event.instance_id, Event.seq)).all()
            bad = [iid for iid, evs in itertools.groupby(events, key=lambda e: e.instance_id)
                   if verify_chain(list(evs)) is not None]
            return len(events), bad
        finally:
            session.close()

    secs, (count, bad) = timed(load_all_and_verify, args.repeat)
    rows.append(("load all (1 ORM query) + verify", count, secs,
                 "intact" if not bad else f"{len(bad)} BROKEN"))

    def load_all_only():
        session = factory()
        try:
            return len(session.scalars(select(Event).order_by(Event.instance_id, Event.seq)).all())
        finally:
            session.close()

    secs_load, count = timed(load_all_only, args.repeat)
    rows.append(("  of which loading (ORM) alone", count, secs_load, ""))

    ids = list(range(1, n_instances + 1))
    sample = ids if args.per_instance_sample <= 0 else ids[:args.per_instance_sample]

    def per_instance():
        session = factory()
        try:
            total, bad = 0, 0
            for iid in sample:
                events = list_events(session, iid)
                total += len(events)
                bad += verify_chain(events) is not None
                session.expunge_all()
            return total, bad
        finally:
            session.close()

    secs, (count, bad) = timed(per_instance, args.repeat)
    rows.append((f"per instance: list_events + verify ({len(sample):,} queries)", count, secs,
                 "intact" if not bad else f"{bad} BROKEN"))

    session = factory()
    in_memory = session.scalars(select(Event).order_by(Event.instance_id, Event.seq)).all()
    session.close()
    groups = [list(g) for _, g in itertools.groupby(in_memory, key=lambda e: e.instance_id)]

    def verify_only():
        return sum(verify_chain(g) is not None for g in groups)

    secs, bad = timed(verify_only, args.repeat)
    rows.append(("verify only (events in memory)", len(in_memory), secs,
                 "intact" if not bad else f"{bad} BROKEN"))

    # Tamper with one event: the chain must break exactly there.
    victim, seq = n_instances // 2 or 1, max(2, n_events // 2)
    with engine.begin() as conn:
        conn.execute(update(Event).where(Event.instance_id == victim, Event.seq == seq)
                     .values(data={"tampered": True}))
    session = factory()
    found = verify_chain(list_events(session, victim))
    session.close()
    rows.append((f"tamper check: instance {victim} seq {seq} edited", n_events, 0.0,
                 f"found at seq {found}" + (" ok" if found == seq else " WRONG")))
    return rows


MODES = {"chain": mode_chain}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--mode", choices=sorted(MODES), default="chain")
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--events", type=int, default=10, help="events per instance")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--per-instance-sample", type=int, default=0,
                        help="instances checked one by one (0: all)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"# replay_verify  mode={args.mode}  instances={args.instances:,}  "
          f"events/instance={args.events}  repeat={args.repeat} (median)  "
          f"cores={os.cpu_count()}  load={loadavg():.2f}")
    table = []
    for kind in kinds:
        url, cleanup = create_database(kind, args.pg_admin_url, "bench_replay")
        try:
            upgrade_database(url)
            engine = make_engine(url)
            factory = make_session_factory(engine, info=build_city_engine().session_info())
            t0 = time.perf_counter()
            n_inst, n_ev = fill(engine, factory, args.instances, args.events, args.seed)
            print(f"{kind}: {n_inst:,} instances, {n_ev:,} events inserted in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
            for label, count, secs, note in MODES[args.mode](engine, factory, n_inst,
                                                             args.events, args):
                table.append((kind, label, count, secs, note, loadavg()))
            engine.dispose()
        finally:
            if args.keep:
                print(f"kept database {url}")
            else:
                cleanup()
    print(f"\n{'db':<10} {'measure':<52} {'events':>8} {'seconds':>8} {'events/s':>10} "
          f"{'load1':>6}  note")
    for kind, label, count, secs, note, load in table:
        rate = f"{count / secs:10,.0f}" if secs else f"{'':>10}"
        sec = f"{secs:8.3f}" if secs else f"{'':>8}"
        print(f"{kind:<10} {label:<52} {count:>8,} {sec} {rate} {load:6.2f}  {note}")


if __name__ == "__main__":
    main()
