"""Serve the system on http://127.0.0.1:5000 with the timer scheduler running in it unless
SCHEDULER_IN_WEB=0 (then run `flask scheduler run` beside it). A development server: `make run`
sets APP_ENV=development; otherwise the secrets must be set, app/config.py."""
import sys

from app import create_app
from app.config import ConfigError, load_config


def web_settings() -> dict:
    """The settings run.py adds: the scheduler in this process when SCHEDULER_IN_WEB is on."""
    return {"SCHEDULER_ENABLED": load_config()["SCHEDULER_IN_WEB"]}


if __name__ == "__main__":
    try:
        app = create_app(web_settings())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
    port = int(app.config["PORT"])  # PORT from the environment, read by app/config.py
    print(f"Serving on http://127.0.0.1:{port}  (demo logins: see README.md or `flask setup`)")
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
