"""A backup restored (docs/DEPLOYMENT.md, "Restore"): pg_dump of a database holding instances,
their events and a signed daily digest, pg_restore into a new database, and an app pointed at
it finds every chain intact, re-executes every instance to its stored state and checks the
digest against the key kept outside the database."""
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from models import Event, Instance
from tests.conftest import TEST_CONFIG
from tests.http.http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE

pytestmark = pytest.mark.postgres

STEPS = {"Task_register_complaint": ("pr_expert_d1", REGISTER_SERVICE),
         "Task_examine_service_complaint": ("pr_expert_d1", EXAMINATION),
         "Task_review_answer": ("pr_head_d1", REVIEW_APPROVE),
         "Task_announce_result": ("pr_expert_d1", ANNOUNCEMENT)}


def _libpq_args(url) -> list[str]:
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"


@pytest.fixture
def restored_url(database_url):
    """The name of a new database next to the test database; dropped afterwards."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump / pg_restore are not installed")
    url = make_url(database_url)
    target = url.set(database=f"{url.database}_restored")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
    yield target
    with admin.connect() as conn:
        conn.execute(drop)
    admin.dispose()


def _walk_complaints(api, count: int, steps_each: int) -> None:
    clients = {username: api(username) for username in ("pr_expert_d1", "pr_head_d1")}
    for _ in range(count):
        response = clients["pr_expert_d1"].post("/api/v1/processes/complaints/instances", json={"district": "d1"})
        assert response.status_code == 201, response.get_json()
        instance = response.get_json()
        for _ in range(steps_each):
            if not instance["open_tasks"]:
                break
            task = instance["open_tasks"][0]
            username, data = STEPS[task["task"]]
            response = clients[username].post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
            assert response.status_code == 200, response.get_json()
            instance = response.get_json()["instance"]


def test_a_dump_restored_into_a_new_database_verifies_clean(app, complaints, api, database_url,
                                                            restored_url, tmp_path):
    key_file = tmp_path / "audit-signing.pem"  # kept outside the database, backed up apart
    result = app.test_cli_runner().invoke(args=["audit", "keygen", "--out", str(key_file)])
    assert result.exit_code == 0, result.output
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(key_file)
    _walk_complaints(api, count=3, steps_each=4)   # finished
    _walk_complaints(api, count=3, steps_each=1)   # still open
    result = app.test_cli_runner().invoke(args=["audit", "digest"])
    assert result.exit_code == 0, result.output
    with app.extensions["db_sessions"]() as s:
        before = (s.scalar(select(func.count()).select_from(Instance)),
                  s.scalar(select(func.count()).select_from(Event)))
    assert before[0] == 6

    # The backup (docs/DEPLOYMENT.md): pg_dump's custom format; then a new database, restored.
    source = make_url(database_url)
    dump = tmp_path / "city.dump"
    _run(["pg_dump", *_libpq_args(source), "-Fc", "-f", str(dump), source.database])
    _run(["createdb", *_libpq_args(restored_url), restored_url.database])
    _run(["pg_restore", *_libpq_args(restored_url), "--no-owner", "--exit-on-error",
          "-d", restored_url.database, str(dump)])

    restored = create_app({**TEST_CONFIG, "DATABASE_URL": restored_url.render_as_string(hide_password=False),
                           "AUDIT_SIGNING_KEY_FILE": str(key_file)})
    try:
        with restored.extensions["db_sessions"]() as s:
            assert (s.scalar(select(func.count()).select_from(Instance)),
                    s.scalar(select(func.count()).select_from(Event))) == before
        runner = restored.test_cli_runner()
        chain = runner.invoke(args=["audit", "chain"])
        assert chain.exit_code == 0, chain.output
        assert "every chain is intact" in chain.output
        verify = runner.invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        assert "6 instance(s) verified, 0 mismatch(es)" in verify.output
        assert "1 signed digest(s) checked, 0 problem(s)" in verify.output
    finally:
        restored.extensions["db_engine"].dispose()
