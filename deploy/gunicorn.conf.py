"""gunicorn settings of the `web` role (deploy/compose.yaml, deploy/systemd/web@.service): the
repository's gunicorn.conf.py (`make serve`: workers, threads, keep-alive off, Prometheus'
multi-process hooks; every value from GUNICORN_* variables), listening on 0.0.0.0:8000 unless
GUNICORN_BIND says otherwise. Sizing and the connection formula: docs/DEPLOYMENT.md."""
import os
from pathlib import Path

_here = Path(globals().get("__file__") or "deploy/gunicorn.conf.py").resolve().parent
exec(compile((_here.parent / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))  # noqa: S102
bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
