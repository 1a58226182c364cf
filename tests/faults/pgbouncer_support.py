"""A PgBouncer of the test's own in transaction pool mode, in front of the test PostgreSQL:
its ini in a temporary folder, a free port, trust authentication, every database passed on
to the server of TEST_DATABASE_URL. Debian's package: /usr/sbin/pgbouncer (.ci/run installs it)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from fault_support import free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _ini(server_host: str, server_port: int, port: int, folder: Path, pool_size: int) -> str:
    # Every database name goes to the same server ("*"); a small pool makes transactions of
    # different clients share server connections, which is what transaction mode breaks.
    return f"""[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'users.txt'}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
server_reset_query =
# A client waits this long for a server connection: a deadlock (a transaction waiting for a
# second connection while every server connection is held) fails the test in seconds.
query_wait_timeout = 15
ignore_startup_parameters = extra_float_digits,options
"""


def _answering(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def running_pgbouncer(database_url: str, pool_size: int = 2):
    """Start PgBouncer in front of database_url's server; yield the same URL through it."""
    if not Path(PGBOUNCER).exists():
        if os.environ.get("CI"):
            raise AssertionError("pgbouncer is not installed (.ci/run installs it)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    url = make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)  # run as root, pgbouncer drops to the postgres user and reads it then
    port = free_port()
    (folder / "pgbouncer.ini").write_text(_ini(url.host or "127.0.0.1", url.port or 5432, port,
                                               folder, pool_size))
    (folder / "users.txt").write_text(f'"{url.username or "postgres"}" ""\n')
    for name in ("pgbouncer.ini", "users.txt"):
        (folder / name).chmod(0o644)
    # PgBouncer refuses to run as root: it is told whom to become.
    command = [PGBOUNCER] + (["-u", "postgres"] if os.geteuid() == 0 else []) + [
        str(folder / "pgbouncer.ini")]
    log = (folder / "pgbouncer.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not _answering(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pgbouncer did not start:\n{(folder / 'pgbouncer.log').read_text()}")
            time.sleep(0.05)
        yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
