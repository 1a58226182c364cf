"""gunicorn's settings for `make serve`, the production server (docs/ARCHITECTURE.md, "Serving").

Each setting can be changed from the environment: GUNICORN_BIND (default 127.0.0.1:$PORT),
GUNICORN_WORKERS (processes; default 2 × cores), GUNICORN_THREADS (threads per process,
default 4), GUNICORN_KEEPALIVE (seconds a client's idle connection is kept; default 0),
GUNICORN_TIMEOUT and GUNICORN_MAX_REQUESTS.

Keep-alive is off by default: gunicorn serves every request of a kept-alive connection in the
worker that accepted it, so a few busy clients (or a reverse proxy's few upstream connections)
pin one worker while the others idle (issue 21: 10% of a completion's CPU in gunicorn, 24% with
one pinned connection). Closed after each answer, the next request goes to whichever worker
accepts first: a free one. Behind a reverse proxy clients keep their connections to the proxy;
set GUNICORN_KEEPALIVE (e.g. 2) when clients reach gunicorn directly over a slow network.
"""
import os

_cores = os.cpu_count() or 1

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * _cores)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 0)
# A worker stuck this long in one request is killed and replaced (scripts have their own
# limit, SCRIPT_TIMEOUT_SECONDS; a PDF dossier of a long case takes a few seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# Workers replaced after this many requests (0 = never), spread by the jitter, so a slow
# leak in a library cannot grow without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 10000)
max_requests_jitter = max_requests // 10
# Each worker imports the app itself (no preload): the script worker pools and the database
# pools are made per process, never shared across a fork.
preload_app = False
# One line per request on stdout (GUNICORN_ACCESS_LOG: a file; "" = none, e.g. when the proxy logs).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front (TRUSTED_PROXIES) sets X-Forwarded-*; the app reads them itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


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
