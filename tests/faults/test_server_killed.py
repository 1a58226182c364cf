"""kill -9 of the whole server (gunicorn master and workers) while clients start instances and
complete tasks: what was answered 200 happened exactly once, what got no answer happened
once and completely or not at all, and the restarted server carries on."""
import threading
import time

from sqlalchemy import func, select

from fault_support import Server, api_token, check_invariants, request
from models import Event, HumanTask, Instance
from tests.http.http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE

# Who does each complaint task (service branch, approved at once) and with what data.
STEPS = {"Task_register_complaint": ("pr_expert", REGISTER_SERVICE),
         "Task_examine_service_complaint": ("pr_expert", EXAMINATION),
         "Task_review_answer": ("pr_head", REVIEW_APPROVE),
         "Task_announce_result": ("pr_expert", ANNOUNCEMENT)}
THREADS = (("d1", 0), ("d1", 1), ("d2", 0), ("d2", 1))
LOAD_SECONDS = 1.5


class Client(threading.Thread):
    """Start an instance, walk it to its end, start the next; stop at the first request
    that gets no answer (the server is gone)."""

    def __init__(self, port, district, tokens):
        super().__init__(daemon=True)
        self.port, self.district, self.tokens = port, district, tokens
        self.log = []  # (kind, id or None, status or None, body or error)

    def call(self, kind, ident, path, body, role):
        try:
            status, answer = request(self.port, "POST", path, body, self.tokens[role], timeout=20)
        except Exception as error:  # noqa: BLE001 - no answer: refused, reset, timed out
            self.log.append((kind, ident, None, repr(error)))
            return None
        self.log.append((kind, ident, status, answer))
        return status, answer

    def run(self):
        while True:
            got = self.call("start", None, "/api/v1/processes/complaints/instances",
                            {"district": self.district}, "pr_expert")
            if got is None or got[0] != 201:
                return
            instance = got[1]
            self.log[-1] = ("start", instance["id"], 201, instance)
            while instance["open_tasks"]:
                task = instance["open_tasks"][0]
                role, data = STEPS[task["task"]]
                got = self.call("complete", task["id"], f"/api/v1/tasks/{task['id']}/complete",
                                {"data": data}, role)
                if got is None or got[0] != 200:
                    return
                instance = got[1]["instance"]


def test_kill_9_of_the_server_under_load_loses_or_doubles_nothing(app, complaints, database_url, tmp_path):
    server = Server(database_url, tmp_path / "server.log").start()
    try:
        tokens = {d: {role: api_token(server.port, f"{role}_{d}") for role in ("pr_expert", "pr_head")}
                  for d in ("d1", "d2")}
        clients = [Client(server.port, district, tokens[district]) for district, _ in THREADS]
        for client in clients:
            client.start()
        time.sleep(LOAD_SECONDS)
        deadline = time.monotonic() + 15
        while (sum(1 for c in clients for e in c.log if e[0] == "complete" and e[2] == 200) < 8
               and time.monotonic() < deadline and all(c.is_alive() for c in clients)):
            time.sleep(0.05)
        server.kill()
        for client in clients:
            client.join(timeout=30)
            assert not client.is_alive(), "a client is still waiting for the killed server"
    finally:
        server.kill()

    log = [entry for client in clients for entry in client.log]
    answered = [e for e in log if e[2] is not None]
    unanswered = [e for e in log if e[2] is None]
    wrong = [e for e in answered if e[2] not in (200, 201)]
    assert not wrong, f"answers other than success before the kill: {wrong[:3]}"
    completed_ok = [e[1] for e in answered if e[0] == "complete"]
    started_ok = [e[1] for e in answered if e[0] == "start"]
    print(f"before the kill: {len(started_ok)} starts and {len(completed_ok)} completions answered, "
          f"{len(unanswered)} requests unanswered: {[e[:2] for e in unanswered]}")
    assert len(completed_ok) >= 8, "too little load before the kill to mean anything"
    assert len(unanswered) == len(clients), "each client must end on an unanswered request"

    server = Server(database_url, tmp_path / "server-restarted.log").start()
    try:
        with app.extensions["db_sessions"]() as s:
            counts = check_invariants(s)
            for task_id in completed_ok:  # answered 200: happened, once
                task = s.get(HumanTask, task_id)
                assert task.status == "completed", task_id
                assert s.scalar(select(func.count()).select_from(Event).where(
                    Event.type == "task_completed", Event.instance_id == task.instance_id,
                    Event.spiff_task_id == task.spiff_task_id)) == 1, task_id
            for instance_id in started_ok:
                assert s.get(Instance, instance_id) is not None
            assert len(started_ok) <= counts["instances"] <= len(started_ok) + len(
                [e for e in unanswered if e[0] == "start"])
            open_tasks = s.scalars(select(HumanTask).where(HumanTask.status == "ready")
                                   .order_by(HumanTask.id)).all()
            open_tasks = [(t.id, t.task_spec, t.district.code) for t in open_tasks]

        # The restarted server serves, and every interrupted workflow goes on.
        for task_id, task_spec, district in open_tasks:
            role, data = STEPS[task_spec]
            status, body = request(server.port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                   {"data": data}, tokens[district][role])
            assert status == 200, (task_id, status, body)
        status, body = request(server.port, "POST", "/api/v1/processes/complaints/instances",
                               {"district": "d1"}, tokens["d1"]["pr_expert"])
        assert status == 201, body
        with app.extensions["db_sessions"]() as s:
            after = check_invariants(s)
        assert after["completions"] == counts["completions"] + len(open_tasks)
        assert after["instances"] == counts["instances"] + 1
        print(f"after the restart: {counts}, carried on with {len(open_tasks)} open tasks")
    finally:
        server.kill()
