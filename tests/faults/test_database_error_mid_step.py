"""A database error in the middle of a step (a statement of the flush, or the COMMIT itself)
answers 500 and leaves everything exactly as before the step; without the fault the same
request then succeeds. Unexpected errors under /api are JSON like every other API error."""
import pytest
from sqlalchemy import select

import engine.runtime
from fault_support import check_invariants, failing_commit, failing_statements, statement_starts
from models import Event, HumanTask, Instance, Timer
from tests.http.http_support import EXAMINATION, REGISTER_SERVICE, Arrange

STATEMENT_FAULTS = ["INSERT INTO human_tasks", "UPDATE human_tasks", "INSERT INTO events",
                    "UPDATE instances", "INSERT INTO timers"]
START_FAULTS = ["INSERT INTO instances", "INSERT INTO events", "UPDATE instances",
                "INSERT INTO human_tasks"]


@pytest.fixture
def served(app, complaints):
    """The app answering as in production: an unexpected error becomes a 500 response."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def snapshot(app) -> dict:
    """Every row a step may touch."""
    def rows(s, model):
        return sorted(tuple(getattr(r, c.key) for c in model.__table__.columns)
                      for r in s.scalars(select(model)))
    with app.extensions["db_sessions"]() as s:
        return {m.__tablename__: rows(s, m) for m in (Instance, HumanTask, Event, Timer)}


def assert_json_500(response):
    assert response.status_code == 500, response.get_data(as_text=True)
    body = response.get_json()
    assert body is not None and set(body) == {"error", "details"}, response.get_data(as_text=True)
    assert isinstance(body["error"], str) and body["error"] and body["details"] == {}


def fault(app, kind):
    db_engine = app.extensions["db_engine"]
    return failing_commit(db_engine) if kind == "COMMIT" else \
        failing_statements(db_engine, statement_starts(kind))


@pytest.mark.parametrize("kind", STATEMENT_FAULTS + ["COMMIT"])
def test_a_database_error_while_completing_a_task_changes_nothing(served, api, kind):
    arrange = Arrange(served)
    instance_id = arrange.start("d1", "pr_expert_d1")
    task = arrange.only_open_task(instance_id)
    expert = api("pr_expert_d1")
    before = snapshot(served)
    row_version = arrange.instance(instance_id).row_version

    with fault(served, kind) as hits:
        response = expert.post(f"/api/v1/tasks/{task.id}/complete", json={"data": REGISTER_SERVICE})
    assert hits, f"the step never reached {kind}"
    assert_json_500(response)
    assert snapshot(served) == before
    assert arrange.instance(instance_id).row_version == row_version
    assert arrange.only_open_task(instance_id).id == task.id

    response = expert.post(f"/api/v1/tasks/{task.id}/complete", json={"data": REGISTER_SERVICE})
    assert response.status_code == 200, response.get_json()
    assert [t["task"] for t in response.get_json()["instance"]["open_tasks"]] == \
        ["Task_examine_service_complaint"]
    assert arrange.instance(instance_id).row_version > row_version
    with served.extensions["db_sessions"]() as s:
        check_invariants(s)


@pytest.mark.parametrize("kind", START_FAULTS + ["COMMIT"])
def test_a_database_error_while_starting_an_instance_leaves_no_half_instance(served, api, kind):
    arrange = Arrange(served)
    expert = api("pr_expert_d1")
    before = snapshot(served)

    with fault(served, kind) as hits:
        response = expert.post("/api/v1/processes/complaints/instances", json={"district": "d1"})
    assert hits, f"the step never reached {kind}"
    assert_json_500(response)
    assert snapshot(served) == before
    assert arrange.instance_count() == 0

    response = expert.post("/api/v1/processes/complaints/instances", json={"district": "d1"})
    assert response.status_code == 201, response.get_json()
    assert arrange.instance_count() == 1
    assert [t["task"] for t in response.get_json()["open_tasks"]] == ["Task_register_complaint"]
    with served.extensions["db_sessions"]() as s:
        check_invariants(s)


def test_a_database_error_while_a_page_completes_a_task_changes_nothing(served, login):
    arrange = Arrange(served)
    instance_id, task = arrange.registered_service_instance("d1")
    expert = login("pr_expert_d1")
    before = snapshot(served)

    with fault(served, "INSERT INTO human_tasks") as hits:
        response = expert.post(f"/tasks/{task.id}", data=EXAMINATION)
    assert hits
    assert response.status_code == 500
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert snapshot(served) == before

    response = expert.post(f"/tasks/{task.id}", data=EXAMINATION)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert arrange.only_open_task(instance_id).task_spec == "Task_review_answer"


def test_an_unexpected_error_under_api_is_a_json_500(served, api, monkeypatch):
    arrange = Arrange(served)
    task = arrange.only_open_task(arrange.start("d1", "pr_expert_d1"))

    def broken(*_args, **_kwargs):
        raise RuntimeError("not a database error, not an HTTP error")
    monkeypatch.setattr(engine, "complete_task", broken)
    response = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/complete",
                                        json={"data": REGISTER_SERVICE})
    assert_json_500(response)
    assert "not a database error" not in response.get_json()["error"]  # no internals leak
    assert arrange.only_open_task(task.instance_id).id == task.id
