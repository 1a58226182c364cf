"""The app behind PgBouncer in transaction pool mode (DATABASE_PGBOUNCER=true): every
transaction may get another server connection, so nothing may outlive one (prepared
statements, session advisory locks, LISTEN). Through a PgBouncer with a pool smaller than
its clients: gunicorn serves starts and completions, two schedulers fire timers, operator
actions take the city chain's advisory lock, and `flask audit verify` finds all clean."""
import logging
import threading
import time

import pytest
from sqlalchemy import exc, func, select, text

from app import create_app
from app.scheduler import fire_due_timers
import engine as runtime
from engine.events import append_operator_event, list_operator_events, verify_city_chain
from fault_support import ROOT, Server, api_token, check_invariants, request
from models import Event, Timer, make_engine
from people.accounts import find_district, find_user
from pgbouncer_support import running_pgbouncer
from tests.conftest import TEST_CONFIG, deploy_file
from tests.http.http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE

pytestmark = pytest.mark.postgres

TIMER_FIXTURE = ROOT / "tests" / "fixtures" / "timer_intermediate.bpmn"
STEPS = {"Task_register_complaint": ("pr_expert", REGISTER_SERVICE),
         "Task_examine_service_complaint": ("pr_expert", EXAMINATION),
         "Task_review_answer": ("pr_head", REVIEW_APPROVE),
         "Task_announce_result": ("pr_expert", ANNOUNCEMENT)}
TIMERS = 40
OPERATOR_ACTIONS = 4 * 8


def _same_query_alternating(engine, rounds: int = 8) -> None:
    """Two connections of engine run one query in turn, each call a transaction of its own."""
    first, second = engine.connect(), engine.connect()
    try:
        for i in range(rounds):
            for conn in (first, second):
                with conn.begin():
                    assert conn.execute(text("SELECT CAST(:i AS integer) + 1"), {"i": i}).scalar() == i + 1
    finally:
        first.close()
        second.close()


def test_behind_pgbouncer_statements_are_prepared_only_without_the_setting(database_url):
    with running_pgbouncer(database_url, pool_size=1) as through:
        plain = make_engine(through)
        try:
            # psycopg prepares "_pg3_0" on its 6th run; the one server connection already has it.
            with pytest.raises(exc.DBAPIError, match="prepared statement"):
                _same_query_alternating(plain)
        finally:
            plain.dispose()
        bouncer = make_engine(through, pgbouncer=True)
        try:
            _same_query_alternating(bouncer)
        finally:
            bouncer.dispose()


def test_the_setting_reaches_the_apps_engine(database_url):
    with running_pgbouncer(database_url, pool_size=1) as through:
        application = create_app({**TEST_CONFIG, "DATABASE_URL": through, "DATABASE_PGBOUNCER": True})
        try:
            _same_query_alternating(application.extensions["db_engine"])
        finally:
            application.extensions["db_engine"].dispose()


class Client(threading.Thread):
    """Walk complaints from start to end through the API; keep every answer."""

    def __init__(self, port, district, tokens, instances):
        super().__init__(daemon=True)
        self.port, self.district, self.tokens, self.instances = port, district, tokens, instances
        self.answers = []  # (kind, status)
        self.error = None

    def run(self):
        try:
            for _ in range(self.instances):
                status, instance = request(self.port, "POST", "/api/v1/processes/complaints/instances",
                                           {"district": self.district}, self.tokens["pr_expert"], timeout=60)
                self.answers.append(("start", status))
                assert status == 201, instance
                while instance["open_tasks"]:
                    task = instance["open_tasks"][0]
                    role, data = STEPS[task["task"]]
                    status, body = request(self.port, "POST", f"/api/v1/tasks/{task['id']}/complete",
                                           {"data": data}, self.tokens[role], timeout=60)
                    self.answers.append(("complete", status))
                    assert status == 200, body
                    instance = body["instance"]
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error


def _in_threads(work, count: int) -> list:
    errors = []

    def _run(index):
        try:
            work(index)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=_run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a thread is stuck behind PgBouncer"
    return errors


def test_the_app_runs_behind_pgbouncer_in_transaction_mode(app, complaints, database_url, tmp_path, caplog):
    deploy_file(app, TIMER_FIXTURE)
    with running_pgbouncer(database_url, pool_size=3) as through:
        bouncer_app = create_app({**TEST_CONFIG, "DATABASE_URL": through, "DATABASE_PGBOUNCER": True})
        sessions = bouncer_app.extensions["db_sessions"]
        server = Server(through, tmp_path / "server.log", settings={"DATABASE_PGBOUNCER": "1"}).start()
        try:
            with sessions() as s:
                user, district = find_user(s, "pr_expert_d1"), find_district(s, "d1")
                timer_ids = [runtime.start_instance(s, "t_timer_wait", user, district.id).id
                             for _ in range(TIMERS)]
                s.commit()
            tokens = {d: {role: api_token(server.port, f"{role}_{d}") for role in ("pr_expert", "pr_head")}
                      for d in ("d1", "d2")}
            clients = [Client(server.port, d, tokens[d], instances=3) for d in ("d1", "d2", "d1", "d2")]
            for client in clients:
                client.start()
            time.sleep(1.1)  # "PT1S": the timers are due

            def schedule(_index):  # two schedulers polling, as `flask scheduler run` does
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    fire_due_timers(sessions, batch_size=5)
                    with sessions() as s:
                        if not s.scalar(select(func.count()).select_from(Timer).where(
                                Timer.status == "waiting", Timer.instance_id.in_(timer_ids))):
                            return
                    time.sleep(0.05)

            def operator_actions(index):  # the city chain's pg_advisory_xact_lock
                for n in range(OPERATOR_ACTIONS // 4):
                    with sessions() as s:
                        append_operator_event(s, "pgbouncer_test", reason=f"thread {index} action {n}")
                        s.commit()

            errors = _in_threads(lambda i: schedule(i) if i < 2 else operator_actions(i - 2), 6)
            for client in clients:
                client.join(timeout=120)
                assert not client.is_alive(), "a client is stuck behind PgBouncer"
        finally:
            server.kill()
        assert not errors, errors
        failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "failed" in r.getMessage()]
        assert not failed, failed  # e.g. a batch of timers waited for a server connection in vain
        assert [c.error for c in clients] == [None] * 4, server.log()
        assert sum(1 for c in clients for kind, _ in c.answers if kind == "complete") == 4 * 3 * 4

        with sessions() as s:
            fired = s.scalars(select(Event.instance_id).where(Event.type == "timer_fired")).all()
            assert sorted(fired) == sorted(timer_ids), "a timer fired twice or never"
            actions = list_operator_events(s)
            assert len([a for a in actions if a.type == "pgbouncer_test"]) == OPERATOR_ACTIONS
            assert verify_city_chain(actions) is None, "the city chain forked"
            check_invariants(s)
        result = bouncer_app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert f"{TIMERS + 12} instance(s) verified, 0 mismatch(es)" in result.output
        bouncer_app.extensions["db_engine"].dispose()
