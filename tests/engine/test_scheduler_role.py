"""The scheduler role: `flask scheduler run` is a process of its own that runs the jobs until
stopped; run.py starts the scheduler in the web process only when SCHEDULER_IN_WEB is on."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import load_config
from notifications import OutboxMessage, queue_notification

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"


def _status(app, message_id) -> str:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    finally:
        session.close()


def start_scheduler_process(app, tmp_path, name):
    """`flask scheduler run` in a process of its own, its e-mails in tmp_path/<name>-mail.txt."""
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "APP_ENV": "development",
           "FLASK_APP": "app:create_app", "SCHEDULER_ENABLED": "0", "PYTHONUNBUFFERED": "1",
           "NOTIFY_POLL_SECONDS": "0.2", "NOTIFY_BATCH_SIZE": "3", "TIMER_POLL_SECONDS": "0.2",
           "MAIL_TRANSPORT": "file", "MAIL_FILE_PATH": str(tmp_path / f"{name}-mail.txt"),
           "SMS_FILE_PATH": str(tmp_path / f"{name}-sms.jsonl")}
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen([str(FLASK), "scheduler", "run"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    process.log_path = tmp_path / f"{name}.log"
    return process


def stop(process) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def queue_emails(app, count) -> list[int]:
    session = app.extensions["db_sessions"]()
    messages = [queue_notification(session, "satisfaction_check", "email", f"citizen{n}@example.ir",
                                   {"tracking_code": "K7QX-29PA",
                                    "satisfaction_url": "https://137.example.ir/s/abc"})
                for n in range(count)]
    session.commit()
    ids = [message.id for message in messages]
    session.close()
    return ids


def wait_until_sent(app, ids, processes) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(_status(app, message_id) == "sent" for message_id in ids):
            return
        for process in processes:
            assert process.poll() is None, process.log_path.read_text()
        time.sleep(0.1)
    raise AssertionError([_status(app, message_id) for message_id in ids])


@pytest.mark.committed
def test_flask_scheduler_run_runs_the_jobs_until_sigterm(app, tmp_path):
    [message_id] = queue_emails(app, 1)
    process = start_scheduler_process(app, tmp_path, "one")
    try:
        wait_until_sent(app, [message_id], [process])
        assert "citizen0@example.ir" in (tmp_path / "one-mail.txt").read_text(encoding="utf-8")
    finally:
        assert stop(process) == 0, process.log_path.read_text()
    output = process.log_path.read_text()
    assert "scheduler: running" in output and "scheduler: stopped" in output
    assert "fire_due_timers" in output  # the started jobs are logged by id


@pytest.mark.slow
@pytest.mark.committed
def test_two_scheduler_processes_send_each_queued_email_once(app, tmp_path):
    processes = [start_scheduler_process(app, tmp_path, name) for name in ("first", "second")]
    try:
        ids = queue_emails(app, 12)
        wait_until_sent(app, ids, processes)
    finally:
        codes = [stop(process) for process in processes]
    assert codes == [0, 0], [p.log_path.read_text() for p in processes]
    mail = "".join((tmp_path / f"{name}-mail.txt").read_text(encoding="utf-8")
                   for name in ("first", "second") if (tmp_path / f"{name}-mail.txt").exists())
    assert [mail.count(f"citizen{n}@example.ir") for n in range(12)] == [1] * 12


def test_run_py_starts_the_scheduler_in_the_web_process_unless_scheduler_in_web_is_off(monkeypatch):
    from run import web_settings
    monkeypatch.delenv("SCHEDULER_IN_WEB", raising=False)
    monkeypatch.delenv("SCHEDULER_ENABLED", raising=False)
    assert load_config()["SCHEDULER_IN_WEB"] is True
    assert web_settings() == {"SCHEDULER_ENABLED": True}
    monkeypatch.setenv("SCHEDULER_IN_WEB", "0")
    assert web_settings() == {"SCHEDULER_ENABLED": False}
    assert load_config()["SCHEDULER_ENABLED"] is False  # create_app alone never starts one


def test_flask_scheduler_run_refuses_when_the_web_scheduler_runs_in_this_process(app):
    app.extensions["scheduler"] = object()
    try:
        result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    finally:
        del app.extensions["scheduler"]
    assert result.exit_code != 0
    assert "SCHEDULER_ENABLED" in result.output
