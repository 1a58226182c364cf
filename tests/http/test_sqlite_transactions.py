"""SQLite transactions by request (app/db.py): a request that only reads begins DEFERRED (no
lock: it neither waits for a writer nor makes one wait), one that writes begins IMMEDIATE
(writers queue on the busy timeout), and the few GETs that write take the write lock for the
write alone (write_apart) or from the start (WRITING_READS)."""
import sqlite3
import threading

import pytest
from sqlalchemy import select

from app.db import is_read_request, write_apart
from models import InboxVisit, User

# Threads and a second connection race on committed rows.
pytestmark = pytest.mark.committed


@pytest.fixture
def sqlite_path(app):
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's transaction modes")
    return url.removeprefix("sqlite:///")


class WriteLock:
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path):
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None,
                                          check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self):
        self.connection.execute("ROLLBACK")
        self.connection.close()


def test_get_head_and_options_read_and_the_other_methods_write(app):
    for method, reads in (("GET", True), ("HEAD", True), ("OPTIONS", True), ("POST", False),
                          ("PUT", False), ("PATCH", False), ("DELETE", False)):
        with app.test_request_context("/api/v1/tasks", method=method):
            assert is_read_request() is reads, method
    with app.test_request_context("/open311/v2/requests.json?api_key=abc", method="GET"):
        assert is_read_request() is False  # Open311 records the key's use
    with app.app_context():
        assert is_read_request() is False  # a job or command may write


def test_two_readers_are_not_blocked_by_a_writer_holding_the_lock(app, api, sqlite_path):
    clients = [api("pr_expert_d1"), api("pr_expert_d2")]
    for client in clients:
        assert client.get("/api/v1/tasks").status_code == 200
    lock = WriteLock(sqlite_path)
    try:
        barrier = threading.Barrier(2)
        statuses = [None, None]

        def read(i):
            barrier.wait(timeout=30)
            statuses[i] = clients[i].get("/api/v1/tasks").status_code

        threads = [threading.Thread(target=read, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # Both answered while the lock was still held: neither waited for it.
        assert statuses == [200, 200]
    finally:
        lock.release()


def test_a_writer_waits_for_the_lock_and_then_writes(app, api, sqlite_path):
    reader = api("pr_expert_d1")
    lock = WriteLock(sqlite_path)
    done = threading.Event()
    answer = {}

    def write():
        answer["status"] = app.test_client().post(
            "/api/v1/auth/token", json={"username": "pr_expert_d1", "password": _password()}).status_code
        done.set()

    writer = threading.Thread(target=write)
    try:
        writer.start()
        # A read answers meanwhile; the write cannot have: the lock is still held.
        assert reader.get("/api/v1/tasks").status_code == 200
        assert not done.is_set()
    finally:
        lock.release()
    writer.join(timeout=60)
    assert answer == {"status": 200}


def _password():
    from app.demo import DEMO_PASSWORD
    return DEMO_PASSWORD


def test_the_inbox_records_the_visit_in_a_write_of_its_own(app, login, db, caplog):
    browser = login("pr_expert_d1")
    with caplog.at_level("WARNING", logger="app.db"):
        assert browser.get("/").status_code == 200
    user = db.scalars(select(User).where(User.username == "pr_expert_d1")).one()
    assert db.get(InboxVisit, user.id) is not None
    assert "A read request wrote" not in caplog.text


def test_a_write_apart_is_seen_by_the_rest_of_the_read(app, db):
    user_id = db.scalars(select(User.id).where(User.username == "pr_expert_d1")).one()
    db.rollback()  # outside a request a session writes: it holds the lock until it ends
    with app.test_request_context("/", method="GET"):
        from app.db import db_session
        session = db_session()
        assert session.get(InboxVisit, user_id) is None  # the read's snapshot has begun
        write_apart(lambda apart: apart.add(InboxVisit(user_id=user_id)))
        assert session.get(InboxVisit, user_id, populate_existing=True) is not None
        session.close()
    assert db.get(InboxVisit, user_id) is not None
