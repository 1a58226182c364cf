"""Shared pieces of the fault tests: a real server in a subprocess (killable as a process
group), a tiny stdlib HTTP client, injected database errors, and the invariants that must
hold whatever was interrupted."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, exc, select

from engine.events import list_events, verify_chain
from engine.spiff.workflow_tasks import waiting_timers
from engine.spiff.workflows import load_workflow, ready_human_tasks
from models import Event, HumanTask, Instance, Timer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_gunicorn() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


class Server:
    """The real application served by gunicorn (2 gthread workers) in its own process group,
    or by run.py when gunicorn is not installed."""

    def __init__(self, database_url: str, log_path: Path, settings: dict | None = None):
        self.database_url = database_url
        self.log_path = log_path
        self.settings = settings or {}  # more settings (environment variables) for the server
        self.port = free_port()
        self.process = None

    def start(self, timeout: float = 40.0) -> "Server":
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "fault-tests",
               "APP_ENV": "development",  # the test database's personal data use the development key
               "PORT": str(self.port), "SCHEDULER_ENABLED": "0", "PYTHONUNBUFFERED": "1",
               **self.settings}
        if _has_gunicorn():
            command = [sys.executable, "-m", "gunicorn", "--workers", "2", "-k", "gthread",
                       "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
                       "--timeout", "60", "app:create_app()"]
        else:
            command = [sys.executable, "run.py"]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            try:
                status, _ = request(self.port, "GET", "/login", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the server did not answer /login within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers at once) and reap it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._log.close()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]


def request(port: int, method: str, path: str, body=None, token: str | None = None,
            timeout: float = 15.0):
    """(status, parsed JSON or text); OSError / http.client errors when no answer came."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept-Language": "en"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        if response.getheader("Content-Type", "").startswith("application/json"):
            return response.status, json.loads(raw)
        return response.status, raw.decode("utf-8", "replace")
    finally:
        conn.close()


def api_token(port: int, username: str) -> str:
    from app.demo import DEMO_PASSWORD
    status, body = request(port, "POST", "/api/v1/auth/token",
                           {"username": username, "password": DEMO_PASSWORD}, timeout=30)
    assert status == 200, body
    return body["token"]


@contextmanager
def failing_statements(engine, predicate, message="injected fault"):
    """Make every statement for which predicate(sql) is true fail with OperationalError."""
    hits = []

    def _fail(conn, cursor, statement, parameters, context, executemany):
        if predicate(statement):
            hits.append(statement)
            raise exc.OperationalError(statement, parameters, RuntimeError(message))

    event.listen(engine, "before_cursor_execute", _fail)
    try:
        yield hits
    finally:
        event.remove(engine, "before_cursor_execute", _fail)


@contextmanager
def failing_commit(engine, message="injected fault at commit"):
    """Make the COMMIT of every transaction fail (the database keeps nothing of it)."""
    hits = []

    def _fail(conn):
        hits.append(1)
        raise exc.OperationalError("COMMIT", None, RuntimeError(message))

    event.listen(engine, "commit", _fail)
    try:
        yield hits
    finally:
        event.remove(engine, "commit", _fail)


def statement_starts(prefix: str):
    prefix = prefix.upper()
    return lambda sql: " ".join(sql.split()).upper().startswith(prefix)


def check_invariants(session) -> dict:
    """What must hold whatever was interrupted; returns a few counts for the caller.

    Every instance was started once and its state loads; its open task rows are exactly the
    workflow's ready human tasks and its waiting timer rows the workflow's waiting timers;
    every task completion is logged once and only for completed rows; each event chain is intact.
    """
    instances = session.scalars(select(Instance).order_by(Instance.id)).all()
    events = session.scalars(select(Event)).all()
    started = Counter(e.instance_id for e in events if e.type == "instance_started")
    assert sum(started.values()) == len(instances), "instance_started events != instances"
    assert all(started[i.id] == 1 for i in instances), f"an instance was started twice: {started}"

    completions = Counter((e.instance_id, e.spiff_task_id) for e in events if e.type == "task_completed")
    twice = {k: n for k, n in completions.items() if n != 1}
    assert not twice, f"tasks completed more than once: {twice}"
    rows = session.scalars(select(HumanTask)).all()
    completed_rows = {(t.instance_id, t.spiff_task_id) for t in rows if t.status == "completed"}
    assert completed_rows == set(completions), (
        "completed task rows and task_completed events disagree: "
        f"rows only {completed_rows - set(completions)}, events only {set(completions) - completed_rows}")

    for instance in instances:
        workflow = load_workflow(instance.state_json, instance.version)  # the server cached its specs, not this process
        ready = {t.spiff_task_id for t in ready_human_tasks(workflow)} if instance.status == "running" else set()
        open_rows = {t.spiff_task_id for t in rows if t.instance_id == instance.id and t.status == "ready"}
        assert open_rows == ready, f"instance {instance.id}: open rows {open_rows} != ready {ready}"
        waiting = {t.spiff_task_id for t in waiting_timers(workflow)} if instance.status == "running" else set()
        timer_rows = set(session.scalars(select(Timer.spiff_task_id).where(
            Timer.instance_id == instance.id, Timer.status == "waiting")))
        assert timer_rows == waiting, f"instance {instance.id}: timer rows {timer_rows} != {waiting}"
        assert (instance.status == "completed") == workflow.is_completed(), instance.id
        assert verify_chain(list_events(session, instance.id)) is None, f"instance {instance.id}: broken chain"
    return {"instances": len(instances), "completions": len(completions),
            "open_tasks": sum(1 for t in rows if t.status == "ready")}
