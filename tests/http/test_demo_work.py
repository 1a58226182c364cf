"""`make run`'s demo data has work in progress in every procedure: each process of processes/
has a running instance with an open task, some tasks are due today and some overdue, a 137
message is escalated, and every user the README's "Who to log in as" names finds a task in
their inbox. Loading it again adds nothing."""
import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo import demo_logins
from app.demo_work import load_demo_work
from http_support import task_links
from modeling.deploy import deploy_directory, deploy_process
from models import (CitizenRequest, DraftComment, Event, HumanTask, Instance, MardomSalamMeeting,
                    OutboxMessage, QualityRecord, Timer, clock, utcnow)
from workcal import jalali
from workcal.store import zone_of

ROOT = Path(__file__).resolve().parents[2]
PROCESS_KEYS = sorted(path.stem for path in (ROOT / "processes").glob("*.bpmn"))
# Demo users whose roles are in no lane of the diagrams: they have no task to find.
WITHOUT_TASKS = {"process_owner", "admin", "auditor", "central_pr", "records_committee"}
FRIDAY = datetime(2026, 12, 11, 10, 0)  # 13:30 in Tehran, a day off


def readme_users() -> list[str]:
    """The usernames the README's "Who to log in as" table names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Who to log in as", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return sorted({name for row in rows for name in re.findall(r"`([a-z0-9_]+)`", row)})


def load_demo(db) -> int:
    """Every process deployed and the demo work loaded (committed to the test's savepoint)."""
    list(deploy_directory(db, ROOT / "processes"))
    db.commit()
    created = load_demo_work(db)
    db.commit()
    return created


def due_today(db) -> list[HumanTask]:
    today = jalali.local_date(utcnow(), zone_of(db))
    return [task for task in db.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at.isnot(None)))
        if jalali.local_date(task.due_at, zone_of(db)) == today]


def users_without_tasks(login) -> list[str]:
    """The README's users whose inbox lists no task, or whose first task's page does not open."""
    missing = []
    for username in readme_users():
        browser = login(username)
        tasks = task_links(browser.get("/"))
        if not tasks or browser.get(f"/tasks/{tasks[0]}").status_code != 200:
            missing.append(username)
    return missing


@pytest.fixture
def demo(app, db):
    return load_demo(db)


def test_every_process_has_open_work_some_overdue_some_due_today_and_a_137_escalated(demo, db):
    assert demo > 0
    open_by_process = dict(db.execute(
        select(HumanTask.process_key, func.count()).join(Instance, Instance.id == HumanTask.instance_id)
        .where(HumanTask.status == "ready", Instance.status == "running")
        .group_by(HumanTask.process_key)).all())
    assert PROCESS_KEYS == sorted(open_by_process), open_by_process
    assert len(PROCESS_KEYS) == 11
    assert db.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at < utcnow())) > 0
    assert due_today(db)
    # A 137 message whose 72-hour timer fired: the deputy follows it up, its reply is overdue.
    escalated = db.scalars(select(Instance).join(HumanTask, HumanTask.instance_id == Instance.id).where(
        Instance.process_key == "citizen_message_137", Instance.status == "running",
        HumanTask.task_spec == "Task_deputy_followup", HumanTask.status == "ready")).first()
    assert escalated is not None
    fired = db.scalars(select(Event.task_spec).where(Event.instance_id == escalated.id,
                                                     Event.type == "timer_fired")).all()
    assert "Timer_no_reply_72h" in fired
    reply = db.scalars(select(HumanTask).where(HumanTask.instance_id == escalated.id,
                                               HumanTask.task_spec == "Task_executive_reply")).one()
    assert reply.status == "ready" and reply.due_at < utcnow()


def test_each_user_the_readme_names_finds_a_task_in_their_inbox_and_opens_it(demo, login):
    listed = readme_users()
    every_user = {username for username, _, _ in demo_logins()}
    # The README names every demo user who acts on some task, and nobody else.
    assert set(listed) == every_user - WITHOUT_TASKS
    assert users_without_tasks(login) == []


def test_on_a_day_off_tonights_mardom_salam_briefing_is_due_today_and_everyone_has_work(
        app, db, login):
    clock.set_now(FRIDAY)
    load_demo(db)
    due = [(t.process_key, t.task_spec) for t in due_today(db)]
    # Only the briefing among the offices' work; the 137 centre works around the clock, so its
    # intake and replies fall due on a Friday too.
    assert [d for d in due if d[0] != "citizen_message_137"] == [("mardom_salam", "Task_briefing")]
    assert {spec for key, spec in due if key == "citizen_message_137"} <= {
        "Task_register_message", "Task_executive_reply", "Task_confirm_planned_work"}
    assert users_without_tasks(login) == []


def test_loading_the_demo_work_again_changes_nothing(demo, db):
    tables = (Instance, HumanTask, Event, Timer, CitizenRequest, MardomSalamMeeting, DraftComment,
              QualityRecord, OutboxMessage)
    before = {table.__name__: db.scalar(select(func.count()).select_from(table)) for table in tables}
    assert load_demo_work(db) == 0
    db.commit()
    after = {table.__name__: db.scalar(select(func.count()).select_from(table)) for table in tables}
    assert after == before


def test_a_procedure_whose_process_is_not_deployed_gets_no_demo_work(app, db):
    deploy_process(db, (ROOT / "processes" / "complaints.bpmn").read_bytes(), filename="complaints.bpmn")
    db.commit()
    assert load_demo_work(db) > 0
    db.commit()
    assert set(db.scalars(select(Instance.process_key).distinct())) == {"complaints"}
