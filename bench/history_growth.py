"""Benchmark 5 of issue 3: history growth.

The cost of one production step after 1, 10, 100 and 200 rounds of a satisfaction loop
(tests/fixtures/satisfaction_loop.bpmn, the shape of the 137 cycle: answer, feedback call,
field review, back to the answer). The aim is a flat cost; the target is a step after 200
rounds costing no more than 2x a step after 1.

For each checkpoint the script drives one instance through the rounds with
engine.runtime.completing.complete_task on a real database (a session per step, committed, as a
request does), then measures:

- full step: complete_task + commit in a fresh session (task and instance rows read, state
  deserialized, task run, engine run, state serialized, task index, timers and events written);
  the median of --samples steps that follow the checkpoint;
- engine step: the pure in-memory step (complete the ready human task and run the engine, as
  engine.runtime.completing does between load and store) on a deserialized copy, median of
  --samples;
- deserialize / serialize: load_workflow and dump_workflow of the state at the checkpoint;
- state: the stored state_json size; tasks: the number of tasks in the live tree.

Usage:
    .venv/bin/python bench/history_growth.py                  # SQLite (a temp file)
    .venv/bin/python bench/history_growth.py --db postgres    # 127.0.0.1:5432, user postgres
    .venv/bin/python bench/history_growth.py --rounds 1,10,100,200,300 --samples 15
    .venv/bin/python bench/history_growth.py --no-prune     # the full tree, as before the fix

PostgreSQL: a database bench_history_<pid> is created and dropped afterwards.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app.demo import load_demo_data  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
import engine as runtime  # noqa: E402
from modeling.deploy import deploy_process  # noqa: E402
from engine.spiff.workflow_tasks import completed_elements, find_ready_task  # noqa: E402
from engine.spiff.workflows import (dump_workflow, load_workflow,  # noqa: E402
                                    ready_human_tasks, run_engine)
from programmes import build_city_engine  # noqa: E402
from models import HumanTask, Instance, User, make_engine, make_session_factory  # noqa: E402
from people.accounts import find_district  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "satisfaction_loop.bpmn"
DISTRICT = "d1"
# The fixture has no forms: `satisfied` comes with the start data and keeps the loop going.
START_DATA = {"satisfied": False}
STEP_DATA = {"Task_feedback_call": {"satisfied": False}}
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# ------------------------------------------------------------------ database set-up

class Database:
    def __init__(self, kind: str):
        self.kind = kind
        self.tmpdir = None
        self.pg_name = None
        if kind == "sqlite":
            self.tmpdir = tempfile.mkdtemp(prefix="bench_history_")
            self.url = f"sqlite:///{self.tmpdir}/bench.sqlite"
        else:
            self.pg_name = f"bench_history_{os.getpid()}"
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
            self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.pg_name}"
        upgrade_database(self.url)
        self.engine = make_engine(self.url)
        self.sessions = make_session_factory(self.engine, info=build_city_engine().session_info())

    @staticmethod
    def _pg_admin(sql: str) -> None:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            admin.dispose()

    def close(self) -> None:
        self.engine.dispose()
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


# ------------------------------------------------------------------ driving an instance

class Driver:
    """Starts instances of the fixture and completes their ready tasks as the lane's user."""

    def __init__(self, db: Database, bpmn: bytes):
        self.db = db
        with db.sessions() as s:
            load_demo_data(s)
            version, _ = deploy_process(s, bpmn, filename=FIXTURE.name)
            s.commit()
            self.process_key = version.process_key
            self.lanes = dict(version.lanes or {})
            self.district_id = find_district(s, DISTRICT).id
            self.user_ids = {u.username: u.id for u in s.scalars(select(User))}

    def user_for_role(self, role: str) -> int:
        return self.user_ids[f"{role}_{DISTRICT}"]

    def start(self) -> int:
        with self.db.sessions() as s:
            starter = s.get(User, self.user_for_role(next(iter(self.lanes.values()))))
            instance = runtime.start_instance(s, self.process_key, starter, self.district_id,
                                              dict(START_DATA), title="history growth")
            s.commit()
            return instance.id

    def _next(self, instance_id: int):
        with self.db.sessions() as s:
            row = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.status == "ready")
                            .order_by(HumanTask.id).limit(1)).first()
            if row is None:
                raise RuntimeError(f"instance {instance_id} has no ready task "
                                   f"(status {s.get(Instance, instance_id).status})")
            return row.id, row.task_spec, self.user_for_role(row.role)

    def step(self, instance_id: int) -> tuple[float, str]:
        """Complete the instance's ready task in a fresh session; (seconds, task spec)."""
        task_id, task_spec, user_id = self._next(instance_id)
        with self.db.sessions() as s:
            user = s.get(User, user_id)  # the request's authentication, not part of the step
            t0 = time.perf_counter()
            runtime.complete_task(s, task_id, user, dict(STEP_DATA.get(task_spec, {})))
            s.commit()
            elapsed = time.perf_counter() - t0
        return elapsed, task_spec

    def state(self, instance_id: int) -> str:
        with self.db.sessions() as s:
            instance = s.get(Instance, instance_id)
            if instance.status != "running":
                raise RuntimeError(f"instance {instance_id} is {instance.status}: "
                                   f"{instance.error_message}")
            return instance.state_json


def tree_size(workflow) -> int:
    return len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values())


def in_memory_figures(state_json: str, samples: int) -> dict:
    """Deserialize, engine step and serialize on copies of a stored state."""
    loads, engines, dumps = [], [], []
    state = state_json
    for _ in range(samples):
        t0 = time.perf_counter()
        workflow = load_workflow(state)
        t1 = time.perf_counter()
        ready = ready_human_tasks(workflow)[0]
        task = find_ready_task(workflow, ready.spiff_task_id)
        task.data.update(STEP_DATA.get(ready.task_spec, {}))
        t2 = time.perf_counter()
        task.run()
        run_engine(workflow)
        t3 = time.perf_counter()
        state = dump_workflow(workflow)
        t4 = time.perf_counter()
        loads.append(t1 - t0)
        engines.append(t3 - t2)
        dumps.append(t4 - t3)
    return {"deserialize_ms": statistics.median(loads) * 1000,
            "engine_step_ms": statistics.median(engines) * 1000,
            "serialize_ms": statistics.median(dumps) * 1000}


def run(kind: str, checkpoints: list[int], samples: int) -> list[dict]:
    db = Database(kind)
    try:
        driver = Driver(db, FIXTURE.read_bytes())
        # Warm up caches (SQL compilation, spec parsing, form loading) on another instance.
        warm = driver.start()
        for _ in range(9):
            driver.step(warm)

        instance_id = driver.start()
        loop_entry = driver._next(instance_id)[1]  # the element whose readiness starts a round
        rounds, rows = 0, []
        for checkpoint in checkpoints:
            while rounds < checkpoint:
                _, spec = driver.step(instance_id)
                if driver._next(instance_id)[1] == loop_entry:
                    rounds += 1
            state = driver.state(instance_id)
            workflow = load_workflow(state)
            row = {"rounds": checkpoint, "state_kib": len(state.encode()) / 1024,
                   "tasks": tree_size(workflow),
                   "passes_answer": completed_elements(workflow).get(loop_entry, 0)}
            row.update(in_memory_figures(state, samples))
            steps = []
            for _ in range(samples):
                elapsed, _spec = driver.step(instance_id)
                steps.append(elapsed)
                if driver._next(instance_id)[1] == loop_entry:
                    rounds += 1
            row["full_step_ms"] = statistics.median(steps) * 1000
            row["full_step_max_ms"] = max(steps) * 1000
            row["load_avg"] = os.getloadavg()[0]
            rows.append(row)
            print(f"  .. {checkpoint} rounds done (load {row['load_avg']:.2f})", file=sys.stderr)
        return rows
    finally:
        db.close()


def print_table(kind: str, rows: list[dict], samples: int) -> None:
    print(f"\nHistory growth, {kind}, satisfaction loop (3 user tasks a round), "
          f"median of {samples} steps")
    header = ("| rounds | full step ms | (max) | engine step ms | deserialize ms | serialize ms "
              "| state KiB | tasks in tree | load avg |")
    print(header)
    print("|" + "---:|" * 9)
    for r in rows:
        print(f"| {r['rounds']} | {r['full_step_ms']:.1f} | {r['full_step_max_ms']:.1f} "
              f"| {r['engine_step_ms']:.2f} | {r['deserialize_ms']:.2f} | {r['serialize_ms']:.2f} "
              f"| {r['state_kib']:.1f} | {r['tasks']} | {r['load_avg']:.2f} |")
    first = rows[0]
    for r in rows[1:]:
        print(f"ratio round{r['rounds']}/round{first['rounds']}: full step "
              f"{r['full_step_ms'] / first['full_step_ms']:.2f}x, engine step "
              f"{r['engine_step_ms'] / first['engine_step_ms']:.2f}x, state "
              f"{r['state_kib'] / first['state_kib']:.2f}x, tasks {r['tasks'] / first['tasks']:.2f}x")
    last = rows[-1]
    verdict = "met" if last["full_step_ms"] <= 2 * first["full_step_ms"] else "MISSED"
    print(f"target (round{last['rounds']} full step <= 2x round{first['rounds']}): {verdict}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", default="1,10,100,200",
                        help="checkpoints, comma-separated, increasing (default 1,10,100,200)")
    parser.add_argument("--samples", type=int, default=12, help="steps timed per checkpoint")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--no-prune", action="store_true",
                        help="keep the full task tree (the engine before history pruning)")
    args = parser.parse_args(argv)
    if args.no_prune:
        import engine.spiff.workflows
        engine.spiff.workflows.prune_history = lambda workflow: 0
    checkpoints = sorted({int(x) for x in args.rounds.split(",")})
    rows = run(args.db, checkpoints, args.samples)
    print_table(args.db + (", no pruning (full task tree)" if args.no_prune else ""), rows,
                args.samples)
    if args.json:
        Path(args.json).write_text(json.dumps({"db": args.db, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
