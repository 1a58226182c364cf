"""Peer benchmark (issue 21): the W1/W2/W3 shapes through the JSON API, under gunicorn.

The shapes, so that the same can be run against another engine (SpiffArena: bench/README.md):
  W1  a process of three user tasks (w1_three_tasks.bpmn), each instance started and its three
      tasks completed through the REST API; once by one client (sequential), once by 4
      concurrent clients. Figures: instances/s, completions/s, completion p50/p95/p99, server
      CPU per completion and per request.
  W2  a 200-round loop (w2_loop.bpmn): one user task done 200 times, a script counting the
      rounds and a gateway sending it back; one client completes the 200 rounds of an instance.
      Figures: rounds/s, completion p50 of the first and last 20 rounds (history growth).
  W3  a 2-second timer (w3_timer.bpmn): N instances started through the API, each waiting
      "PT2S" before a user task; a scheduler process (the app's APScheduler job, poll 1 s) fires
      them. Lateness = the timer_fired event's time - its due time (both from the API's event
      log, GET /api/v1/instances/<id>/events). Figures: lateness p50/p99/max, starts/s.

Run (from the repository root):
  .venv/bin/python bench/peer/peer_bench.py                         # SQLite
  .venv/bin/python bench/peer/peer_bench.py --database postgresql   # PostgreSQL on 127.0.0.1:5432
  options: --w1 N (instances per W1 run, 200) --clients K (4) --w2-instances N (2)
           --w3 N (timer instances, 200) --workers W --threads T --only w1,w2,w3

It creates a throw-away database (a SQLite file in /tmp, or PostgreSQL peer_bench_<pid>),
migrates it, loads the demo users and deploys the three diagrams of this folder (what an
operator does once), then starts gunicorn the way bench/http_end_to_end.py does
(-k gthread, keep-alive; clients open a new connection every 20 requests so both workers get
work). Server CPU is utime+stime of the gunicorn master and workers from /proc, before and after
each phase; the load average (other processes share the machine) is printed with every phase.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

PEER = Path(__file__).resolve().parent
BENCH = PEER.parent
ROOT = BENCH.parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from api_clients import PASSWORD, Client  # noqa: E402
from gunicorn_server import (PgBackends, cpu_delta, cpu_seconds, free_port,  # noqa: E402
                             server_pids, start_server, stop_server)
from scratch_database import create_database  # noqa: E402

USER, DISTRICT = "pr_expert_d1", "d1"  # the diagrams' lane is pr_expert
W1, W2, W3 = "peer_w1_three_tasks", "peer_w2_loop", "peer_w3_timer"
DIAGRAMS = ("w1_three_tasks.bpmn", "w2_loop.bpmn", "w3_timer.bpmn")


def loadavg() -> str:
    """The 1, 5 and 15-minute load averages."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values, p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def ms(values, p=None) -> str:
    if not values:
        return "-"
    return f"{(statistics.median(values) if p is None else pct(values, p)) * 1000:.1f}"


# ---------------------------------------------------------------- database and servers

def prepare_database(kind: str, pg_admin_url: str):
    """A fresh database with the schema, demo users and the three diagrams; (url, drop)."""
    url, drop = create_database(kind, pg_admin_url, "peer_bench")
    from app.demo import load_demo_data
    from app.migrate import upgrade_database
    from modeling.deploy import deploy_process
    from models import make_engine, make_session_factory
    from programmes import build_city_engine
    upgrade_database(url)
    engine = make_engine(url)
    with make_session_factory(engine, info=build_city_engine().session_info())() as session:
        load_demo_data(session)
        for name in DIAGRAMS:
            deploy_process(session, (PEER / name).read_bytes(), filename=name)
        session.commit()
    engine.dispose()
    return url, drop


def start_scheduler(url: str, log_path: Path):
    """A process running the app's scheduler (timer job every TIMER_POLL_SECONDS) and nothing else."""
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development")
    code = ("import time; from app import create_app; create_app({'SCHEDULER_ENABLED': True}); "
            "print('scheduler up', flush=True)\nwhile True: time.sleep(3600)")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)


# ---------------------------------------------------------------- clients

class Api:
    """One client: a keep-alive connection renewed every 20 requests, and the user's token."""

    def __init__(self, port: int):
        self.client = Client(port, True, 20)
        status, body, _ = self.client.call("POST", "/api/v1/auth/token",
                                           {"username": USER, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"token: {status} {body}")
        self.token = body["token"]

    def start(self, key: str, title: str):
        """(instance JSON, seconds)."""
        status, body, dt = self.client.call("POST", f"/api/v1/processes/{key}/instances",
                                            {"district": DISTRICT, "title": title}, self.token)
        if status != 201:
            raise RuntimeError(f"start {key}: {status} {body}")
        return body, dt

    def complete(self, task_id: int, data=None):
        """(instance JSON after the completion, seconds)."""
        status, body, dt = self.client.call("POST", f"/api/v1/tasks/{task_id}/complete",
                                            {"data": data or {}}, self.token)
        if status != 200:
            raise RuntimeError(f"complete {task_id}: {status} {body}")
        return body["instance"], dt

    def events(self, instance_id: int) -> list[dict]:
        status, body, _ = self.client.call("GET", f"/api/v1/instances/{instance_id}/events",
                                           token=self.token)
        if status != 200:
            raise RuntimeError(f"events {instance_id}: {status} {body}")
        return body["events"]


def run_to_end(api: Api, instance: dict, lat: list) -> int:
    """Complete the instance's open tasks one after the other until it ends; completions."""
    done = 0
    while instance["status"] == "running" and instance["open_tasks"]:
        instance, dt = api.complete(instance["open_tasks"][0]["id"])
        lat.append(dt)
        done += 1
    if instance["status"] != "completed":
        raise RuntimeError(f"instance {instance['id']} ended {instance['status']}: {instance['error']}")
    return done


class Phase:
    """Wall time, server CPU and load average around a phase."""

    def __init__(self, master_pid: int, pg=None):
        self.master, self.pg = master_pid, pg

    def __enter__(self):
        self.la0 = loadavg()
        self.cpu0 = cpu_seconds(server_pids(self.master))
        self.pg0 = self.pg.snapshot() if self.pg else {}
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.cpu = cpu_delta(self.cpu0, cpu_seconds(server_pids(self.master)))
        self.pg_cpu = cpu_delta(self.pg0, self.pg.snapshot()) if self.pg else None
        self.la1 = loadavg()


def w1(port: int, master: int, pg, n: int, clients: int) -> dict:
    """n instances of three user tasks, started and finished by `clients` concurrent clients."""
    apis = [Api(port) for _ in range(clients)]
    starts, completes, errors = [], [], []
    shares = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        s, c = [], []
        barrier.wait()
        try:
            for k in range(shares[i]):
                instance, dt = apis[i].start(W1, f"w1 {i}/{k}")
                s.append(dt)
                run_to_end(apis[i], instance, c)
        except Exception as exc:  # noqa: BLE001 - reported
            errors.append(repr(exc))
        starts.extend(s)
        completes.extend(c)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    with Phase(master, pg) as phase:
        barrier.wait()
        for t in threads:
            t.join()
    return {"phase": phase, "starts": starts, "completes": completes, "errors": errors,
            "instances": len(starts), "requests": len(starts) + len(completes)}


def w2(port: int, master: int, pg, n: int) -> dict:
    """n instances of the 200-round loop, one after the other, by one client."""
    api, rounds, errors = Api(port), [], []
    with Phase(master, pg) as phase:
        for k in range(n):
            instance, _ = api.start(W2, f"w2 {k}")
            lat = []
            try:
                run_to_end(api, instance, lat)
            except Exception as exc:  # noqa: BLE001 - reported
                errors.append(repr(exc))
            rounds.append(lat)
    return {"phase": phase, "rounds": rounds, "errors": errors}


def w3(port: int, master: int, url: str, n: int, clients: int, log_dir: Path) -> dict:
    """n instances waiting 2 s on a timer, started by `clients` clients; lateness of the firing."""
    log_path = log_dir / f"peer_bench_{os.getpid()}_scheduler.log"
    scheduler = start_scheduler(url, log_path)
    apis = [Api(port) for _ in range(clients)]
    ids, starts, errors = [], [], []
    try:
        deadline = time.time() + 120
        while "scheduler up" not in log_path.read_text() and time.time() < deadline:
            if scheduler.poll() is not None:
                raise SystemExit(f"the scheduler exited; see {log_path}")
            time.sleep(0.2)
        time.sleep(2)  # its first polls have run
        la0, t0 = loadavg(), time.perf_counter()

        def client(i: int) -> None:
            for k in range(i, n, clients):
                try:
                    instance, dt = apis[i].start(W3, f"w3 {k}")
                    ids.append(instance["id"])
                    starts.append(dt)
                except Exception as exc:  # noqa: BLE001 - reported
                    errors.append(repr(exc))

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        start_wall = time.perf_counter() - t0
        lateness, pending = [], list(ids)
        deadline = time.time() + 120
        while pending and time.time() < deadline:
            time.sleep(1.0)
            still = []
            for instance_id in pending:
                fired = [e for e in apis[0].events(instance_id) if e["type"] == "timer_fired"]
                if not fired:
                    still.append(instance_id)
                    continue
                at = datetime.fromisoformat(fired[0]["at"])
                due = datetime.fromisoformat(fired[0]["data"]["due_at"])
                lateness.append((at.replace(tzinfo=None) - due.replace(tzinfo=None)).total_seconds())
            pending = still
        la1 = loadavg()
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=20)
    return {"ids": ids, "starts": starts, "start_wall": start_wall, "lateness": lateness,
            "never": len(pending), "errors": errors, "la0": la0, "la1": la1}


# ---------------------------------------------------------------- report

def report_w1(name: str, r: dict) -> None:
    ph, n, c = r["phase"], r["instances"], len(r["completes"])
    pg = f"; PostgreSQL backends {ph.pg_cpu / c * 1000:.2f} ms/completion" if ph.pg_cpu is not None and c else ""
    print(f"{name:16} {n / ph.wall:8.1f} inst/s {c / ph.wall:8.1f} compl/s   completion p50/p95/p99 "
          f"{ms(r['completes'])}/{ms(r['completes'], 95)}/{ms(r['completes'], 99)} ms   start p50 "
          f"{ms(r['starts'])} ms   server CPU {ph.cpu / c * 1000:.2f} ms/completion "
          f"({ph.cpu / r['requests'] * 1000:.2f} ms/request){pg}   load {ph.la0} -> {ph.la1}")
    for e in r["errors"][:5]:
        print("   error:", e[:300])


def report(args, results: dict) -> None:
    print()
    print(f"=== peer benchmark: {args.database}, gunicorn -w {args.workers} -k gthread --threads "
          f"{args.threads}, {os.cpu_count()} cores ===")
    if "w1_seq" in results:
        report_w1("W1 sequential", results["w1_seq"])
        report_w1(f"W1 {args.clients} clients", results["w1_par"])
    if "w2" in results:
        r = results["w2"]
        allr = [x for rounds in r["rounds"] for x in rounds]
        first = [x for rounds in r["rounds"] for x in rounds[:20]]
        last = [x for rounds in r["rounds"] for x in rounds[-20:]]
        ph = r["phase"]
        print(f"{'W2 200 rounds':16} {len(r['rounds'])} instance(s), {len(allr)} completions in "
              f"{ph.wall:.1f} s = {len(allr) / ph.wall:.1f} rounds/s; completion p50/p99 "
              f"{ms(allr)}/{ms(allr, 99)} ms; p50 rounds 1-20 {ms(first)} ms, rounds 181-200 "
              f"{ms(last)} ms; server CPU {ph.cpu / max(len(allr), 1) * 1000:.2f} ms/completion; "
              f"load {ph.la0} -> {ph.la1}")
        for e in r["errors"][:5]:
            print("   error:", e[:300])
    if "w3" in results:
        r = results["w3"]
        late = r["lateness"]
        figures = (f"lateness p50/p99/max {statistics.median(late):.2f}/{pct(late, 99):.2f}/"
                   f"{max(late):.2f} s" if late else "no timer fired")
        print(f"{'W3 2 s timer':16} {len(r['ids'])} instances started at "
              f"{len(r['ids']) / r['start_wall']:.1f}/s (start p50 {ms(r['starts'])} ms); "
              f"{figures}; fired {len(late)}, never {r['never']}; load {r['la0']} -> {r['la1']}")
        for e in r["errors"][:5]:
            print("   error:", e[:300])
    print("\nserver CPU = utime+stime of the gunicorn master and workers (/proc) over the phase ÷ "
          "completions (a request: a start or a completion); W3's scheduler runs in a process of "
          "its own, not counted.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--w1", type=int, default=200, help="instances in each W1 run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients of the second W1 run")
    parser.add_argument("--w2-instances", type=int, default=2, help="200-round instances, one after the other")
    parser.add_argument("--w3", type=int, default=200, help="timer instances")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", default="w1,w2,w3", help="which shapes to run")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",")}

    print(f"[{time.strftime('%H:%M:%S')}] preparing {args.database}; load {loadavg()}", flush=True)
    url, drop = prepare_database(args.database, args.pg_admin_url)
    log_dir = Path(tempfile.gettempdir())
    port, proc, pg, results = free_port(), None, None, {}
    try:
        proc, cmd = start_server(url, port, args.workers, args.threads,
                                 log_dir / f"peer_bench_{os.getpid()}_gunicorn.log")
        pg = PgBackends(url) if args.database == "postgresql" else None
        print(f"[{time.strftime('%H:%M:%S')}] server: {' '.join(cmd[1:])}", flush=True)
        w1(port, proc.pid, pg, min(20, args.w1), 1)  # warm-up: imports, caches, connections
        if "w1" in only:
            print(f"[{time.strftime('%H:%M:%S')}] W1 sequential ...", flush=True)
            results["w1_seq"] = w1(port, proc.pid, pg, args.w1, 1)
            print(f"[{time.strftime('%H:%M:%S')}] W1 {args.clients} clients ...", flush=True)
            results["w1_par"] = w1(port, proc.pid, pg, args.w1, args.clients)
        if "w2" in only:
            print(f"[{time.strftime('%H:%M:%S')}] W2 ...", flush=True)
            results["w2"] = w2(port, proc.pid, pg, args.w2_instances)
        if "w3" in only:
            print(f"[{time.strftime('%H:%M:%S')}] W3 ...", flush=True)
            results["w3"] = w3(port, proc.pid, url, args.w3, args.clients, log_dir)
    finally:
        if pg:
            pg.close()
        if proc:
            stop_server(proc)
        if not args.keep_db:
            drop()
    report(args, results)
    failed = any(r.get("errors") for r in results.values()) or \
        ("w3" in results and results["w3"]["never"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
