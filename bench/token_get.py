"""A token-checked GET under gunicorn (issue 21): client latency and server CPU per request.

One client, sequential GET /api/v1/processes with a bearer token (one query for the process
list besides the token), against the server of bench/http_end_to_end.py. Two setups:
  --token-cache 0   a query for the token on every request (the path before issue 21)
  --token-cache 30  the default: the token's user and grants from the process's cache
--serve-config serves with gunicorn.conf.py (`make serve`) instead of the old flags.

Run:  .venv/bin/python bench/token_get.py [--db postgres] [--requests 2000] [--token-cache 0]
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gunicorn_server import cpu_delta, cpu_seconds, free_port, server_pids, start_server, stop_server  # noqa: E402
from http_end_to_end import loadavg, prepare_database  # noqa: E402
from app.demo import DEMO_PASSWORD  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--token-cache", type=float, default=30.0, help="API_TOKEN_CACHE_SECONDS")
    parser.add_argument("--serve-config", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args(argv)
    os.environ["API_TOKEN_CACHE_SECONDS"] = str(args.token_cache)
    url, drop = prepare_database(args.db, args.pg_url)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench_token_get_{os.getpid()}.log"
    proc = None
    try:
        proc, _cmd = start_server(url, port, 1, 4, log_path, serve_config=args.serve_config)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/v1/auth/token", body=json.dumps(
            {"username": "pr_expert_d1", "password": DEMO_PASSWORD}),
            headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        body = json.loads(answer.read())
        if answer.status != 200:
            sys.exit(f"no token: {answer.status} {body}")
        headers = {"Authorization": f"Bearer {body['token']}"}
        for _ in range(50):  # warm up: imports, caches, the pool
            conn.request("GET", "/api/v1/processes", headers=headers)
            conn.getresponse().read()
        pids = server_pids(proc.pid)
        before = cpu_seconds(pids)
        load = loadavg()
        latencies = []
        for _ in range(args.requests):
            started = time.perf_counter()
            conn.request("GET", "/api/v1/processes", headers=headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            assert response.status == 200, response.status
        cpu = cpu_delta(before, cpu_seconds(pids))
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        print(f"{args.db}, token cache {args.token_cache:g} s, "
              f"{'gunicorn.conf.py' if args.serve_config else 'old flags'}: {args.requests} GETs, "
              f"p50 {statistics.median(latencies) * 1000:.2f} ms, p99 {p(0.99):.2f} ms, "
              f"server CPU {cpu / args.requests * 1000:.2f} ms/request, loadavg {load}")
    finally:
        if proc is not None:
            stop_server(proc)
        drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
