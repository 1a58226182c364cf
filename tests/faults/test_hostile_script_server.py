"""While diagrams' hostile scripts run, the real server (gunicorn) keeps answering and its web
processes stay small: the scripts' memory is spent, and refused, in the worker processes."""
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from fault_support import ROOT, Server, api_token, request
from engine.spiff.parsing import content_sha256
from models import Instance, ProcessVersion

# Each would take the web process to gigabytes, or spin in one C call, if it ran there.
SCRIPTS = ["y = ['x' * 1000000 for i in range(3000)]",
           "a = [1]\nfor i in range(60):\n    a = [a, a]",
           "n = 10**9\ny = 'x'.ljust(n)",
           "y = 'x' * 1000000\nz = [y] * 50"]
WEB_RSS_BOUND_MB = 600  # a web process of this app runs at about a third of it


def rss_mb_of_group(pgid: int) -> dict[int, float]:
    """Resident memory of each process of a process group (the server's, not its script workers',
    which run in sessions of their own)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:  # the fifth field of /proc/<pid>/stat: process group
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[int(entry.name)] = int(line.split()[1]) / 1024
        except (OSError, ValueError):
            continue
    return found


def test_the_server_keeps_answering_and_stays_small_while_hostile_scripts_run(app, db, database_url,
                                                                              tmp_path):
    template = (ROOT / "tests" / "fixtures" / "runtime_hostile_script.bpmn").read_bytes()
    for number, script in enumerate(SCRIPTS, start=1):
        xml = template.replace(b"t_hostile_script", f"t_hostile_{number}".encode()).replace(
            b"HOSTILE_SCRIPT", escape(script).encode())
        db.add(ProcessVersion(process_key=f"t_hostile_{number}", version=1, name="hostile",
                              content_sha256=content_sha256(xml), bpmn_xml=xml.decode("utf-8"),
                              lanes={"pr_expert": "pr_expert"}, forms={}))
    db.commit()
    server = Server(database_url, tmp_path / "server.log").start()
    try:
        token = api_token(server.port, "pr_expert_d1")
        started, peak = [], {}

        def run_hostile():
            for number in range(1, len(SCRIPTS) + 1):
                for _ in range(2):
                    started.append(request(server.port, "POST", f"/api/v1/processes/t_hostile_{number}/instances",
                                           {"district": "d1"}, token, timeout=60))

        runner = threading.Thread(target=run_hostile, daemon=True)
        runner.start()
        answers = []
        while runner.is_alive():
            answers.append(request(server.port, "GET", "/login", timeout=10)[0])
            for pid, mb in rss_mb_of_group(server.process.pid).items():
                peak[pid] = max(peak.get(pid, 0), mb)
        runner.join(timeout=120)
        print(f"peak resident memory of the web processes (MB): {peak}; {len(answers)} answers meanwhile")
        assert answers and set(answers) == {200}
        assert peak and max(peak.values()) < WEB_RSS_BOUND_MB, peak
        assert len(started) == 2 * len(SCRIPTS)
        assert all(status == 201 for status, _ in started), started
        db.expire_all()
        statuses = {i.process_key: i.status for i in db.query(Instance).filter(
            Instance.process_key.like("t_hostile_%"))}
        assert set(statuses.values()) == {"error"}, statuses
        status, _ = request(server.port, "GET", "/login", timeout=10)
        assert status == 200
    finally:
        server.kill()
