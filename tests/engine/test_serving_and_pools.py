"""Serving and connections (issue 21): the pool sizes and recycle interval come from settings
(app/config.py DB_POOL_*), no ping before each use; gunicorn.conf.py (make serve) loads the app
and reads its sizes from the environment."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import load_config
from models import make_engine
from models.base import pool_options

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PG_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to


def test_pool_settings_are_read_from_the_environment(monkeypatch):
    for name, value in (("DB_POOL_SIZE", "7"), ("DB_MAX_OVERFLOW", "3"),
                        ("DB_POOL_TIMEOUT_SECONDS", "2.5"), ("DB_POOL_RECYCLE_SECONDS", "600")):
        monkeypatch.setenv(name, value)
    config = load_config()
    assert (config["DB_POOL_SIZE"], config["DB_MAX_OVERFLOW"]) == (7, 3)
    assert (config["DB_POOL_TIMEOUT_SECONDS"], config["DB_POOL_RECYCLE_SECONDS"]) == (2.5, 600)
    engine = make_engine(PG_URL, **pool_options(config))
    assert engine.pool.size() == 7 and engine.pool._max_overflow == 3
    assert engine.pool._timeout == 2.5 and engine.pool._recycle == 600


def test_a_server_database_pool_is_recycled_not_pinged_by_default():
    config = load_config()
    assert (config["DB_POOL_SIZE"], config["DB_MAX_OVERFLOW"]) == (5, 5)
    engine = make_engine(PG_URL)
    assert engine.pool._pre_ping is False
    assert engine.pool._recycle == config["DB_POOL_RECYCLE_SECONDS"] == 1800
    assert engine.pool.size() == 5 and engine.pool._max_overflow == 5


def test_the_app_engine_takes_the_pool_settings(database_url):
    from app import create_app
    from tests.database_support import TEST_CONFIG
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has a connection per thread: the pool settings are PostgreSQL's")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DB_POOL_SIZE": 3,
                      "DB_MAX_OVERFLOW": 1, "DB_POOL_RECYCLE_SECONDS": 60})
    pool = app.extensions["db_engine"].pool
    assert (pool.size(), pool._max_overflow, pool._recycle, pool._pre_ping) == (3, 1, 60, False)
    app.extensions["db_engine"].dispose()


def _gunicorn(*args, **env):
    return subprocess.run([str(GUNICORN), "-c", "gunicorn.conf.py", *args], cwd=ROOT,
                          env={**os.environ, "APP_ENV": "development", **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed next to Python")
def test_make_serve_config_loads_the_app(database_url):
    result = _gunicorn("--check-config", DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed next to Python")
def test_make_serve_config_reads_its_sizes_from_the_environment():
    printed = _gunicorn("--print-config", GUNICORN_WORKERS="3", GUNICORN_THREADS="2",
                        GUNICORN_BIND="127.0.0.1:8123").stdout
    settings = {name.strip(): value for name, value in
                (line.split(" = ", 1) for line in printed.splitlines() if " = " in line)}
    assert settings["workers"].strip() == "3" and settings["threads"].strip() == "2"
    assert settings["bind"].strip() == "['127.0.0.1:8123']"
    assert settings["worker_class"].strip() == "gthread"
    assert settings["keepalive"].strip() == "0"  # a kept-alive connection pins one worker
    assert settings["wsgi_app"].strip() == "app:create_app()"


def test_make_serve_runs_gunicorn_with_its_config():
    makefile = (ROOT / "Makefile").read_text()
    serve = makefile[makefile.index("\nserve: setup"):].split("\n\n", 1)[0]
    assert "gunicorn -c gunicorn.conf.py" in serve and "flask scheduler run" in serve
