"""The auditor sees every instance, task and record of the city and changes nothing: every
write route outside the audit pages answers 403, 404 or a redirect and leaves the rows as they
were; the JSON API refuses the auditor's writes with 403."""
import re

import pytest
from sqlalchemy import func, select

from http_support import REGISTER_SERVICE
from models import Event, HumanTask, Instance, QualityRecord
from models.audit import LegalHoldChange

# The citizens' side and the API authenticate otherwise; the audit blueprint's own actions
# (legal holds, digest checks) are the auditor's to use and are tested with their pages.
NOT_STAFF = ("auth.", "public.", "portal.", "open311.", "api.", "static", "audit.")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def city(arrange):
    """Two instances per district: one waiting for registration, one for examination."""
    made = {}
    for district in ("d1", "d2"):
        fresh = arrange.start(district, f"pr_expert_{district}")
        registered, examination = arrange.registered_service_instance(district)
        made[district] = {"instances": [fresh, registered],
                          "open_tasks": [arrange.only_open_task(fresh).id, examination.id]}
    return made


def snapshot(app) -> dict:
    """What a write would change: row counts and the state of every task and instance."""
    with app.extensions["db_sessions"]() as s:
        return {
            "counts": [s.scalar(select(func.count()).select_from(model))
                       for model in (Instance, Event, HumanTask, QualityRecord)],
            "tasks": s.execute(select(HumanTask.id, HumanTask.status, HumanTask.assignee_id)
                               .order_by(HumanTask.id)).all(),
            "instances": s.execute(select(Instance.id, Instance.status, Instance.row_version)
                                   .order_by(Instance.id)).all(),
        }


def test_the_auditor_sees_instances_tasks_and_records_of_every_district(app, login, city):
    browser = login("auditor")
    for district in ("d1", "d2"):
        for instance_id in city[district]["instances"]:
            page = browser.get(f"/instances/{instance_id}")
            assert page.status_code == 200, (district, instance_id)
    listing = browser.get("/instances").get_data(as_text=True)
    for district in ("d1", "d2"):
        for instance_id in city[district]["instances"]:
            assert f"/instances/{instance_id}" in listing
    with app.extensions["db_sessions"]() as s:
        records = s.scalars(select(QualityRecord.id)).all()
        done = s.scalars(select(HumanTask.id).where(HumanTask.status == "completed")).all()
    assert len(records) == 2
    for record_id in records:
        assert browser.get(f"/records/{record_id}").status_code == 200
    for task_id in done:
        assert browser.get(f"/tasks/{task_id}").status_code == 200


# POSTs that only compute an answer (a diagram's or a form's problems, a preview): auditors
# may use them; the snapshot below still proves nothing was written. A decision table's
# validation and its "try it" box (issue 23) only compute too.
READ_ONLY_POSTS = {"studio.validate", "forms.validate", "forms.preview_schema", "studio.dmn_validate",
                   "studio.dmn_evaluate"}


def _urls(rule, ids) -> list[str]:
    """The rule's URL once per candidate id (an open task of each district, an instance...)."""
    if "<int:" not in rule.rule:
        return [re.sub(r"<(?:\w+:)?\w+>", "complaints", rule.rule)]
    return [re.sub(r"<(?:\w+:)?\w+>", lambda m: str(value) if m.group(0).startswith("<int:")
                   else "complaints", rule.rule) for value in ids]


def test_every_write_route_refuses_the_auditor_and_writes_nothing(app, login, city, arrange):
    ids = sorted({*city["d1"]["open_tasks"], *city["d2"]["open_tasks"],
                  *city["d1"]["instances"], *city["d2"]["instances"], 1})
    form = {**REGISTER_SERVICE, "district": arrange.district_id("d1"), "title": "x",
            "username": "pr_expert_d1", "month": "1405/08", "day": "1405/09/10", "kind": "holiday",
            "name": "client", "note": "x"}
    browser = login("auditor")
    before, checked = snapshot(app), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_STAFF) or rule.endpoint in READ_ONLY_POSTS:
            continue
        for method in sorted(rule.methods & WRITES):
            for url in _urls(rule, ids):
                response = browser.client.open(url, method=method, data=form)
                assert response.status_code in (301, 302, 303, 403, 404), (method, url, response.status_code)
                checked.add(rule.endpoint)
    assert snapshot(app) == before
    assert checked >= {"inbox.task", "inbox.claim", "inbox.unclaim", "inbox.reassign",
                       "instances.start", "reports.generate", "calendar_admin.add_entry",
                       "calendar_admin.remove_entry", "api_keys.create", "api_keys.revoke"}


def test_the_auditor_may_use_the_audit_actions(app, login, city):
    with app.extensions["db_sessions"]() as s:
        record_id = s.scalars(select(QualityRecord.id)).first()
    response = login("auditor").post(f"/audit/records/{record_id}/hold", data={"reason": "بازرسی"})
    assert response.status_code == 303
    with app.extensions["db_sessions"]() as s:
        assert s.get(QualityRecord, record_id).legal_hold is True
        assert s.scalar(select(func.count()).select_from(LegalHoldChange)) == 1


def test_the_api_refuses_the_auditors_writes_with_403(app, api, city):
    client = api("auditor")
    before = snapshot(app)
    assert client.post("/api/v1/processes/complaints/instances", json={"district": "d1"}).status_code == 403
    assert client.post("/api/v1/processes/complaints/instances", json={"district": "d2"}).status_code == 403
    for district in ("d1", "d2"):
        instance_id = city[district]["instances"][0]
        assert client.get(f"/api/v1/instances/{instance_id}").status_code == 200
        response = client.post(f"/api/v1/instances/{instance_id}/messages", json={"name": "x"})
        assert response.status_code == 403
        for task_id in city[district]["open_tasks"]:
            for action, body in (("claim", {}), ("unclaim", {}), ("reassign", {"username": "pr_expert_d1"}),
                                 ("complete", {"data": REGISTER_SERVICE})):
                response = client.post(f"/api/v1/tasks/{task_id}/{action}", json=body)
                assert response.status_code == 403, (action, task_id, response.get_json())
    assert snapshot(app) == before
