"""Routing by data: a user task's candidateUnit sends it to the responsible unit, whose members
and head alone are offered it; a department head of another unit neither sees it in the inbox
nor may open or complete it. The 137 referral (the unit the operator chose, else the category's
unit), a mayor's order (the unit it names), a survey's corrective action and a poll's report
(the unit concerned)."""
import html
import re

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from message_137_support import INTAKE, REFERRED
from models import HumanTask, Unit, clock
from path_support import deploy, drive, page_text_of, ready_task, start_on_page
from people.accounts import create_user, grant_role
from people.organisation import find_unit
from test_paths_public_meetings import APPLICANT, OFFICE_LIST, REQUEST, schedule

SERVICES_HEAD, TRAFFIC_HEAD = "department_head_d1", "traffic_head_d1"


@pytest.fixture
def traffic_head(app):
    """A department head who is a member of d1's traffic unit (the demo head is of services)."""
    session = app.extensions["db_sessions"]()
    user = create_user(session, TRAFFIC_HEAD, DEMO_PASSWORD, full_name="رئیس اداره ترافیک")
    grant_role(session, user, "department_head", None, unit=find_unit(session, "d1-traffic"))
    session.commit()
    session.close()


def unit_of(app, task_id: int) -> str | None:
    session = app.extensions["db_sessions"]()
    try:
        unit_id = session.get(HumanTask, task_id).unit_id
        return session.get(Unit, unit_id).code if unit_id else None
    finally:
        session.close()


def offered_only_to(login, task, member: str, other: str) -> None:
    """The member finds the task in the inbox and may open it; the other head neither."""
    assert f'href="/tasks/{task.id}"' in page_text_of(login(member), "/")
    assert f'href="/tasks/{task.id}"' not in page_text_of(login(other), "/")
    assert login(other).get(f"/tasks/{task.id}").status_code == 403
    assert login(other).post(f"/tasks/{task.id}", data={}).status_code == 403


@pytest.mark.parametrize("chosen, category, unit", [
    ("d1-traffic", "service", "d1-traffic"),   # the operator's choice wins over the category
    ("", "service", "d1-services"),            # no choice: the unit answering the category
])
def test_a_137_message_goes_to_the_unit_the_operator_chose_else_the_categorys(
        app, login, traffic_head, chosen, category, unit):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    intake = ready_task(app, instance_id, "Task_register_message")
    page = page_text_of(operator, f"/tasks/{intake.id}")
    assert 'value="d1-traffic"' in page  # the district's units are offered
    drive(operator, instance_id, "Task_register_message",
          {**INTAKE, "category": category, "referred_unit": chosen})
    reply = ready_task(app, instance_id, "Task_executive_reply")
    assert unit_of(app, reply.id) == unit
    member, other = (TRAFFIC_HEAD, SERVICES_HEAD) if unit == "d1-traffic" else (SERVICES_HEAD, TRAFFIC_HEAD)
    offered_only_to(login, reply, member, other)
    drive(login(member), instance_id, "Task_executive_reply", {"reply_text": "انجام شد."})


def test_a_mayors_order_goes_to_the_unit_it_names_and_a_nameless_unit_to_the_district(
        app, login, traffic_head):
    deploy(app, "public_meetings")
    office_head = login("mayor_office_head_d1")
    instance_id = start_on_page(office_head, "public_meetings", "d1")
    drive(office_head, instance_id, "Task_register_request", REQUEST)
    drive(office_head, instance_id, "Task_register_applicant", APPLICANT)
    drive(office_head, instance_id, "Task_schedule_meeting", schedule("office"))
    rows = [{**OFFICE_LIST["requests"][0], "unit": "اداره حمل‌ونقل و ترافیک"},
            {**OFFICE_LIST["requests"][1], "unit": "اداره برق و روشنایی"}]  # no such unit
    drive(office_head, instance_id, "Task_office_meeting_list", {**OFFICE_LIST, "requests": rows})

    session = app.extensions["db_sessions"]()
    orders = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.task_spec == "Task_order_followup")
        .order_by(HumanTask.id)).all()
    session.close()
    assert [unit_of(app, t.id) for t in orders] == ["d1-traffic", None]
    offered_only_to(login, orders[0], TRAFFIC_HEAD, SERVICES_HEAD)
    # the order naming no unit of the district stays with the district's department heads
    assert f'href="/tasks/{orders[1].id}"' in page_text_of(login(SERVICES_HEAD), "/")


def test_a_unit_with_nobody_to_take_the_task_leaves_it_to_the_role_in_the_district(app, login):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    # d1-traffic has no head and, without the traffic_head fixture, no member
    drive(operator, instance_id, "Task_register_message",
          {**INTAKE, "category": "technical", "referred_unit": "d1-traffic"})
    reply = ready_task(app, instance_id, "Task_executive_reply")
    assert unit_of(app, reply.id) is None
    assert f'href="/tasks/{reply.id}"' in page_text_of(login(SERVICES_HEAD), "/")


def test_the_reassign_picker_offers_the_units_members_only_and_logs_the_reason(
        app, login, traffic_head):
    from models import Event
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, instance_id, "Task_register_message", {**INTAKE, "referred_unit": "d1-services"})
    session = app.extensions["db_sessions"]()
    colleague = create_user(session, "services_clerk_d1", DEMO_PASSWORD, full_name="کارمند خدمات")
    grant_role(session, colleague, "department_head", None, unit=find_unit(session, "d1-services"))
    session.commit()
    session.close()
    reply = ready_task(app, instance_id, "Task_executive_reply")
    head = login(SERVICES_HEAD)
    picker = page_text_of(head, f"/tasks/{reply.id}")
    assert 'value="services_clerk_d1"' in picker and f'value="{TRAFFIC_HEAD}"' not in picker

    refused = head.post(f"/tasks/{reply.id}/reassign", data={"username": "services_clerk_d1"})
    assert refused.status_code == 303
    assert "بنویسید چرا این کار را به همکار می‌سپارید." in page_text_of(head, f"/tasks/{reply.id}")
    assert head.post(f"/tasks/{reply.id}/reassign",
                     data={"username": TRAFFIC_HEAD, "reassign_reason": "بار کاری"}).status_code == 303
    assert ready_task(app, instance_id, "Task_executive_reply").assignee_id is None  # refused

    head.post(f"/tasks/{reply.id}/reassign", data={"username": "services_clerk_d1", "reassign_reason": "مرخصی"})
    session = app.extensions["db_sessions"]()
    event = session.scalars(select(Event).where(Event.instance_id == instance_id,
                                                Event.type == "task_reassigned")).one()
    assert event.data == {"to": "services_clerk_d1", "reason": "مرخصی"}
    session.close()
    assert "مرخصی" in page_text_of(head, f"/instances/{instance_id}")


def test_the_dashboard_counts_open_work_per_unit_and_drills_down_to_its_cases(app, login, traffic_head):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    operator = login("intake_operator_d1")
    routed = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, routed, "Task_register_message", {**INTAKE, "referred_unit": "d1-traffic"})
    other = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, other, "Task_register_message", {**INTAKE, "referred_unit": "d1-services"})
    page = page_text_of(login("central_pr"), "/dashboard")
    table = page[page.index('data-testid="open-by-unit"'):]
    table = table[:table.index("</table>")]
    assert "اداره حمل‌ونقل و ترافیک" in table and "اداره خدمات شهری" in table
    link = re.search(r'href="(/instances\?[^"]*unit=d1-traffic[^"]*)"', table).group(1)
    listed = page_text_of(login("central_pr"), html.unescape(link))
    assert f'href="/instances/{routed}"' in listed and f'href="/instances/{other}"' not in listed
    assert login("central_pr").get("/instances?unit=nope").status_code == 400
