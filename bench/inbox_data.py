"""The inbox benchmark's data: people of many districts, the complaint process, and
instances with three human tasks each, generated and bulk-inserted outside the engine
(the inbox reads only the task index). Used by bench/inbox_at_scale.py.
"""
import json
import random
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from app.demo import DEMO_PASSWORD, load_demo_data
from modeling.deploy import deploy_process
from models import District, RoleGrant
from people.accounts import create_user, grant_role, hash_password
from people.roles import ROLES

COMPLAINTS = Path(__file__).resolve().parent.parent / "processes" / "complaints.bpmn"

# The complaint process's user tasks: spec id -> role of its lane, has a due date.
TASKS = {
    "Task_register_complaint": ("pr_expert", False),
    "Task_examine_service_complaint": ("pr_expert", True),
    "Task_examine_employee_complaint": ("complaints_expert", True),
    "Task_review_answer": ("pr_head", False),
    "Task_announce_result": ("pr_expert", False),
    "Task_followup_overdue_service": ("district_mayor", False),
    "Task_followup_overdue_employee": ("district_mayor", False),
}


def load_people_and_process(factory, districts: int):
    """Demo data, extra districts with one user per district role, two bench users."""
    session = factory()
    load_demo_data(session)
    shared = hash_password(DEMO_PASSWORD)
    for n in range(3, districts + 1):
        code = f"d{n}"
        district = District(code=code, name_fa=f"منطقه {n}", name_en=f"District {n}")
        session.add(district)
        session.flush()
        for role in ROLES:
            if not role.city_wide:
                user = create_user(session, f"{role.code}_{code}", DEMO_PASSWORD,
                                   full_name=f"{role.title_fa} — {code}", password_hash=shared)
                grant_role(session, user, role.code, district)
    all_districts = session.scalars(select(District).order_by(District.id)).all()
    # A city-wide holder of a role that has tasks (the demo's city-wide roles have none
    # in the complaint process), and a user holding two roles in every district.
    city = create_user(session, "bench_city_complaints", DEMO_PASSWORD,
                       full_name="city-wide complaints expert", password_hash=shared)
    grant_role(session, city, "complaints_expert", None)
    multi = create_user(session, "bench_multi_grants", DEMO_PASSWORD,
                        full_name="pr_head + pr_expert in every district", password_hash=shared)
    for district in all_districts:
        grant_role(session, multi, "pr_head", district)
        grant_role(session, multi, "pr_expert", district)
    version, _ = deploy_process(session, COMPLAINTS.read_bytes(), filename=COMPLAINTS.name)
    session.commit()
    session.close()
    return version


def real_state_json(version) -> str:
    """A real serialized workflow of a complaint that has just started."""
    from engine.spiff.workflows import dump_workflow, new_workflow, run_engine
    workflow = new_workflow(version, {"bench": True})
    run_engine(workflow)
    return dump_workflow(workflow)


# ------------------------------------------------------------------ data generation
def generate_rows(session, version, n_instances: int, now, seed: int, state_json: str):
    """(instance dicts, human task dicts): three task rows per instance."""
    rng = random.Random(seed)
    districts = [d.id for d in session.scalars(select(District).order_by(District.id))]
    holders = {}
    for grant in session.scalars(select(RoleGrant).where(RoleGrant.district_id.isnot(None))):
        holders.setdefault((grant.role, grant.district_id), []).append(grant.user_id)
    starter = {d: holders[("pr_expert", d)][0] for d in districts}
    lane_of_role = {role: lane for lane, role in (version.lanes or {}).items()}
    names = {}
    root = ET.fromstring(version.bpmn_xml.encode("utf-8"))
    for el in root.iter():
        if el.get("id") in TASKS:
            names[el.get("id")] = el.get("name") or el.get("id")
    forms = version.forms or {}
    instances, tasks = [], []
    span = 90 * 86400
    for i in range(1, n_instances + 1):
        district = rng.choice(districts)
        started = now - timedelta(seconds=rng.uniform(60, span))
        service = rng.random() < 0.5
        examine = "Task_examine_service_complaint" if service else "Task_examine_employee_complaint"
        followup = "Task_followup_overdue_service" if service else "Task_followup_overdue_employee"
        r = rng.random()
        # (spec, ready?) x 3, in order of creation
        if r < 0.12:    # closed complaint
            steps = [("Task_register_complaint", 0), (examine, 0), ("Task_announce_result", 0)]
        elif r < 0.50:  # waiting for review
            steps = [("Task_register_complaint", 0), (examine, 0), ("Task_review_answer", 1)]
        elif r < 0.80:  # sent back by the reviewer, being examined again
            steps = [("Task_register_complaint", 0), ("Task_review_answer", 0), (examine, 1)]
        else:           # examination overdue: deadline timer opened the follow-up
            steps = [("Task_register_complaint", 0), (examine, 1), (followup, 1)]
        status = "completed" if r < 0.12 else "running"
        t = started
        last = started
        for n, (spec, ready) in enumerate(steps):
            role, has_due = TASKS[spec]
            created = t
            if spec == followup:
                created = tasks[-1]["created_at"] + timedelta(hours=240)
            due = created + timedelta(hours=240) if has_due else None
            if r >= 0.80 and spec == examine:
                # overdue ones: created more than 10 days ago
                created = min(created, now - timedelta(hours=241 + rng.uniform(0, 1000)))
                due = created + timedelta(hours=240)
            user = rng.choice(holders[(role, district)])
            done = None if ready else created + timedelta(seconds=rng.uniform(300, 5 * 86400))
            if done is not None and done > now:
                done = now - timedelta(seconds=1)
            claimed = user if (not ready or rng.random() < 0.05) else None
            tasks.append({
                "instance_id": i, "spiff_task_id": f"00000000-0000-4000-8000-{i:08d}{n:04d}",
                "process_key": version.process_key, "task_spec": spec, "name": names[spec],
                "lane": lane_of_role.get(role), "role": role, "district_id": district,
                "assignee_id": claimed, "form_key": forms.get(spec),
                "status": "ready" if ready else "completed", "created_at": created,
                "due_at": due, "completed_at": done,
                "completed_by_id": user if not ready else None})
            last = max(last, done or created)
            t = (done or created) + timedelta(seconds=1)
        instances.append({
            "id": i, "process_version_id": version.id, "process_key": version.process_key,
            "district_id": district, "status": status, "title": version.name,
            "tracking_code": f"B{i:09d}", "state_json": state_json, "data": {},
            "error_message": None, "started_by_id": starter[district], "started_at": started,
            "updated_at": last, "completed_at": last if status == "completed" else None,
            "row_version": 1})
    return instances, tasks


def bulk_insert(engine, table, rows, chunk=10_000):
    """Insert rows (dicts) into table: COPY on PostgreSQL, executemany chunks on SQLite."""
    if not rows:
        return
    cols = list(rows[0].keys())
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v
                                        for v in (row[c] for c in cols)])
            if "id" in cols:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))"))
    else:
        with engine.begin() as conn:
            for start in range(0, len(rows), chunk):
                conn.execute(insert(table), rows[start:start + chunk])


def analyze(engine):
    """Refresh the planner's statistics after the bulk insert."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
