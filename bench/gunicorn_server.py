"""The gunicorn server under test in bench/http_end_to_end.py, and the CPU its processes use."""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_bin() -> str:
    """The gunicorn next to this Python, else the one on PATH."""
    for candidate in (Path(sys.executable).parent / "gunicorn", Path("/tmp/venv/bin/gunicorn")):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        sys.exit("gunicorn not found next to this Python or on PATH")
    return found


def start_server(url: str, port: int, workers: int, threads: int, log_path: Path,
                 serve_config: bool = False):
    """(process, command) of gunicorn serving the app on this database, once every worker answers.
    serve_config: with gunicorn.conf.py (`make serve`: keep-alive off) instead of the flags of
    before issue 21 (keep-alive 30 s)."""
    env = dict(os.environ, DATABASE_URL=url, SCHEDULER_ENABLED="0", APP_ENV="development")
    if serve_config:
        env.update(GUNICORN_WORKERS=str(workers), GUNICORN_THREADS=str(threads),
                   GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_LOG_LEVEL="warning")
        env["GUNICORN_ACCESS_LOG"] = ""
        cmd = [gunicorn_bin(), "-c", "gunicorn.conf.py"]
    else:
        cmd = [gunicorn_bin(), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
               "--keep-alive", "30", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "app:create_app()"]
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 180  # a busy machine takes a minute to import the app twice
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited ({proc.returncode}); see {log_path}:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200 and len(server_pids(proc.pid)) >= workers + 1:
                conn.close()
                # every worker must have imported the app: ask a few times
                return proc, cmd
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    sys.exit(f"gunicorn did not answer within 180 s; see {log_path}")


def stop_server(proc) -> None:
    """Stop gunicorn: terminate, kill after 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ppid_and_cpu(pid: int):
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK  # ppid, utime+stime


def server_pids(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if _ppid_and_cpu(int(entry))[0] == master:
                    pids.append(int(entry))
            except (OSError, ValueError):
                pass
    return pids


def cpu_seconds(pids) -> dict[int, float]:
    """utime+stime of each process still running, in seconds."""
    out = {}
    for pid in pids:
        try:
            out[pid] = _ppid_and_cpu(pid)[1]
        except (OSError, ValueError):
            pass
    return out


def cpu_delta(before: dict, after: dict) -> float:
    """CPU seconds used between two cpu_seconds snapshots."""
    return sum(after[p] - before.get(p, 0.0) for p in after)


class PgBackends:
    """CPU of the PostgreSQL backends connected to our database (same machine)."""

    def __init__(self, url: str):
        import psycopg
        self.dsn = url.replace("postgresql+psycopg", "postgresql")
        self.dbname = url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(self.dsn, autocommit=True)

    def snapshot(self) -> dict[int, float]:
        pids = [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.dbname,))]
        return cpu_seconds(pids)

    def close(self):
        self.conn.close()
