"""Studio validation: each rule of the system names the right element, in words a process owner reads."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from modeling import studio

from modeling import rules as validation_rules
from modeling.studio import validate

ROOT = Path(__file__).resolve().parents[2]
STUDIO = ROOT / "tests" / "fixtures" / "studio"
VALID = (STUDIO / "valid.bpmn").read_text(encoding="utf-8")


def problems_of(name_or_xml):
    xml = (STUDIO / name_or_xml).read_bytes() if name_or_xml.endswith(".bpmn") else name_or_xml
    return [(p.kind, p.element_id) for p in validate(xml)]


def test_a_valid_diagram_has_no_problem():
    assert validate(VALID) == []


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_process_passes_the_studio_validation(path):
    assert [p.message for p in validate(path.read_bytes())] == []


@pytest.mark.parametrize("fixture, kind, element_id, words", [
    ("missing_form.bpmn", "form", "Task_register", 'Task "Register the request" has no form named no_such_form'),
    ("unknown_lane.bpmn", "lane", "Lane_expert", 'Lane "Somebody" names no role'),
    ("bad_timer.bpmn", "timer", "Timer_deadline", "'ten days' is not a valid ISO 8601 duration"),
    ("unreachable_task.bpmn", "unreachable", "Task_orphan", '"Forgotten step" cannot be reached'),
    ("sandbox_escape.bpmn", "sandbox", "Script_escape", 'The script of "Prepare the data" is refused by the sandbox'),
    ("missing_reference.bpmn", "reference", "Flow_2", 'refers to "Task_missing"'),
])
def test_each_rule_names_its_element(fixture, kind, element_id, words):
    problems = validate((STUDIO / fixture).read_bytes())
    assert [(p.kind, p.element_id) for p in problems] == [(kind, element_id)]
    assert words in problems[0].message and problems[0].line
    assert "Traceback" not in problems[0].message


def test_xml_that_is_not_well_formed_gives_its_line():
    [problem] = validate((STUDIO / "not_well_formed.bpmn").read_bytes())
    assert problem.kind == "xml" and problem.line == 22


def test_a_task_without_a_form_key_is_a_problem():
    xml = VALID.replace('<spiffworkflow:property name="formKey" value="complaint_register" />', "")
    assert problems_of(xml) == [("form", "Task_register")]


@pytest.mark.parametrize("expression", ['"P2D"', '"2026-12-01T08:00:00"', "add_working_days(now(), 3)",
                                        "reply_due_at"])
def test_timers_that_give_a_duration_or_a_moment_pass(expression):
    xml = (STUDIO / "bad_timer.bpmn").read_text(encoding="utf-8").replace('"ten days"', expression)
    assert problems_of(xml) == []


@pytest.mark.parametrize("expression, kind", [("add_working_days(now(), 1.5)", "timer"), ("10", "timer"),
                                              ("", "timer"), ("open('x')", "sandbox")])
def test_timers_that_cannot_work_are_problems(expression, kind):
    xml = (STUDIO / "bad_timer.bpmn").read_text(encoding="utf-8").replace('"ten days"', expression)
    assert problems_of(xml) == [(kind, "Timer_deadline")]


def test_a_boundary_event_of_a_reachable_task_and_an_event_sub_process_are_reachable():
    event_sub = """
    <bpmn:subProcess id="Sub_events" triggeredByEvent="true">
      <bpmn:startEvent id="Start_in_sub" isInterrupting="false"><bpmn:outgoing>Flow_s</bpmn:outgoing>
        <bpmn:timerEventDefinition id="Timer_s"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:endEvent id="End_in_sub"><bpmn:incoming>Flow_s</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="Flow_s" sourceRef="Start_in_sub" targetRef="End_in_sub" />
    </bpmn:subProcess>
  </bpmn:process>"""
    xml = (STUDIO / "bad_timer.bpmn").read_text(encoding="utf-8").replace('"ten days"', '"P1D"')
    assert problems_of(xml.replace("  </bpmn:process>", event_sub)) == []


def test_a_lane_named_in_persian_maps_to_its_role():
    assert problems_of(VALID.replace('name="pr_expert"', 'name="کارشناس روابط عمومی"')) == []


def test_a_reserved_id_and_a_spiffworkflow_refusal_are_named():
    assert ("bpmn", "End") in problems_of(VALID.replace('"EndEvent_1"', '"End"').replace(">EndEvent_1<", ">End<"))
    two_ways = VALID.replace('<bpmn:outgoing>Flow_2</bpmn:outgoing>',
                             '<bpmn:outgoing>Flow_2</bpmn:outgoing><bpmn:outgoing>Flow_x</bpmn:outgoing>').replace(
        "  </bpmn:process>", '<bpmn:sequenceFlow id="Flow_x" sourceRef="Task_register" targetRef="EndEvent_1" />\n  </bpmn:process>')
    assert problems_of(two_ways) == [("bpmn", "Task_register")]


def test_the_process_key_must_match():
    assert [p.kind for p in studio.key_problems(VALID, "another")] == ["process_key"]
    assert studio.key_problems(VALID, "studio_demo") == []


def test_every_message_of_the_studio_has_a_persian_translation():
    with open(ROOT / "app/translations/fa/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    wanted = (studio.TEMPLATES + studio.CODE_TERMS + validation_rules.TEMPLATES + validation_rules.TERMS)
    missing = [m for m in wanted if catalog.get(m) is None or not catalog.get(m).string]
    assert missing == []
