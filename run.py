"""Serve the system on http://127.0.0.1:5000 with the timer scheduler running."""
import os
import sys

from app import create_app
from app.config import ConfigError

if __name__ == "__main__":
    try:
        app = create_app({"SCHEDULER_ENABLED": True})
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
    port = int(os.environ.get("PORT", app.config["PORT"]))
    print(f"Serving on http://127.0.0.1:{port}  (demo logins: see README.md or `flask setup`)")
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
