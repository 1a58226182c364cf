"""Throw-away databases for the benchmarks: a temporary SQLite file or a PostgreSQL database.

Shared by bench/http_end_to_end.py, bench/inbox_at_scale.py, bench/replay_verify.py and
bench/replay_reexecution.py; each names its own (prefix), so that two benchmarks running at
once never share a database.
"""
import os
import shutil
import tempfile

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def loadavg() -> float:
    """The 1-minute load average (others share the 2 cores: printed beside every figure)."""
    return os.getloadavg()[0]


def create_database(kind: str, pg_admin_url: str, prefix: str):
    """(url, cleanup) of a fresh, empty database: kind "sqlite" or "postgresql"."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{prefix}_")

        def cleanup():
            shutil.rmtree(folder, ignore_errors=True)
        return f"sqlite:///{folder}/bench.sqlite", cleanup
    from sqlalchemy import create_engine, text
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # A database left by a run that was killed may still have connections.
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def cleanup():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return pg_admin_url.rsplit("/", 1)[0] + f"/{name}", cleanup
