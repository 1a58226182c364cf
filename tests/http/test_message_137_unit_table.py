"""Issue 23: the unit a 137 referral is offered to comes from the decision table
message_137_unit (the message's category and district → a unit code) unless the operator chose
one at intake; a null row leaves it to the units answering the category. A process owner who
deploys a new version sends new messages to the new unit while a running one keeps the old."""
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD
from message_137_support import INTAKE, REFERRED
from models import Instance, clock
from path_support import deploy, drive, ready_task, start_on_page
from people.accounts import create_user, grant_role
from people.organisation import find_unit, save_unit
from test_routing_to_units import SERVICES_HEAD, TRAFFIC_HEAD, offered_only_to, traffic_head, unit_of  # noqa: F401

TABLE = (Path(__file__).resolve().parents[2] / "processes" / "decisions"
         / "message_137_unit.dmn").read_bytes()
TO_TRAFFIC = TABLE.replace(b'<outputEntry id="Unit_service_d1"><text>"d1-services"</text>',
                           b'<outputEntry id="Unit_service_d1"><text>"d1-traffic"</text>')
TO_NOBODY = TABLE.replace(b'<outputEntry id="Unit_service_d1"><text>"d1-services"</text>',
                          b'<outputEntry id="Unit_service_d1"><text>null</text>')
LIGHTING_HEAD = "lighting_head_d1"


@pytest.fixture
def lighting_unit(app):
    """A d1 unit that also answers service messages and sorts before d1-services, with a head:
    without the table a service message would go to it (the first unit answering the category)."""
    session = app.extensions["db_sessions"]()
    head = create_user(session, LIGHTING_HEAD, DEMO_PASSWORD, full_name="رئیس اداره روشنایی")
    unit = save_unit(session, {"code": "d1-a-lighting", "title_fa": "اداره روشنایی منطقه ۱",
                               "title_en": "Lighting, District 1", "parent_code": "d1-deputy",
                               "district_code": "d1", "head_username": LIGHTING_HEAD,
                               "categories": ["service"]})
    grant_role(session, head, "department_head", None, unit=find_unit(session, "d1-a-lighting"))
    session.commit()
    session.close()
    return unit


def decided_unit(app, instance_id: int) -> dict:
    session = app.extensions["db_sessions"]()
    try:
        return session.get(Instance, instance_id).data["decisions"]["message_137_unit"]
    finally:
        session.close()


def referred(login, app, category: str = "service", chosen: str = "") -> int:
    operator = login("intake_operator_d1")
    instance_id = start_on_page(operator, "citizen_message_137", "d1")
    drive(operator, instance_id, "Task_register_message",
          {**INTAKE, "category": category, "referred_unit": chosen})
    return instance_id


def test_a_message_of_a_category_the_table_maps_goes_to_the_tables_unit_not_the_first_answering_it(
        app, login, lighting_unit):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    instance_id = referred(login, app)
    reply = ready_task(app, instance_id, "Task_executive_reply")
    assert unit_of(app, reply.id) == "d1-services"
    offered_only_to(login, reply, SERVICES_HEAD, LIGHTING_HEAD)
    decided = decided_unit(app, instance_id)
    assert decided["matched_rules"] == ["Rule_service_d1"] and decided["output"] == {"rule_unit": "d1-services"}


def test_the_operators_choice_wins_over_the_table_and_a_null_row_leaves_it_to_the_categorys_units(
        app, login, api, lighting_unit):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)
    chosen = referred(login, app, chosen="d1-a-lighting")
    reply = ready_task(app, chosen, "Task_executive_reply")
    assert unit_of(app, reply.id) == "d1-a-lighting"
    offered_only_to(login, reply, LIGHTING_HEAD, SERVICES_HEAD)

    owner = api("process_owner")
    deployed = owner.client.post("/api/v1/decisions/deploy?file_name=message_137_unit.dmn", data=TO_NOBODY,
                                 headers={**owner.headers, "Content-Type": "application/xml"})
    assert deployed.status_code == 201
    unmapped = referred(login, app)  # service in d1 now falls to the table's null
    assert decided_unit(app, unmapped)["output"] == {"rule_unit": None}
    reply = ready_task(app, unmapped, "Task_executive_reply")
    assert unit_of(app, reply.id) == "d1-a-lighting"  # the first unit answering the category
    offered_only_to(login, reply, LIGHTING_HEAD, SERVICES_HEAD)


def test_a_new_table_version_sends_new_messages_to_the_new_unit_and_running_ones_keep_the_old(
        app, login, api, traffic_head):
    deploy(app, "citizen_message_137")
    clock.set_now(REFERRED)  # one moment throughout: the pin, not the clock, tells them apart
    operator, owner = login("intake_operator_d1"), api("process_owner")
    running = start_on_page(operator, "citizen_message_137", "d1")

    deployed = owner.client.post("/api/v1/decisions/deploy?file_name=message_137_unit.dmn", data=TO_TRAFFIC,
                                 headers={**owner.headers, "Content-Type": "application/xml"})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    tried = owner.post("/api/v1/decisions/message_137_unit/evaluate",
                       json={"inputs": {"category": "service", "district_code": "d1"}})
    assert tried.get_json()["output"] == {"rule_unit": "d1-traffic"}

    new = start_on_page(operator, "citizen_message_137", "d1")
    for instance_id in (running, new):
        drive(operator, instance_id, "Task_register_message", {**INTAKE, "referred_unit": ""})
    old_reply, new_reply = (ready_task(app, i, "Task_executive_reply") for i in (running, new))
    assert unit_of(app, old_reply.id) == "d1-services"  # the table it started with
    assert unit_of(app, new_reply.id) == "d1-traffic"
    offered_only_to(login, new_reply, TRAFFIC_HEAD, SERVICES_HEAD)
    offered_only_to(login, old_reply, SERVICES_HEAD, TRAFFIC_HEAD)
    assert decided_unit(app, running)["version"] == 1 and decided_unit(app, new)["version"] == 2
