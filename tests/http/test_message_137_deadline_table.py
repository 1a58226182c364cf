"""Issue 23: a process owner changes the 137 reply deadline by deploying a new version of the
decision table message_137_deadline; a message started after the deploy gets the new deadline,
a message already running keeps the table it started with, and the history shows the rule."""
from datetime import timedelta
from pathlib import Path

from path_support import drive_api, start_api

from models import clock

from message_137_support import INTAKE, KEY, REFERRED, SERVICE_DUE, deploy_messages

TABLE = (Path(__file__).resolve().parents[2] / "processes" / "decisions"
         / "message_137_deadline.dmn").read_bytes()
TWELVE_HOURS = TABLE.replace(b'<outputEntry id="LiteralExpression_service"><text>24</text>',
                             b'<outputEntry id="LiteralExpression_service"><text>12</text>')


def reply_due_at(answer: dict) -> str:
    [task] = [t for t in answer["instance"]["open_tasks"] if t["task"] == "Task_executive_reply"]
    return task["due_at"]


def test_a_new_table_version_gives_new_messages_the_new_deadline_and_running_ones_keep_the_old(app, api):
    deploy_messages(app)
    clock.set_now(REFERRED)  # one moment throughout: the pin, not the clock, tells them apart
    operator, owner = api("intake_operator_d1"), api("process_owner")
    running = start_api(operator, KEY, "d1")["id"]

    deployed = owner.client.post("/api/v1/decisions/deploy?file_name=message_137_deadline.dmn",
                                 data=TWELVE_HOURS,
                                 headers={**owner.headers, "Content-Type": "application/xml"})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    tried = owner.post("/api/v1/decisions/message_137_deadline/evaluate", json={"inputs": {"category": "service"}})
    assert tried.get_json()["output"]["deadline_hours"] == 12

    new = start_api(operator, KEY, "d1")["id"]
    old_answer = drive_api(operator, running, "Task_register_message", INTAKE)
    new_answer = drive_api(operator, new, "Task_register_message", INTAKE)
    service_due = SERVICE_DUE.isoformat()
    assert reply_due_at(old_answer).startswith(service_due)  # 24 hours: the table it started with
    assert not reply_due_at(new_answer).startswith(service_due)
    assert reply_due_at(new_answer).startswith((SERVICE_DUE - timedelta(hours=12)).isoformat())

    decided = {instance_id: operator.get(f"/api/v1/instances/{instance_id}").get_json()["data"]["decisions"]
               ["message_137_deadline"] for instance_id in (running, new)}
    assert decided[running] == {"version": 1, "matched_rules": ["Rule_service"], "matched_indexes": [1],
                                "output": {"deadline_hours": 24, "deputy_after_hours": 72, "manager_after_hours": 96}}
    assert decided[new]["version"] == 2 and decided[new]["output"]["deadline_hours"] == 12
