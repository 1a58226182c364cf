"""The one validation (modeling.validation.check_diagram) says every problem of a diagram at
once, each on its element, in English and Persian; a refused timer hides no later engine problem."""
import pytest

from diagram_problems_support import SNIPPETS, VALID, diagram
from modeling.validation import check_diagram, validate


@pytest.mark.parametrize("names, bad_form", [
    (("bare P1D", 'quoted "P1X"', "empty timer"), False),
    (("unknown role lane", "hostile script", "unreachable element"), True),
    (("empty timer", "parse error"), False),
    (("bare P1D", "parse error"), False),
    (tuple(SNIPPETS), True),
], ids=["three timers", "roles forms sandbox reachability", "engine goes on past an empty timer",
        "engine after a bare duration", "everything at once"])
def test_every_problem_is_reported_on_its_element(names, bad_form):
    xml, expected = diagram(*names, bad_form=bad_form)
    problems = check_diagram(None, xml)
    assert {(p.kind, p.element_id) for p in problems} == expected
    assert len(problems) == len(expected)  # none said twice (an empty timer by rules and engine)


def test_each_snippet_alone_is_exactly_its_problem():
    for name, (_process, _lanes, expected) in SNIPPETS.items():
        xml, _ = diagram(name)
        assert {(p.kind, p.element_id) for p in validate(xml)} == expected, name


def test_a_bare_duration_is_a_timer_problem_not_a_script_refusal():
    [problem] = check_diagram(None, diagram("bare P1D")[0])
    assert problem.kind == "timer" and "P1D is not in quotes" in problem.message
    assert "sandbox" not in problem.message


def test_the_engine_problem_after_a_refused_timer_is_pinned_on_the_call_activity():
    problems = check_diagram(None, diagram("empty timer", "parse error")[0])
    [engine] = [p for p in problems if p.kind == "bpmn"]
    assert engine.element_id == "Call_missing" and "no_such_process" in engine.message and engine.line


def test_a_process_key_that_differs_is_a_problem_with_the_others():
    xml, expected = diagram("empty timer")
    problems = check_diagram(None, xml, key="another_key")
    assert {(p.kind, p.element_id) for p in problems} == expected | {("process_key", None)}


def test_a_file_that_is_not_xml_is_one_problem_not_an_exception():
    [problem] = check_diagram(None, VALID[:200])
    assert problem.kind == "xml"


def test_every_executable_process_of_the_file_is_parsed_not_only_the_main_one():
    xml, expected = diagram("empty timer")
    other = ('<bpmn:process id="other_process" isExecutable="true">'
             '<bpmn:startEvent id="Start_other"><bpmn:outgoing>F_other</bpmn:outgoing></bpmn:startEvent>'
             '<bpmn:sequenceFlow id="F_other" sourceRef="Start_other" targetRef="Call_other" />'
             '<bpmn:callActivity id="Call_other" calledElement="nowhere_else">'
             '<bpmn:incoming>F_other</bpmn:incoming></bpmn:callActivity></bpmn:process>')
    xml = xml.replace("</bpmn:definitions>", other + "</bpmn:definitions>")
    problems = check_diagram(None, xml)
    assert {(p.kind, p.element_id) for p in problems} == expected | {("bpmn", "Call_other")}
    [call] = [p for p in problems if p.element_id == "Call_other"]
    assert call.line == xml[:xml.index('id="Call_other"')].count("\n") + 1


def test_a_refused_timer_is_set_aside_once_so_the_engine_parse_always_ends():
    """If a stand-in time does not help (the event is refused for something else), the parse
    stops there instead of trying again."""
    from engine.spiff.parsing import _set_aside_timers
    from engine.spiff.xmlsafe import parse_bpmn_xml
    from models.errors import BpmnError
    root = parse_bpmn_xml(diagram("empty timer")[0].encode()).getroot()
    refused, done = [BpmnError("refused", element_id="Timer_empty")], set()
    assert _set_aside_timers(root, refused, done) is True
    assert '"PT1H"' in root.xpath("//*[@id='Timer_empty']//*[local-name()='timeDuration']/text()")
    assert _set_aside_timers(root, refused, done) is False
