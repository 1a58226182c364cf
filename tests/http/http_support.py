"""Shared pieces of the HTTP tests: valid form data for each complaint task, page helpers,
and Arrange, which sets up instances through the engine (fast) and reads rows back with
fresh sessions so that assertions see what the requests committed."""
import html
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

import engine as runtime
from models import District, Event, HumanTask, Instance, User, utcnow

PROCESSES = Path(__file__).resolve().parents[2] / "processes"

REGISTER_SERVICE = {
    "complainant_name": "مریم احمدی", "phone": "09123456789", "channel": "phone",
    "subject": "چاله در خیابان", "complaint_type": "service",
    "description": "چاله‌ای بزرگ جلوی پلاک ۱۲ مانده است.", "address": "خیابان بهار",
}
REGISTER_EMPLOYEE = {**REGISTER_SERVICE, "complaint_type": "employee",
                     "subject": "برخورد نامناسب کارمند"}
EXAMINATION = {"findings": "بازدید میدانی انجام شد.", "justified": "yes",
               "answer_text": "چاله تا پایان هفته ترمیم می‌شود."}
REVIEW_APPROVE = {"decision": "approve"}
REVIEW_RETURN = {"decision": "return", "reason": "پاسخ دقیق‌تر لازم است."}
ANNOUNCEMENT = {"announcement_channel": "letter", "announced_on": "2024-05-01",
                "letter_number": "۱۲۳/ش"}

# A one-task process whose lane is the city-wide role central_pr (no form needed).
CENTRAL_PR_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="Definitions_oversight" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_oversight">
    <bpmn:participant id="Participant_oversight" processRef="oversight" />
  </bpmn:collaboration>
  <bpmn:process id="oversight" name="Oversight" isExecutable="true">
    <bpmn:laneSet id="LaneSet_oversight">
      <bpmn:lane id="Lane_central" name="central_pr">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_check" name="Central check">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_check" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_check" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


def page_text(response) -> str:
    """The page's HTML with entities decoded (names like O'Neil come back as written)."""
    return html.unescape(response.get_data(as_text=True))


def alerts(response) -> list[str]:
    """The texts of the page's alert boxes (flash messages and error pages)."""
    return [html.unescape(m).strip() for m in
            re.findall(r'<div class="alert[^"]*"[^>]*role="alert"[^>]*>(.*?)</div>',
                       response.get_data(as_text=True), re.S)]


class Arrange:
    """Set up and inspect the database directly, one short session per call."""

    def __init__(self, app):
        self.app = app

    def _session(self):
        return self.app.extensions["db_sessions"]()

    def district_id(self, code: str) -> int:
        with self._session() as s:
            return s.scalars(select(District.id).where(District.code == code)).one()

    def user_id(self, username: str) -> int:
        with self._session() as s:
            return s.scalars(select(User.id).where(User.username == username)).one()

    def display_name(self, username: str) -> str:
        with self._session() as s:
            return s.scalars(select(User).where(User.username == username)).one().display_name

    def deploy(self, path: Path):
        """Deploy a BPMN file (as `flask processes deploy` would); return (version id, created)."""
        from modeling.deploy import deploy_process
        with self._session() as s:
            version, created = deploy_process(s, path.read_bytes(), filename=path.name)
            s.commit()
            return version.id, created

    def start(self, district="d1", username="pr_expert_d1", process="complaints", title="") -> int:
        district_id = self.district_id(district)  # (each session holds SQLite's write lock)
        with self._session() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            instance = runtime.start_instance(s, process, user, district_id, title=title)
            s.commit()
            return instance.id

    def complete(self, task_id: int, username: str, data: dict) -> None:
        with self._session() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            runtime.complete_task(s, task_id, user, data)
            s.commit()

    def open_tasks(self, instance_id: int) -> list[HumanTask]:
        with self._session() as s:
            rows = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                     HumanTask.status == "ready")
                             .order_by(HumanTask.id)).all()
            s.expunge_all()
            return rows

    def only_open_task(self, instance_id: int) -> HumanTask:
        tasks = self.open_tasks(instance_id)
        assert len(tasks) == 1, [(t.task_spec, t.role) for t in tasks]
        return tasks[0]

    def task(self, task_id: int) -> HumanTask:
        with self._session() as s:
            row = s.get(HumanTask, task_id)
            s.expunge_all()
            return row

    def instance(self, instance_id: int) -> Instance:
        with self._session() as s:
            row = s.get(Instance, instance_id)
            s.expunge_all()
            return row

    def instance_count(self) -> int:
        with self._session() as s:
            return s.scalar(select(func.count()).select_from(Instance))

    def event_count(self, instance_id: int) -> int:
        with self._session() as s:
            return s.scalar(select(func.count()).select_from(Event)
                            .where(Event.instance_id == instance_id))

    def events(self, instance_id: int) -> list[tuple[str, str | None, str | None]]:
        """(type, task_spec, actor username) of each event, in order."""
        with self._session() as s:
            rows = s.scalars(select(Event).where(Event.instance_id == instance_id)
                             .order_by(Event.seq)).all()
            return [(e.type, e.task_spec, e.actor.username if e.actor else None) for e in rows]

    def set_due(self, task_id: int, hours_from_now: float | None) -> None:
        with self._session() as s:
            row = s.get(HumanTask, task_id)
            row.due_at = None if hours_from_now is None else utcnow() + timedelta(hours=hours_from_now)
            s.commit()

    def set_active(self, username: str, active: bool) -> None:
        with self._session() as s:
            s.scalars(select(User).where(User.username == username)).one().is_active = active
            s.commit()

    def create_user(self, username: str, role: str, district: str | None, full_name: str = "") -> None:
        """A user with one role in a district (None: city-wide), password DEMO_PASSWORD."""
        from app.demo import DEMO_PASSWORD
        from people.accounts import create_user, find_district, grant_role
        with self._session() as s:
            user = create_user(s, username, DEMO_PASSWORD, full_name=full_name)
            grant_role(s, user, role, find_district(s, district) if district else None)
            s.commit()

    def grant(self, username: str, role: str, district: str | None) -> None:
        from people.accounts import find_district, find_user, grant_role
        with self._session() as s:
            grant_role(s, find_user(s, username), role, find_district(s, district) if district else None)
            s.commit()

    def registered_service_instance(self, district="d1") -> tuple[int, HumanTask]:
        """An instance past registration (service branch): its examination task is open."""
        instance_id = self.start(district, f"pr_expert_{district}")
        register = self.only_open_task(instance_id)
        self.complete(register.id, f"pr_expert_{district}", REGISTER_SERVICE)
        return instance_id, self.only_open_task(instance_id)


def translated(app, message: str, locale: str = "fa", **params) -> str:
    """A message as the app shows it in that locale (the English text until translated)."""
    from flask_babel import force_locale, gettext
    with app.test_request_context("/"), force_locale(locale):
        return gettext(message, **params)


def location_path(response) -> str:
    """The path (and query) a redirect points to, asserting it stays on this site."""
    from urllib.parse import urlsplit
    target = urlsplit(response.headers["Location"])
    assert target.netloc in ("", "localhost"), response.headers["Location"]
    return target.path + (f"?{target.query}" if target.query else "")


def task_links(response) -> list[int]:
    """Ids of the tasks linked from a page, in page order."""
    return [int(i) for i in re.findall(r'href="/tasks/(\d+)"', response.get_data(as_text=True))]


def table_rows(response, testid: str) -> list[list[str]]:
    """The body rows of the table marked data-testid=testid, as lists of cell texts."""
    body = response.get_data(as_text=True)
    match = re.search(r'<table[^>]*data-testid="%s"[^>]*>.*?<tbody>(.*?)</tbody>' % testid, body, re.S)
    assert match, f"no table {testid!r} on the page"
    rows = []
    for row in re.findall(r"<tr(?:\s[^>]*)?>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows
