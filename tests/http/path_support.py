"""Driving a process over HTTP, one task at a time, as staff and API clients do.

The path tests (test_paths_*.py) start an instance from the start page or the API, then for
each step find the instance's ready task by its BPMN id, check it is in the actor's inbox,
open its page, post its form and follow the redirect back to the instance. At each end they
check the instance page (status, the end event reached) and the quality records produced.

Rows are read back with fresh, short sessions (an open SQLite transaction would hold the
write lock that the requests need).
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engine.spiff.workflow_tasks import find_task
from engine.spiff.workflows import load_workflow
from models import District, Event, HumanTask, Instance, QualityRecord

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _session(app):
    return app.extensions["db_sessions"]()


def deploy(app, process_key: str) -> int:
    """Deploy processes/<key>.bpmn (as `flask processes deploy` would); its version id."""
    from modeling.deploy import deploy_process
    path = PROCESSES / f"{process_key}.bpmn"
    with _session(app) as s:
        version, _ = deploy_process(s, path.read_bytes(), filename=path.name)
        s.commit()
        return version.id


# ---------------------------------------------------------------- reading rows back

def ready_tasks(app, instance_id: int, bpmn_id: str | None = None) -> list[HumanTask]:
    """The instance's ready task rows (of one BPMN id), oldest first."""
    query = select(HumanTask).where(HumanTask.instance_id == instance_id,
                                    HumanTask.status == "ready")
    if bpmn_id:
        query = query.where(HumanTask.task_spec == bpmn_id)
    with _session(app) as s:
        rows = s.scalars(query.order_by(HumanTask.id)).all()
        s.expunge_all()
        return rows


def ready_task(app, instance_id: int, bpmn_id: str) -> HumanTask:
    """The one ready task of the instance with this BPMN id."""
    rows = ready_tasks(app, instance_id, bpmn_id)
    assert len(rows) == 1, (bpmn_id, [t.task_spec for t in ready_tasks(app, instance_id)])
    return rows[0]


def ready_specs(app, instance_id: int) -> list[str]:
    """BPMN ids of the instance's ready tasks, sorted."""
    return sorted(t.task_spec for t in ready_tasks(app, instance_id))


def task_row(app, task_id: int) -> HumanTask:
    with _session(app) as s:
        row = s.get(HumanTask, task_id)
        s.expunge_all()
        return row


def instance_row(app, instance_id: int) -> Instance:
    with _session(app) as s:
        row = s.get(Instance, instance_id)
        s.expunge_all()
        return row


def records_of(app, instance_id: int) -> list[str]:
    """Register codes of the quality records the instance produced, sorted (with repeats)."""
    with _session(app) as s:
        return sorted(s.scalars(select(QualityRecord.code)
                                .where(QualityRecord.instance_id == instance_id)).all())


def record_authors(app, instance_id: int) -> list[tuple[str, str, str]]:
    """(code, task BPMN id, username of the author) of each record, in the order made."""
    with _session(app) as s:
        rows = s.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id)
                         .order_by(QualityRecord.id)).all()
        out = []
        for r in rows:
            task = s.get(HumanTask, r.human_task_id)
            out.append((r.code, task.task_spec, task.completed_by.username))
        return out


def event_count(app, instance_id: int) -> int:
    with _session(app) as s:
        return s.scalar(select(func.count()).select_from(Event)
                        .where(Event.instance_id == instance_id))


def ready_task_data(app, task_id: int) -> dict:
    """The data of the workflow task behind a ready task row (what the engine gives it)."""
    with _session(app) as s:
        row = s.get(HumanTask, task_id)
        workflow = load_workflow(row.instance.state_json, row.instance.version)
        return dict(find_task(workflow, row.spiff_task_id).data)


def waiting_timers(app, instance_id: int) -> list[tuple[str, object]]:
    """(BPMN id, due_at) of the instance's waiting timers."""
    from models import Timer
    with _session(app) as s:
        return [(t.task_spec, t.due_at) for t in s.scalars(
            select(Timer).where(Timer.instance_id == instance_id, Timer.status == "waiting"))]


def fire_timers_when_due(app, instance_id: int) -> list[str]:
    """Let the scheduler's job run at the moment the instance's timers are due; the BPMN ids
    of the timers it fired."""
    from datetime import timedelta

    from engine.runtime.timers import fire_next_due_timers
    from models import Timer
    timers = waiting_timers(app, instance_id)
    assert timers, "no timer waits"
    with _session(app) as s:
        # Another instance's timer falling due as early (a complaint under review keeps its
        # deadline) is not this test's business.
        others = set(s.scalars(select(Timer.instance_id).where(
            Timer.status == "waiting", Timer.instance_id != instance_id)))
        assert fire_next_due_timers(s, now=max(due for _, due in timers) + timedelta(seconds=1),
                                    skip_instance_ids=others) == instance_id
        s.commit()
    return sorted(spec for spec, _ in timers)


def district_id(app, code: str) -> int:
    with _session(app) as s:
        return s.scalars(select(District.id).where(District.code == code)).one()


# ---------------------------------------------------------------- the web pages

def html_form(data: dict, prefix: str = "") -> MultiDict:
    """Task data as the task page's form posts it: list rows as `list[i].key`, checklists as
    repeated names, a ticked checkbox as "on" (an unticked one is not sent)."""
    fields = []
    for key, value in data.items():
        name = prefix + key
        if value is None or value is False:
            continue
        if value is True:
            fields.append((name, "on"))
        elif isinstance(value, dict):  # a group with a path: `group.key`
            fields.extend(html_form(value, f"{name}.").items(multi=True))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                fields.extend(html_form(row, f"{name}[{i}].").items(multi=True))
        elif isinstance(value, list):
            fields.extend((name, str(v)) for v in value)
        else:
            fields.append((name, str(value)))
    return MultiDict(fields)


def _app_of(client):
    return client.client.application


def page_text_of(browser, url: str) -> str:
    """A page's HTML (asserting 200) with entities decoded."""
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def start_on_page(browser, process_key: str, district: str, title: str = "") -> int:
    """Start an instance from the start page; its id."""
    page = browser.get("/processes").get_data(as_text=True)
    assert f'action="/processes/{process_key}/start"' in page
    response = browser.post(f"/processes/{process_key}/start",
                            data={"district": district_id(_app_of(browser), district), "title": title})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r".*/instances/(\d+)", response.headers["Location"]).group(1))


def drive(browser, instance_id: int, bpmn_id: str, data: dict, task_id: int | None = None) -> int:
    """Do the instance's ready task `bpmn_id` as this user, through the pages: the task is in
    the inbox, its page shows the form, the post completes it and lands on the instance (on
    the inbox, when the user may no longer see a confidential one).

    task_id picks one of several ready tasks with the same BPMN id (multi-instance)."""
    app = _app_of(browser)
    task = task_row(app, task_id) if task_id else ready_task(app, instance_id, bpmn_id)
    assert (task.instance_id, task.task_spec, task.status) == (instance_id, bpmn_id, "ready")
    inbox = browser.get("/").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in inbox, f"{bpmn_id} is not in {browser.username}'s inbox"
    page = browser.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and 'data-testid="task-form"' in page.get_data(as_text=True)
    done = browser.post(f"/tasks/{task.id}", data=html_form(data))
    assert done.status_code == 302, (bpmn_id, done.status_code, done.get_data(as_text=True)[-3000:])
    if instance_row(app, instance_id).confidential and done.headers["Location"] == "/":
        # A complaint about staff: whoever no longer sees the case lands on the inbox.
        assert browser.get(f"/instances/{instance_id}").status_code == 403
    else:
        assert done.headers["Location"].endswith(f"/instances/{instance_id}")
    row = task_row(app, task.id)
    assert row.status == "completed" and row.completed_by.username == browser.username
    return task.id


def refused(client, task_id: int, data: dict | None = None) -> None:
    """This user (a Browser or an Api client) can neither open nor complete the ready task,
    even posting valid data; the refused post changes nothing: no event, no record, no claim,
    the task still ready."""
    app = _app_of(client)
    task = task_row(app, task_id)
    before = (event_count(app, task.instance_id), records_of(app, task.instance_id))
    if client.__class__.__name__ == "Api":
        seen = client.get(f"/api/v1/tasks/{task_id}")
        posted = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data or {}})
    else:
        seen = client.get(f"/tasks/{task_id}")
        posted = client.post(f"/tasks/{task_id}", data=html_form(data or {}))
    assert seen.status_code in (403, 404), seen.status_code
    assert 'data-testid="task-form"' not in seen.get_data(as_text=True)
    assert posted.status_code in (403, 404), posted.status_code
    after = task_row(app, task_id)
    assert (after.status, after.completed_by_id, after.assignee_id) == ("ready", None, None)
    assert (event_count(app, task.instance_id), records_of(app, task.instance_id)) == before


def finished(browser, instance_id: int) -> dict[str, int]:
    """Check the instance page says completed with nothing open; the BPMN elements completed
    (as the page marks them on the diagram), by id, with counts."""
    page = browser.get(f"/instances/{instance_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-status="completed"' in body
    assert 'data-testid="open-tasks"' not in body
    done = re.search(r"data-done='([^']*)'", body).group(1)
    row = instance_row(_app_of(browser), instance_id)
    assert row.status == "completed" and row.completed_at is not None
    assert ready_tasks(_app_of(browser), instance_id) == []
    return json.loads(html.unescape(done))


def end_events(done: dict[str, int]) -> dict[str, int]:
    return {k: n for k, n in done.items() if k.startswith("EndEvent_")}


# ---------------------------------------------------------------- the JSON API

def start_api(api, process_key: str, district: str) -> dict:
    response = api.post(f"/api/v1/processes/{process_key}/instances", json={"district": district})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def drive_api(api, instance_id: int, bpmn_id: str, data: dict) -> dict:
    """Do the instance's ready task `bpmn_id` through the API: found among the instance's open
    tasks, listed in the caller's tasks, read with its form, completed. The answer's JSON."""
    instance = api.get(f"/api/v1/instances/{instance_id}").get_json()
    mine = [t for t in instance["open_tasks"] if t["task"] == bpmn_id]
    assert len(mine) == 1, (bpmn_id, [t["task"] for t in instance["open_tasks"]])
    task_id = mine[0]["id"]
    listed = api.get(f"/api/v1/tasks?process={instance['process']}").get_json()["tasks"]
    assert task_id in [t["id"] for t in listed]
    read = api.get(f"/api/v1/tasks/{task_id}")
    assert read.status_code == 200 and read.get_json()["form"]["id"] == mine[0]["form_key"]
    done = api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["task"]["status"] == "completed" and body["task"]["task"] == bpmn_id
    return body


def finished_api(api, instance_id: int) -> dict:
    """The instance as the API shows it, completed with nothing open and the completion last
    in its events."""
    body = api.get(f"/api/v1/instances/{instance_id}").get_json()
    assert body["status"] == "completed" and body["open_tasks"] == [] and body["completed_at"]
    events = api.get(f"/api/v1/instances/{instance_id}/events").get_json()["events"]
    assert events[-1]["type"] == "instance_completed"
    return body
