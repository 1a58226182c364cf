"""The step path in one process: complaints completed through the JSON API with Flask's test
client (no gunicorn, no network), CPU and SQL statements per completion, and a cProfile of the
completions (issue 21). Benchmark 2 measures the same requests under gunicorn.

Run:  .venv/bin/python bench/step_path.py [--db postgres] [--instances 100] [--profile FILE]
      [--top 25]

Prints: CPU per completion (this process: Flask, the engine, SQLAlchemy, the driver; the client
side of the test client is included, ~0.1 ms), statements per completion, the load average, and
with --profile the functions with most own time and most cumulative time.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from api_clients import DATA_BY_TASK, EXPERT, HEAD, PASSWORD  # noqa: E402
from http_end_to_end import prepare_database  # noqa: E402


def loadavg() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run(args) -> None:
    url, drop = prepare_database(args.db, args.pg_url)
    os.environ.update(DATABASE_URL=url, SCHEDULER_ENABLED="0", APP_ENV="development")
    from sqlalchemy import event
    from app import create_app
    app = create_app({"DATABASE_URL": url, "SCHEDULER_ENABLED": False})
    client = app.test_client()
    try:
        tokens = {}
        for username in (EXPERT, HEAD):
            r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            tokens[username] = r.get_json()["token"]

        def call(path, body, user):
            r = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code in (200, 201), (r.status_code, r.get_data(as_text=True)[:300])
            return r.get_json()

        firsts = [call("/api/v1/processes/complaints/instances",
                       {"district": "d1", "title": f"step path #{i}"}, EXPERT)["open_tasks"][0]
                  for i in range(args.instances + args.warmup)]
        statements, origins = [], {}

        def on_execute(conn, cursor, statement, *rest):
            statements.append(statement)
            if args.where and f"FROM {args.where} " in statement.split(" WHERE")[0] + " ":
                import traceback
                frames = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
                          for f in traceback.extract_stack()
                          if str(ROOT) in f.filename and "/.venv/" not in f.filename
                          and "/bench/" not in f.filename]
                key = " < ".join(reversed(frames[-4:]))
                origins[key] = origins.get(key, 0) + 1
        event.listen(app.extensions["db_engine"], "before_cursor_execute", on_execute)

        def complete(task):
            n = 0
            while True:
                user = HEAD if task["role"] == "pr_head" else EXPERT
                body = call(f"/api/v1/tasks/{task['id']}/complete",
                            {"data": DATA_BY_TASK[task["task"]]}, user)
                n += 1
                if body["instance"]["status"] == "completed":
                    return n
                task = body["instance"]["open_tasks"][0]

        for task in firsts[:args.warmup]:  # caches (specs, forms, calendars) filled
            complete(task)
        statements.clear()
        origins.clear()
        la0 = loadavg()
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        done = sum(complete(task) for task in firsts[args.warmup:])
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        kinds = {}
        for s in statements:
            word = s.split(None, 1)[0].upper()
            kinds[word] = kinds.get(word, 0) + 1
        print(f"{args.db}: {done} completions, CPU {cpu / done * 1000:.2f} ms per completion"
              f"{' (under cProfile)' if profiler else ''}, wall {wall / done * 1000:.2f} ms, "
              f"statements per completion {len(statements) / done:.2f} "
              f"({', '.join(f'{k} {v / done:.2f}' for k, v in sorted(kinds.items()))}); "
              f"load {la0} -> {loadavg()}")
        if args.statements:
            heads = {}
            for s in statements:
                head = " ".join(s.split())[:args.statements]
                heads[head] = heads.get(head, 0) + 1
            for head, n in sorted(heads.items(), key=lambda kv: -kv[1]):
                print(f"  {n / done:5.2f}  {head}")
        for key, n in sorted(origins.items(), key=lambda kv: -kv[1]):
            print(f"  {n / done:5.2f} SELECT ... FROM {args.where}: {key}")
        if profiler:
            profiler.dump_stats(args.profile)
            for key in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
                print(out.getvalue())
    finally:
        app.extensions["db_engine"].dispose()
        drop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", help="write a cProfile here and print the top functions")
    parser.add_argument("--statements", type=int, default=0,
                        help="list the statements per completion (their first N characters)")
    parser.add_argument("--where", help="where the SELECTs from this table come from")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
