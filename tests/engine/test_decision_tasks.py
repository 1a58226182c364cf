"""A businessRuleTask calls a deployed decision table: the outputs land in the case data with the
matched rule (the history and the replay see it); a missing input, a wrong type or an ambiguous
UNIQUE table makes an incident with a clear message; an instance keeps the table version it
started with, and a diagram may pin one.

Fixtures: tests/fixtures/decision_task.bpmn (Task_enter -> Rule_deadline calling t_deadline ->
Task_review) and tests/fixtures/decisions/t_deadline.dmn (UNIQUE over category and urgent).
"""
from pathlib import Path

import pytest

import engine as runtime
from engine_support import deploy, district_id, ready_specs, ready_task, reload_instance, user
from modeling.decisions import deploy_decisions
from models import clock

TABLE = (Path(__file__).resolve().parents[1] / "fixtures" / "decisions" / "t_deadline.dmn").read_bytes()


def deploy_table(app, xml: bytes = TABLE):
    session = app.extensions["db_sessions"]()
    try:
        version = deploy_decisions(session, xml, None, file_name="t_deadline.dmn")
        session.commit()
        return version.version
    finally:
        session.close()


@pytest.fixture
def process(app):
    deploy_table(app)
    return deploy(app, "decision_task.bpmn")


def start(db, **data):
    instance = runtime.start_instance(db, "t_decision", user(db, "pr_expert_d1"), district_id(db, "d1"), data)
    db.commit()
    return instance


def enter(db, instance):
    task = ready_task(db, instance.id, "Task_enter")
    runtime.complete_task(db, task.id, user(db, "pr_expert_d1"), {})
    db.commit()
    return reload_instance(db, instance.id)


def test_the_decision_lands_in_the_case_data_with_the_matched_rule(db, process):
    instance = enter(db, start(db, category="service", urgent=True))
    assert instance.status == "running", instance.error_message
    assert ready_specs(db, instance.id) == ["Task_review"]
    assert (instance.data["deadline_hours"], instance.data["unit"]) == (12, "services")
    assert instance.data["decisions"]["t_deadline"] == {
        "version": 1, "matched_rules": ["Rule_service_urgent"], "matched_indexes": [1],
        "output": {"deadline_hours": 12, "unit": "services"}}
    replay = runtime.verify_instance(db, instance.id)
    assert replay.matches, replay.reason


def test_a_missing_input_makes_an_incident_with_a_clear_message(db, process):
    instance = enter(db, start(db, category="service"))
    assert instance.status == "error" and instance.failed_element == "Rule_deadline"
    assert 'needs the input urgent ("Urgent"), which the data lacks' in instance.error_message


def test_an_input_of_the_wrong_type_makes_an_incident_naming_the_type(db, process):
    instance = enter(db, start(db, category="service", urgent="yes"))
    assert instance.status == "error"
    assert 'the input urgent ("Urgent") must be a boolean' in instance.error_message


def test_two_matching_rules_of_a_unique_table_make_an_incident(db, process):
    instance = enter(db, start(db, category="civil", urgent=False))
    assert instance.status == "error" and "is UNIQUE but rules 3, 4 all match" in instance.error_message


def test_no_matching_rule_makes_an_incident_and_a_retry_after_a_fix_goes_on(db, process):
    instance = enter(db, start(db, category="parks", urgent=False))
    assert instance.status == "error" and "no rule matches the inputs" in instance.error_message
    owner = user(db, "process_owner")
    runtime.set_instance_data(db, instance, owner, {**instance.data, "category": "technical"},
                              "the category was mistyped")
    runtime.retry_instance(db, reload_instance(db, instance.id), owner, "fixed")
    db.commit()
    instance = reload_instance(db, instance.id)
    assert instance.status == "running" and instance.data["deadline_hours"] == 48


def test_a_running_instance_keeps_the_version_it_started_with(app, db, process):
    running = start(db, category="service", urgent=False)
    clock.set_now(clock.now())  # the same moment for both: the pin, not the time, decides
    assert deploy_table(app, TABLE.replace(b"<text>24</text>", b"<text>36</text>")) == 2
    newer = start(db, category="service", urgent=False)
    running, newer = enter(db, running), enter(db, newer)
    assert (running.data["deadline_hours"], running.data["decisions"]["t_deadline"]["version"]) == (24, 1)
    assert (newer.data["deadline_hours"], newer.data["decisions"]["t_deadline"]["version"]) == (36, 2)
    replay = runtime.verify_instance(db, running.id)
    assert replay.matches, replay.reason


def test_a_diagram_may_pin_a_decision_version(app, db):
    deploy_table(app)
    deploy_table(app, TABLE.replace(b"<text>24</text>", b"<text>36</text>"))
    session = app.extensions["db_sessions"]()
    from modeling.deploy import deploy_process
    pinned = (Path(__file__).resolve().parents[1] / "fixtures" / "decision_task.bpmn").read_bytes().replace(
        b"<spiffworkflow:calledDecisionId>t_deadline</spiffworkflow:calledDecisionId>",
        b"<spiffworkflow:calledDecisionId>t_deadline</spiffworkflow:calledDecisionId>"
        b'<spiffworkflow:properties><spiffworkflow:property name="decisionVersion" value="1" />'
        b"</spiffworkflow:properties>")
    deploy_process(session, pinned, filename="decision_task.bpmn")
    session.commit()
    session.close()
    instance = enter(db, start(db, category="service", urgent=False))
    assert (instance.data["deadline_hours"], instance.data["decisions"]["t_deadline"]["version"]) == (24, 1)


def test_a_diagram_calling_a_decision_that_is_not_deployed_is_refused_on_its_task(db):
    from modeling.validation import check_diagram
    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "decision_task.bpmn").read_bytes()
    missing = xml.replace(b">t_deadline<", b">no_such_decision<")
    [problem] = [p for p in check_diagram(db, missing, "t_decision") if p.kind != "form"]
    assert (problem.element_id, problem.kind) == ("Rule_deadline", "reference")
    assert problem.message == ('Business rule task "Decide the deadline" calls the decision '
                               "no_such_decision, which is not deployed")
    unnamed = xml.replace(b"<spiffworkflow:calledDecisionId>t_deadline</spiffworkflow:calledDecisionId>", b"")
    assert [p.template for p in check_diagram(db, unnamed, "t_decision") if p.kind != "form"] == [
        'Business rule task "{name}" names no decision; set its calledDecisionId']


def test_a_shipped_table_a_diagram_calls_is_deployed_with_it(app, db):
    from models import DecisionVersion
    from sqlalchemy import select
    deploy(app, "../../processes/complaints.bpmn")
    assert db.scalars(select(DecisionVersion.decision_key)).all() == ["complaint_routing"]
