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


@pytest.mark.committed
def test_flask_scheduler_run_runs_the_jobs_until_sigterm(app, tmp_path):
    session = app.extensions["db_sessions"]()
    message = queue_notification(session, "satisfaction_check", "email", "citizen@example.ir",
                                 {"tracking_code": "K7QX-29PA",
                                  "satisfaction_url": "https://137.example.ir/s/abc"})
    session.commit()
    message_id = message.id
    session.close()
    mail_file = tmp_path / "mail.txt"
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "APP_ENV": "development",
           "FLASK_APP": "app:create_app", "SCHEDULER_ENABLED": "0", "PYTHONUNBUFFERED": "1",
           "NOTIFY_POLL_SECONDS": "0.2", "TIMER_POLL_SECONDS": "0.2", "MAIL_TRANSPORT": "file",
           "MAIL_FILE_PATH": str(mail_file), "SMS_FILE_PATH": str(tmp_path / "sms.jsonl")}
    log_path = tmp_path / "scheduler.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(FLASK), "scheduler", "run"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while _status(app, message_id) != "sent" and time.monotonic() < deadline:
                assert process.poll() is None, log_path.read_text()
                time.sleep(0.1)
            assert _status(app, message_id) == "sent", log_path.read_text()
            assert "citizen@example.ir" in mail_file.read_text(encoding="utf-8")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, log_path.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text()
    assert "scheduler: running" in output and "scheduler: stopped" in output
    assert "fire_due_timers" in output  # the started jobs are logged by id


def test_scheduler_in_web_is_on_by_default_and_read_from_the_environment(monkeypatch):
    assert load_config()["SCHEDULER_IN_WEB"] is True
    monkeypatch.setenv("SCHEDULER_IN_WEB", "0")
    assert load_config()["SCHEDULER_IN_WEB"] is False


def test_flask_scheduler_run_refuses_when_the_web_scheduler_runs_in_this_process(app):
    app.extensions["scheduler"] = object()
    try:
        result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    finally:
        del app.extensions["scheduler"]
    assert result.exit_code != 0
    assert "SCHEDULER_ENABLED" in result.output
