"""End-to-end HTTP benchmark of the JSON API under gunicorn, on SQLite or PostgreSQL.

What it does, in order:
  1. measures the engine floor in this process (bench/engine_floor.py, no server running yet);
  2. creates a fresh database (SQLite file in /tmp, or PostgreSQL database bench_http_<pid>),
     migrates it, deploys processes/ and loads the demo users (what `flask setup` does);
  3. starts the production server:
       gunicorn -w W -k gthread --threads T --keep-alive 30 -b 127.0.0.1:<free port> 'app:create_app()'
  4. K client threads (stdlib http.client, a keep-alive connection each, replaced by a new one
     every --requests-per-connection requests) run three phases,
     each behind a barrier so the clients start together:
       tokens    POST /api/v1/auth/token for pr_expert_d1 and pr_head_d1 (argon2; not a target)
       starts    N x POST /api/v1/processes/complaints/instances {"district": "d1"}
       completes 4 x N POST /api/v1/tasks/{id}/complete with valid form data, each instance
                 walked register -> examine -> review (approve) -> announce, the next task id
                 taken from the `open_tasks` of the previous response
  5. reports rates, client-side latencies, and the server's CPU cost per operation.

Definitions:
  instances/s         N / wall time of the starts phase
  completions/s       4N / wall time of the completes phase
  server CPU / op     (utime+stime of the gunicorn master and workers, read from /proc/<pid>/stat
                      before and after the phase) / operations in the phase. On PostgreSQL the
                      CPU of the backends serving our database (pg_stat_activity) is shown too.
  API/engine ratio    server CPU per completion / engine step floor (median in-memory cost of one
                      user-task step: set data, run, do_engine_steps; bench/engine_floor.py).
                      Also shown against the "completion floor" = load state + step + dump state.
  Target: >= 100 completions/s, >= 50 instances/s on PostgreSQL; ratio <= 3x.

Run:  .venv/bin/python bench/http_end_to_end.py                    (SQLite)
      .venv/bin/python bench/http_end_to_end.py --db postgres      (PostgreSQL on 127.0.0.1:5432)
      options: --instances N --clients K --workers W --threads T --requests-per-connection R
               --pg-url URL --keep-db
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from api_clients import LABEL_BY_TASK, Worker  # noqa: E402
from engine_floor import engine_floor, pct  # noqa: E402
from gunicorn_server import (PgBackends, cpu_delta, cpu_seconds, free_port,  # noqa: E402
                             server_pids, start_server, stop_server)
from scratch_database import create_database  # noqa: E402

TARGET_COMPLETIONS, TARGET_STARTS, TARGET_RATIO = 100.0, 50.0, 3.0


def loadavg() -> str:
    """The 1, 5 and 15-minute load averages, as "1.20/0.90/0.70"."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- database

def prepare_database(kind: str, pg_base: str) -> tuple[str, callable]:
    """A fresh database with schema, processes and demo users; returns (url, drop)."""
    url, drop = create_database("sqlite" if kind == "sqlite" else "postgresql",
                                f"{pg_base}/postgres", "bench_http")
    # what `flask setup` does: migrate, deploy processes/, load demo data
    from app.demo import load_demo_data
    from app.migrate import upgrade_database
    from modeling.deploy import deploy_directory
    from programmes import build_city_engine  # noqa: E402
    from models import make_engine, make_session_factory
    upgrade_database(url)
    engine = make_engine(url)
    with make_session_factory(engine, info=build_city_engine().session_info())() as session:
        deploy_directory(session, ROOT / "processes")
        load_demo_data(session)
        session.commit()
    engine.dispose()
    return url, drop


# ---------------------------------------------------------------- run and report

def ms(values, p=None) -> str:
    """The median (or p-th percentile) of seconds, in milliseconds."""
    if not values:
        return "-"
    v = statistics.median(values) if p is None else pct(values, p)
    return f"{v * 1000:.1f}"


def run(args) -> dict:
    print(f"[{time.strftime('%H:%M:%S')}] engine floor ({args.floor_runs} runs), loadavg {loadavg()} ...",
          flush=True)
    floor = engine_floor(args.floor_runs, 200)
    print(f"  step floor {floor['step_median_us']:.0f} µs, completion floor {floor['completion_floor_us']:.0f} µs, "
          f"start floor {floor['start_floor_us']:.0f} µs", flush=True)

    print(f"[{time.strftime('%H:%M:%S')}] preparing {args.db} database ...", flush=True)
    url, drop = prepare_database(args.db, args.pg_url)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench_http_{os.getpid()}_gunicorn.log"
    proc = pg = None
    try:
        proc, cmd = start_server(url, port, args.workers, args.threads, log_path,
                                 serve_config=args.serve_config)
        pids = server_pids(proc.pid)
        print(f"[{time.strftime('%H:%M:%S')}] server: {' '.join(cmd[1:])} (DATABASE_URL={url}); "
              f"pids {pids}", flush=True)
        pg = PgBackends(url) if args.db == "postgres" else None

        shares = [args.instances // args.clients + (1 if i < args.instances % args.clients else 0)
                  for i in range(args.clients)]
        barrier = threading.Barrier(args.clients + 1)
        workers = [Worker(i, port, shares[i], barrier, not args.connection_per_request,
                          args.requests_per_connection) for i in range(args.clients)]
        for w in workers:
            w.start()
        measured = {}
        for name in ("tokens", "starts", "completes"):
            pids = server_pids(proc.pid)
            cpu0, pg0, la0 = cpu_seconds(pids), (pg.snapshot() if pg else {}), loadavg()
            self_cpu0 = time.process_time()
            print(f"[{time.strftime('%H:%M:%S')}] phase {name} ...", flush=True)
            barrier.wait()
            t0 = time.perf_counter()
            barrier.wait()
            t1 = max(w.done[name] for w in workers)
            cpu1, pg1 = cpu_seconds(server_pids(proc.pid)), (pg.snapshot() if pg else {})
            measured[name] = {"wall": t1 - t0, "server_cpu": cpu_delta(cpu0, cpu1),
                              "cpu_by_pid": {p: cpu1[p] - cpu0.get(p, 0.0) for p in cpu1},
                              "pg_cpu": cpu_delta(pg0, pg1) if pg else None,
                              "client_cpu": time.process_time() - self_cpu0,
                              "loadavg_before": la0, "loadavg_after": loadavg()}
        for w in workers:
            w.join(timeout=5)
    finally:
        if pg:
            pg.close()
        if proc:
            stop_server(proc)
        if not args.keep_db:
            drop()

    errors = [e for w in workers for e in w.errors]
    lat = {k: [v for w in workers for v in w.lat[k]] for k in ("token", "start", "complete")}
    by_task = {label: [v for w in workers for v in w.lat_by_task[label]] for label in LABEL_BY_TASK.values()}
    return {"args": vars(args), "url": url, "floor": floor, "measured": measured, "lat": lat,
            "by_task": by_task, "errors": errors, "log": str(log_path),
            "completed_instances": sum(w.completed_instances for w in workers),
            "reconnects": sum(w.client.reconnects for w in workers),
            "connections": sum(w.client.connections for w in workers)}


def report(r: dict) -> None:
    a, m, lat, floor = r["args"], r["measured"], r["lat"], r["floor"]
    n_starts, n_completes = len(lat["start"]), len(lat["complete"])
    st, co = m["starts"], m["completes"]
    start_rate = n_starts / st["wall"] if st["wall"] else 0.0
    complete_rate = n_completes / co["wall"] if co["wall"] else 0.0
    cpu_per_start = st["server_cpu"] / n_starts * 1e6 if n_starts else float("nan")
    cpu_per_complete = co["server_cpu"] / n_completes * 1e6 if n_completes else float("nan")
    ratio = cpu_per_complete / floor["step_median_us"]
    ratio_full = cpu_per_complete / floor["completion_floor_us"]
    cores = os.cpu_count()
    print()
    print(f"=== HTTP end to end: {a['db']}, gunicorn -w {a['workers']} -k gthread --threads {a['threads']}, "
          f"{a['clients']} clients ({_connections(a)}), "
          f"{a['instances']} instances, {cores} cores ===")
    print(f"{'phase':10} {'ops':>6} {'wall s':>7} {'ops/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'srv CPU/op ms':>14} {'pg CPU/op ms':>13} {'loadavg before -> after':>32}")
    print("-" * 124)
    for name, key in (("tokens", "token"), ("starts", "start"), ("completes", "complete")):
        ph, n = m[name], len(lat[key])
        pgc = f"{ph['pg_cpu'] / n * 1000:.2f}" if ph["pg_cpu"] is not None and n else "-"
        print(f"{name:10} {n:>6} {ph['wall']:>7.2f} {n / ph['wall'] if ph['wall'] else 0:>8.1f} "
              f"{ms(lat[key]):>8} {ms(lat[key], 95):>8} {ms(lat[key], 99):>8} "
              f"{ph['server_cpu'] / n * 1000 if n else 0:>14.2f} {pgc:>13} "
              f"{ph['loadavg_before'] + ' -> ' + ph['loadavg_after']:>32}")
    print()
    print("complete latency by task (ms):  " + "   ".join(
        f"{label} p50 {ms(v)} / p95 {ms(v, 95)}" for label, v in r["by_task"].items()))
    for name in ("starts", "completes"):
        split = m[name]["cpu_by_pid"]
        total = sum(split.values()) or 1.0
        print(f"server CPU by process in the {name} phase (s): " + ", ".join(
            f"{'master' if i == 0 else 'worker'} {pid}: {v:.2f} ({v / total:.0%})"
            for i, (pid, v) in enumerate(split.items()))
            + f"; busiest process {max(split.values()) / m[name]['wall']:.0%} of one core")
    print(f"client process CPU in the completes phase: {co['client_cpu'] / max(n_completes, 1) * 1000:.2f} ms/op "
          f"(the clients share the {cores} cores with the server)")
    print()
    print("per-step cost, API vs engine (µs):")
    print(f"  engine step floor (median, bench/engine_floor.py)          {floor['step_median_us']:9.0f}")
    print(f"  engine completion floor (load + step + dump)                {floor['completion_floor_us']:9.0f}")
    print(f"  API server CPU per completion (gunicorn /proc utime+stime) {cpu_per_complete:9.0f}")
    print(f"  API server CPU per start                                    {cpu_per_start:9.0f}")
    print(f"  ratio API CPU / step floor        = {ratio:6.1f}x   (target <= {TARGET_RATIO:.0f}x)")
    print(f"  ratio API CPU / completion floor  = {ratio_full:6.1f}x")
    print(f"  median completion latency / step floor = {statistics.median(lat['complete']) * 1e6 / floor['step_median_us']:.1f}x"
          if lat["complete"] else "")
    print()
    verdict = lambda ok: "MET" if ok else "MISSED"  # noqa: E731
    print(f"targets ({'apply to PostgreSQL' if a['db'] == 'sqlite' else 'PostgreSQL'}):")
    print(f"  task completions/s  {complete_rate:7.1f}  vs >= {TARGET_COMPLETIONS:.0f}   {verdict(complete_rate >= TARGET_COMPLETIONS)}")
    print(f"  instances/s         {start_rate:7.1f}  vs >= {TARGET_STARTS:.0f}    {verdict(start_rate >= TARGET_STARTS)}")
    print(f"  API/engine per step {ratio:7.1f}x vs <= {TARGET_RATIO:.0f}x    {verdict(ratio <= TARGET_RATIO)}")
    print()
    ok = not r["errors"] and r["completed_instances"] == a["instances"]
    print(f"instances completed: {r['completed_instances']}/{a['instances']}, errors: {len(r['errors'])}, "
          f"connections opened: {r['connections']}, reconnects: {r['reconnects']}; gunicorn log: {r['log']}")
    for e in r["errors"][:10]:
        print("  error:", e[:300])
    if not ok:
        print("RESULT INCOMPLETE: see the errors above")


def _connections(a: dict) -> str:
    if a["connection_per_request"]:
        return "new connection per request"
    if a["requests_per_connection"]:
        return f"keep-alive, new connection every {a['requests_per_connection']} requests"
    return "persistent connections"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--instances", type=int, default=400, help="complaint instances to start and finish")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--floor-runs", type=int, default=1000, help="runs of the engine floor")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL without database name")
    parser.add_argument("--connection-per-request", action="store_true",
                        help="diagnosis: a new TCP connection for every request instead of one "
                             "persistent connection per client (lets gunicorn spread requests over workers)")
    parser.add_argument("--requests-per-connection", type=int, default=20,
                        help="each client opens a new keep-alive connection after this many requests, "
                             "so that gunicorn spreads the clients over its workers (0: one connection "
                             "for the whole run, the behaviour before)")
    parser.add_argument("--serve-config", action="store_true",
                        help="serve with gunicorn.conf.py (`make serve`) instead of the flags of before issue 21")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--json", action="store_true", help="also print the raw result as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    report(result)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k not in ("lat", "by_task")}, indent=2,
                         default=str, ensure_ascii=False))
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
