"""The app served on a free local port for a real browser (CSRF on, as in production)."""
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from app import create_app


def browser_app(database_url):
    """The app as a browser meets it: CSRF on."""
    return create_app({"DATABASE_URL": database_url, "TESTING": True,
                       "WTF_CSRF_ENABLED": True, "SECRET_KEY": "browser-test"})


@contextmanager
def serve(served):
    """Serve an app on a free local port in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        served.extensions["db_engine"].dispose()
