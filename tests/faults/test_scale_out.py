"""The multi-node deployment (docs/DEPLOYMENT.md) on one machine: two gunicorn nodes on two
ports sharing their rate limits in Redis, and two scheduler processes (`flask scheduler run`)
on one PostgreSQL. Clients complete tasks through both nodes while 1,000 timers fall due and
notices wait in the outbox; then every timer fired once, every notice was sent once, every
completion answered 200 is logged once, the monthly complaint report was made once per
district, and `flask audit verify` is clean."""
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

import engine as runtime
from fault_support import ROOT, Server, api_token, check_invariants, request
from models import District, Event, HumanTask, Instance, OutboxMessage, QualityRecord, Timer, utcnow
from notifications import queue_notification
from people.accounts import find_district, find_user
from programmes.complaints.report import REPORT_CODE
from tests.conftest import deploy_file
from tests.http.http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE
from tests.notifications.notification_support import SmtpServer
from tests.redis_support import REDIS_URL, redis_prefix  # noqa: F401 - a fixture

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TIMER_FIXTURE = ROOT / "tests" / "fixtures" / "timer_intermediate.bpmn"
TIMERS = 1000
NOTICES = 200
DUE_SPREAD_SECONDS = 15     # the timers fall due over this long, while the clients work
INSTANCES_PER_CLIENT = 4    # each walked through its four tasks
STEPS = {"Task_register_complaint": ("pr_expert", REGISTER_SERVICE),
         "Task_examine_service_complaint": ("pr_expert", EXAMINATION),
         "Task_review_answer": ("pr_head", REVIEW_APPROVE),
         "Task_announce_result": ("pr_expert", ANNOUNCEMENT)}


class Client(threading.Thread):
    """Walk complaints to their end, each request to the next node in turn; keep every answer."""

    def __init__(self, ports, district, tokens):
        super().__init__(daemon=True)
        self.ports, self.district, self.tokens = ports, district, tokens
        self.completed = []  # (instance id, task id) answered 200
        self.error = None
        self._turn = 0

    def _post(self, path, body, role):
        port = self.ports[self._turn % len(self.ports)]
        self._turn += 1
        return request(port, "POST", path, body, self.tokens[role], timeout=60)

    def run(self):
        try:
            for _ in range(INSTANCES_PER_CLIENT):
                status, instance = self._post("/api/v1/processes/complaints/instances",
                                              {"district": self.district}, "pr_expert")
                assert status == 201, instance
                while instance["open_tasks"]:
                    task = instance["open_tasks"][0]
                    role, data = STEPS[task["task"]]
                    status, body = self._post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, role)
                    assert status == 200, body
                    self.completed.append((instance["id"], task["id"]))
                    instance = body["instance"]
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error


class SchedulerProcess:
    """`flask scheduler run` in a process group of its own."""

    def __init__(self, database_url, log_path, settings):
        env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development",
               "SECRET_KEY": "scale-out", "SCHEDULER_ENABLED": "0", "PYTHONUNBUFFERED": "1",
               "FLASK_APP": "app:create_app", **settings}
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "run"], cwd=ROOT,
                                        env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _start_timer_instances(sessions, count: int) -> list[int]:
    """count instances waiting on their timer, committed in batches; their timers then fall due
    over DUE_SPREAD_SECONDS from a few seconds ahead."""
    ids = []
    with sessions() as s:
        user, district = find_user(s, "pr_expert_d1"), find_district(s, "d1")
        for n in range(count):
            ids.append(runtime.start_instance(s, "t_timer_wait", user, district.id).id)
            if n % 100 == 99:
                s.commit()
        s.commit()
        start = utcnow() + timedelta(seconds=3)
        for n, instance_id in enumerate(ids):
            s.execute(update(Timer).where(Timer.instance_id == instance_id).values(
                due_at=start + timedelta(seconds=DUE_SPREAD_SECONDS * n / count)))
        s.commit()
    return ids


def _queue_notices(sessions, count: int) -> list[str]:
    recipients = [f"citizen-{n}@example.test" for n in range(count)]
    with sessions() as s:
        for n, recipient in enumerate(recipients):
            queue_notification(s, "answer_ready", "email", recipient,
                               {"tracking_code": f"T-{n}", "answer_text": "پاسخ", "office": "137",
                                "track_url": "http://127.0.0.1/track"})
        s.commit()
    return recipients


def _wait_for(condition, timeout: float, what: str, logs) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s:\n{logs()}"
        time.sleep(0.5)


def test_two_nodes_and_two_schedulers_do_everything_once(app, complaints, database_url, tmp_path,
                                                         redis_prefix):
    deploy_file(app, TIMER_FIXTURE)
    sessions = app.extensions["db_sessions"]
    with sessions() as s:
        districts = s.scalar(select(func.count()).select_from(District))

    smtp = SmtpServer()
    smtp.start()
    web_settings = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix,
                    "SCHEDULER_IN_WEB": "0"}
    scheduler_settings = {
        "TIMER_POLL_SECONDS": "0.2", "NOTIFY_POLL_SECONDS": "0.5", "NOTIFY_BATCH_SIZE": "20",
        "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
        "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        # The monthly report every minute in both schedulers: each run after the first is a no-op.
        "COMPLAINT_REPORT_CRON": "* * * * *",
        "CHAIN_DIGEST_CRON": "", "RETENTION_CRON": "", "MARDOM_SALAM_CRON": "",
        "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    nodes, schedulers = [], []
    try:
        for n in (1, 2):  # appended one by one, so the finally stops whatever did start
            nodes.append(Server(database_url, tmp_path / f"web{n}.log", settings=web_settings).start())
        for n in (1, 2):
            schedulers.append(SchedulerProcess(database_url, tmp_path / f"scheduler{n}.log", scheduler_settings))

        def logs() -> str:
            return "\n".join([n.log() for n in nodes] + [s.log() for s in schedulers])

        # Made while the schedulers already poll (their first monthly report run meanwhile).
        timer_ids = _start_timer_instances(sessions, TIMERS)

        ports = [node.port for node in nodes]
        tokens = {d: {role: api_token(ports[0], f"{role}_{d}") for role in ("pr_expert", "pr_head")}
                  for d in ("d1", "d2")}
        clients = [Client(ports, d, tokens[d]) for d in ("d1", "d2", "d1", "d2")]
        for client in clients:
            client.start()
        recipients = _queue_notices(sessions, NOTICES)  # queued while the clients work
        for client in clients:
            client.join(timeout=120)
            assert not client.is_alive(), f"a client is stuck:\n{logs()}"
        assert [c.error for c in clients] == [None] * 4, logs()


        def count(statement):
            with sessions() as s:
                return s.scalar(statement)

        _wait_for(lambda: count(select(func.count()).select_from(Timer).where(
            Timer.instance_id.in_(timer_ids), Timer.status == "waiting")) == 0, 60, "every timer firing", logs)
        _wait_for(lambda: count(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient.in_(recipients), OutboxMessage.status != "sent")) == 0, 60,
            "every notice sent", logs)
        _wait_for(lambda: count(select(func.count()).select_from(QualityRecord).where(
            QualityRecord.code == REPORT_CODE)) >= districts, 70, "the monthly report", logs)
        time.sleep(1)  # a straggling second run of the report job, had the lock let it through
        for process in schedulers:
            assert process.process.poll() is None, process.log()
    finally:
        for process in schedulers:
            process.stop()
        for node in nodes:
            node.kill()
        smtp.stop()

    with sessions() as s:
        fired = s.scalars(select(Event.instance_id).where(Event.type == "timer_fired",
                                                          Event.instance_id.in_(timer_ids))).all()
        assert sorted(fired) == sorted(timer_ids), "a timer fired twice or never"
        reports = Counter(s.scalars(select(QualityRecord.district_id).where(QualityRecord.code == REPORT_CODE)))
        assert len(reports) == districts and set(reports.values()) == {1}, reports
        completed = [pair for client in clients for pair in client.completed]
        assert len(completed) == 4 * INSTANCES_PER_CLIENT * 4 == len(set(completed))
        spiff_ids = dict(s.execute(select(HumanTask.id, HumanTask.spiff_task_id).where(
            HumanTask.id.in_([task_id for _, task_id in completed]))).all())
        logged = Counter(s.execute(select(Event.instance_id, Event.spiff_task_id).where(
            Event.type == "task_completed")).all())
        assert all(logged[(instance_id, spiff_ids[task_id])] == 1 for instance_id, task_id in completed), \
            "a completion answered 200 is not logged once"
        complaint_instances = {instance_id for instance_id, _ in completed}
        completions = s.scalar(select(func.count()).select_from(Event).where(
            Event.type == "task_completed", Event.instance_id.in_(complaint_instances)))
        assert completions == len(completed)
        assert s.scalar(select(func.count()).select_from(Instance).where(
            Instance.id.in_(complaint_instances), Instance.status == "completed")) == len(complaint_instances)
        check_invariants(s)  # among others: each task completion logged once, chains intact
    sent_to = Counter(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts if rcpt in set(recipients))
    assert sorted(sent_to) == sorted(recipients) and set(sent_to.values()) == {1}, "a notice sent twice or never"

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output[-3000:]
    assert " 0 mismatch(es)" in result.output
