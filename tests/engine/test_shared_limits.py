"""REDIS_URL: the rate limits of every node count in the one Redis (two processes, one limit);
login throttling is in the database and login sessions in signed cookies, so any node serves
a logged-in user."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from app.config import load_config
from tests.redis_support import REDIS_URL, redis_prefix  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]
NODE = """
import json, sys
from app import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "test"})
client = app.test_client()
print(json.dumps([client.get("/open311/v2/services.json").status_code for _ in range(int(sys.argv[1]))]))
"""


def test_redis_url_becomes_the_rate_limit_store_unless_another_is_named(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://limits:6379/1")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/1"


def node_codes(database_url, prefix, requests) -> list[int]:
    """One node (a process of its own) asking `requests` times."""
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development",
           "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
           "OPEN311_RATE_LIMIT": "3 per minute"}
    env.pop("RATELIMIT_STORAGE_URI", None)
    done = subprocess.run([sys.executable, "-c", NODE, str(requests)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.committed
def test_two_nodes_with_redis_url_share_one_rate_limit(app, redis_prefix):  # noqa: F811
    assert node_codes(app.config["DATABASE_URL"], redis_prefix, 2) == [200, 200]
    assert node_codes(app.config["DATABASE_URL"], redis_prefix, 2) == [200, 429]
    assert any(redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{redis_prefix}*"))


def test_a_login_session_made_by_one_node_is_honoured_by_another(app):
    from app import create_app
    from app.demo import DEMO_PASSWORD
    from tests.database_support import TEST_CONFIG
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], **TEST_CONFIG})
    try:
        first = app.test_client()
        assert first.post("/login", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
        cookie = first.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
        second = other.test_client()
        second.set_cookie(cookie.key, cookie.value)
        assert second.get("/calendar").status_code == 200  # signed cookie: no server-side state
        assert other.test_client().get("/calendar").status_code == 302  # without it: the login page
    finally:
        other.extensions["db_engine"].dispose()
