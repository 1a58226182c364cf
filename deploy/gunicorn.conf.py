"""gunicorn settings of the `web` role (deploy/compose.yaml, deploy/systemd/web@.service).

Sizing and the connection formula: docs/DEPLOYMENT.md. Every value can be overridden from the
environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_KEEPALIVE, GUNICORN_BIND)."""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One worker per core; threads overlap the database round trips (a step is mostly waiting).
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gunicorn serves every request of a kept-alive connection in the worker that accepted it, so
# a few busy connections pin one worker while another idles: off by default (the proxy keeps
# its clients' connections open; ARCHITECTURE.md "Serving").
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
timeout = 60
graceful_timeout = 30
# Recycle workers now and then (memory of long-lived Python processes), not all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# X-Forwarded-For / -Proto are read by the app itself (TRUSTED_PROXIES: werkzeug ProxyFix).


# Prometheus with several workers (app/observability/metrics.py): each worker writes its values
# under PROMETHEUS_MULTIPROC_DIR, emptied here at start; a dead worker's live gauges are dropped.
def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
