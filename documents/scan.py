"""The virus-scan hook: a command (e.g. `clamdscan --no-summary`) run on each upload.

The command gets the path of a temporary copy of the file as its last argument; exit status 0
means clean, anything else (a virus found, the scanner failing or too slow) refuses the file:
an upload that could not be scanned is not kept.
"""
import logging
import os
import shlex
import subprocess
import tempfile

log = logging.getLogger(__name__)


class ScanRefused(Exception):
    """The scanner did not pass the file."""


def scan_bytes(command: str, data: bytes, timeout: float = 60.0) -> None:
    """Run the scan command on the bytes; ScanRefused unless it exits 0. No command: nothing runs."""
    argv = shlex.split(command or "")
    if not argv:
        return
    handle, path = tempfile.mkstemp(prefix="scan-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            result = subprocess.run([*argv, path], capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.error("virus scan %r could not run: %s", argv[0], exc)
            raise ScanRefused("scanner failed") from exc
        if result.returncode != 0:
            log.warning("virus scan refused an upload (exit %s): %s", result.returncode,
                        result.stdout.decode("utf-8", "replace")[:500])
            raise ScanRefused(f"exit {result.returncode}")
    finally:
        os.unlink(path)
