#!/usr/bin/env python
"""Benchmark 7: the auditor's dossier PDF of an instance with fifty events (issue 7's target:
within three seconds), measured here since tests never time anything.

    .venv/bin/python bench/dossier_pdf.py [--rounds 5]

A throw-away SQLite database with the demo data; one complaint with 50 claim/release events;
prints the first PDF (fonts loaded) and the median of the next rounds, with the load average.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select  # noqa: E402

import engine  # noqa: E402
from app import create_app  # noqa: E402
from app.demo import DEMO_PASSWORD, load_demo_data  # noqa: E402
from app.migrate import upgrade_database  # noqa: E402
from modeling.deploy import deploy_process  # noqa: E402
from models import User  # noqa: E402
from people.accounts import find_district  # noqa: E402
from scratch_database import loadavg  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        upgrade_database(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "APP_ENV": "development"})
        with app.app_context():
            session = app.extensions["db_sessions"]()
            load_demo_data(session)
            deploy_process(session, (REPO / "processes" / "complaints.bpmn").read_bytes(),
                           filename="complaints.bpmn")
            expert = session.scalars(select(User).where(User.username == "pr_expert_d1")).one()
            instance = engine.start_instance(session, "complaints", expert, find_district(session, "d1").id)
            [task] = engine.open_tasks(session, instance)
            for _ in range(25):
                engine.claim_task(session, task.id, expert)
                engine.unclaim_task(session, task.id, expert)
            session.commit()
            instance_id = instance.id
            session.close()
        client = app.test_client()
        client.post("/login", data={"username": "auditor", "password": DEMO_PASSWORD})
        url_pdf = f"/audit/instances/{instance_id}/dossier.pdf"
        started = time.perf_counter()
        assert client.get(url_pdf).status_code == 200
        first = time.perf_counter() - started
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get(url_pdf)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
        print(f"dossier PDF, 50+ events: first {first:.2f} s (fonts loaded), then median "
              f"{statistics.median(times):.2f} s, max {max(times):.2f} s over {args.rounds} "
              f"(load {loadavg()})")


if __name__ == "__main__":
    main()
