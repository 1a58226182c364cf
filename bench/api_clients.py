"""The client threads of bench/http_end_to_end.py: tokens, starts and completions of complaints
over the JSON API, on keep-alive connections renewed now and then."""
import http.client
import json
import threading
import time

from engine_floor import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE

PASSWORD = "demo-pass-1234"  # app/demo.py DEMO_PASSWORD
EXPERT, HEAD = "pr_expert_d1", "pr_head_d1"
DATA_BY_TASK = {
    "Task_register_complaint": REGISTER_SERVICE,
    "Task_examine_service_complaint": EXAMINATION,
    "Task_review_answer": REVIEW_APPROVE,
    "Task_announce_result": ANNOUNCEMENT,
}
LABEL_BY_TASK = {"Task_register_complaint": "register", "Task_examine_service_complaint": "examine",
                 "Task_review_answer": "review", "Task_announce_result": "announce"}


class Client:
    """One HTTP/1.1 keep-alive connection, closed after requests_per_connection requests (0: never).

    gunicorn's gthread workers each accept connections and keep them: with connections that
    live for the whole run, whichever worker accepted them first serves all their requests (in
    practice one worker took every connection and ran at 100 % of a core while the other idled).
    Opening a new connection now and then lets the accepts, and so the load, spread over the
    workers, as real clients that come and go do.
    """

    def __init__(self, port: int, persistent: bool = True, requests_per_connection: int = 0):
        self.port = port
        self.persistent = persistent
        self.requests_per_connection = requests_per_connection
        self.conn = None
        self.on_this_connection = 0
        self.reconnects = 0
        self.connections = 0

    def call(self, method: str, path: str, body=None, token: str | None = None):
        """(status, JSON body, seconds) of one request; reconnects once if the server closed."""
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.on_this_connection = 0
                self.connections += 1
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - t0
                self.on_this_connection += 1
                if (not self.persistent or response.getheader("Connection", "").lower() == "close"
                        or 0 < self.requests_per_connection <= self.on_this_connection):
                    self.conn.close()
                    self.conn = None
                return response.status, (json.loads(raw) if raw else None), elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # an idle keep-alive connection closed by the server before we sent anything
                self.conn.close()
                self.conn = None
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Worker(threading.Thread):
    """A client thread: gets tokens, starts its instances, then completes them."""

    def __init__(self, index: int, port: int, n_instances: int, barrier: threading.Barrier,
                 persistent: bool = True, requests_per_connection: int = 0):
        super().__init__(name=f"client-{index}", daemon=True)
        self.client = Client(port, persistent, requests_per_connection)
        self.n = n_instances
        self.barrier = barrier
        self.tokens = {}
        self.lat = {"token": [], "start": [], "complete": []}
        self.lat_by_task = {label: [] for label in LABEL_BY_TASK.values()}
        self.first_tasks: list[dict] = []
        self.errors: list[str] = []
        self.completed_instances = 0
        self.done = {}

    def _phase(self, name: str, work) -> None:
        self.barrier.wait()  # all clients and the conductor start together
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            self.errors.append(f"{name}: {exc!r}")
        self.done[name] = time.perf_counter()
        self.barrier.wait()  # the phase ends when the last client is done

    def run(self) -> None:
        self._phase("tokens", self._tokens)
        self._phase("starts", self._starts)
        self._phase("completes", self._completes)

    def _tokens(self) -> None:
        for username in (EXPERT, HEAD):
            status, body, dt = self.client.call("POST", "/api/v1/auth/token",
                                                {"username": username, "password": PASSWORD})
            if status != 200:
                raise RuntimeError(f"token for {username}: {status} {body}")
            self.tokens[username] = body["token"]
            self.lat["token"].append(dt)

    def _starts(self) -> None:
        for i in range(self.n):
            status, body, dt = self.client.call(
                "POST", "/api/v1/processes/complaints/instances",
                {"district": "d1", "title": f"bench {self.name} #{i}"}, self.tokens[EXPERT])
            if status != 201:
                self.errors.append(f"start: {status} {body}")
                continue
            self.lat["start"].append(dt)
            self.first_tasks.append(body["open_tasks"][0])

    def _completes(self) -> None:
        for task in self.first_tasks:
            for _ in range(4):
                user = HEAD if task["role"] == "pr_head" else EXPERT
                status, body, dt = self.client.call(
                    "POST", f"/api/v1/tasks/{task['id']}/complete",
                    {"data": DATA_BY_TASK[task["task"]]}, self.tokens[user])
                if status != 200:
                    self.errors.append(f"complete {task['task']}: {status} {body}")
                    break
                self.lat["complete"].append(dt)
                self.lat_by_task[LABEL_BY_TASK[task["task"]]].append(dt)
                instance = body["instance"]
                if instance["status"] == "completed":
                    self.completed_instances += 1
                    break
                task = instance["open_tasks"][0]
