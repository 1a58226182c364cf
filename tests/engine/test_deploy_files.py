"""deploy/: the compose file, the systemd units and the settings example stay in step with the
app (its settings, its commands). No Docker here: the compose file is read as YAML; the units
go through `systemd-analyze verify` where it exists."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.config import DEFAULTS, SECRETS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTING = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", re.M)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_runs_two_web_nodes_two_schedulers_a_proxy_postgres_and_redis():
    services = _compose()["services"]
    assert {"postgres", "redis", "web1", "web2", "scheduler1", "scheduler2", "proxy"} <= set(services)
    for name in ("web1", "web2"):
        assert services[name]["command"][0] == "gunicorn"
        assert "app:create_app()" in services[name]["command"]
    for name in ("scheduler1", "scheduler2"):
        assert services[name]["command"] == ["flask", "scheduler", "run"]
    assert services["proxy"]["image"].startswith("nginx")
    assert services["mailin"]["command"][:3] == ["flask", "mail-in", "serve"]  # the LMTP role


def test_every_app_process_of_the_compose_file_is_set_for_several_nodes():
    services = _compose()["services"]
    for name in ("migrate", "web1", "web2", "scheduler1", "scheduler2", "mailin"):
        environment = services[name]["environment"]
        # PROMETHEUS_MULTIPROC_DIR is prometheus_client's own variable, not a setting of the app.
        unknown = set(environment) - set(DEFAULTS) - {"PROMETHEUS_MULTIPROC_DIR"}
        assert not unknown, f"{name}: unknown settings {unknown}"
        assert environment["APP_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["REDIS_URL"].startswith("redis://")  # the nodes' shared rate limits
        assert environment["SCHEDULER_IN_WEB"] == "0" and environment["SCHEDULER_ENABLED"] == "0"
        assert environment["TRUSTED_PROXIES"] == "1"  # nginx, one hop
        assert services[name]["env_file"] == ".env"


def test_the_proxy_replaces_x_forwarded_for_with_the_client_address():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "server web1:8000" in conf and "server web2:8000" in conf


def test_the_settings_example_lists_every_setting_once_and_leaves_the_secrets_empty():
    listed = SETTING.findall((DEPLOY / "env.example").read_text())
    names = [name for name, _ in listed]
    assert len(names) == len(set(names)), "a setting is listed twice"
    missing = set(DEFAULTS) - set(names) - {"TESTING"}
    assert not missing, f"deploy/env.example lacks {sorted(missing)}"
    gunicorn = set(re.findall(r'os\.environ\.get\("(GUNICORN_[A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()
                                                                        + (ROOT / "gunicorn.conf.py").read_text()))
    assert set(names) - set(DEFAULTS) <= {"POSTGRES_PASSWORD"} | gunicorn
    values = dict(listed)
    for secret in SECRETS:
        assert values[secret] == "", f"{secret} must be set by whoever deploys"


def test_the_units_read_their_settings_from_one_environment_file():
    for unit, command in (("web@.service", "gunicorn --config deploy/gunicorn.conf.py app:create_app()"),
                          ("scheduler@.service", "flask scheduler run")):
        text = (DEPLOY / "systemd" / unit).read_text()
        assert "EnvironmentFile=/etc/city137/env" in text
        assert re.search(r"^ExecStart=\S+/" + re.escape(command) + "$", text, re.M), unit
        assert "User=city137" in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    # The units name /opt/city137; here the checkout's own .venv stands in for it.
    for unit in ("web@.service", "scheduler@.service"):
        text = (DEPLOY / "systemd" / unit).read_text().replace("/opt/city137", str(ROOT))
        (tmp_path / unit).write_text(text)
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("no .venv/bin/gunicorn to stand in for the installed one")
    done = subprocess.run(["systemd-analyze", "verify", "web@.service", "scheduler@.service"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_gunicorn_reads_the_config_file():
    config = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own file
    assert config["worker_class"] == "gthread" and config["workers"] >= 1 and config["threads"] >= 1
    assert config["bind"] == "0.0.0.0:8000" and config["keepalive"] == 0 and "child_exit" in config
