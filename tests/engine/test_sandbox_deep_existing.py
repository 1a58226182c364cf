"""An instance stored before the bounds with a list nested 600 deep stays readable."""
import json

from engine.core import engine_of
import engine as runtime
from engine_support import deploy, district_id, user
from models import Instance


def deep(levels):
    value = []
    for _ in range(levels):
        value = [value]
    return value


def test_an_instance_with_data_nested_600_deep_does_not_fail_its_pages(app, db, login, api):
    deploy(app, "review_loop.bpmn")
    instance = runtime.start_instance(db, "t_review", user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    task = runtime.open_tasks(db, instance)[0]
    row = db.get(Instance, instance.id)
    state = json.loads(row.state_json)
    for t in state["tasks"].values():
        t["data"]["deep"] = deep(600)
    row.state_json = json.dumps(state)
    row.data = {**row.data, "deep": deep(600)}
    db.commit()
    browser = login("pr_expert_d1")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    got = {path: browser.get(path).status_code
           for path in (f"/instances/{instance.id}", f"/tasks/{task.id}", "/instances")}
    client = api("pr_expert_d1")
    got.update({path: client.get(path).status_code
                for path in (f"/api/v1/instances/{instance.id}", f"/api/v1/tasks/{task.id}")})
    auditor = login("auditor")
    got.update({path: auditor.get(path).status_code
                for path in (f"/audit/instances/{instance.id}/replay", f"/audit/instances/{instance.id}/dossier.json",
                             f"/instances/{instance.id}")})
    assert set(got.values()) <= {200, 302}, got
    # Its step is refused with a clear message, not a 500.
    answer = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {}})
    assert answer.status_code == 409 and "تودرتویی" in answer.get_json()["error"], answer.get_json()
