"""Diagrams from other modelling tools (../shared/corpus): repaired where the intent is clear, and
every remaining problem said on its element in a process owner's words."""
import re
from pathlib import Path
from unittest import mock

import pytest

from engine.spiff import parsing
from engine.problems.explain import explain_exception
from modeling.repair import repair_bpmn
from models.errors import BpmnValidationError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FILES = sorted(CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not FILES, reason="../shared/corpus is not there")

# What a process owner must never read: tracebacks, Python exception or class names, reprs.
PYTHON_WORDS = re.compile(r"Traceback|\b\w+(Error|Exception)\b|<Element|object at 0x|\bNone\b")


# Problems of the whole file, not of one element.
FILE_LEVEL = {"no process in the file", "not a BPMN 2.0 file", "not well-formed XML"}


def problems_of(xml: bytes, make_executable: bool = False) -> list:
    repaired = repair_bpmn(xml, make_executable=make_executable).xml
    try:
        with mock.patch.object(parsing, "role_for_lane", lambda lane: "any_role"):
            parsing.parse_definition(repaired, check_forms=False)
    except Exception as exc:  # noqa: BLE001 - whatever it is must be explained
        return explain_exception(exc, repaired)
    return []


def corpus(path: str) -> bytes:
    return (CORPUS / path).read_bytes()


@needs_corpus
@pytest.mark.parametrize("path, element_id, words", [
    # Bonita: a task with conditional flows (not an implicit split: reported, not repaired)
    ("miwg/bonita/A.2.1-export.bpmn", "_17mjcLWZEeaTvLEWv0tJ7A",
     "Task 'Task 2' has 2 outgoing flows with conditions"),
    # a data store the engine cannot store in
    ("miwg/reference/C.4.0.bpmn", None, "Data store 'Employee Details'"),
    # conditions in Camunda 7's expression language
    ("miwg/reference/C.1.0.bpmn", "invoiceApproved", "Java EL"),
    # a service task of another tool's connectors
    ("miwg/bonita/C.1.1-export.bpmn", "_KfMCoLWiEeaTvLEWv0tJ7A", "Service task"),
    # labelled branches of a gateway without conditions
    ("bpmnio/examples/modeling-api__editingElements.bpmn", "SequenceFlow_3", "without condition"),
    # a timer with no time at all
    ("bpmnio/bpmn-js-fixtures/kitchen-sink.bpmn", "Event_0az045q", "timer without a time"),
])
def test_problems_of_corpus_files_are_on_their_element_in_plain_words(path, element_id, words):
    problems = problems_of(corpus(path), make_executable=True)
    assert problems, path
    first = problems[0]
    assert words in first.message, first.message
    if element_id:
        assert first.element_id == element_id, (first.element_id, first.message)
        assert first.line
    assert not PYTHON_WORDS.search(first.message), first.message


@needs_corpus
def test_a_documentation_only_model_says_so():
    [problem] = problems_of(corpus("miwg/reference/A.1.0.bpmn"))
    assert "marked executable" in problem.message and not PYTHON_WORDS.search(problem.message)


@needs_corpus
def test_implicit_split_and_bare_timer_of_corpus_files_are_repaired():
    result = repair_bpmn(corpus("miwg/bpmnio-camunda-modeler/A.4.0-export.bpmn"))
    assert ("Task3Task", "Task 'Task 3' had 2 outgoing flows without conditions ('Flow_14r4yf8', "
            "'Flow_0gi2n31'): they now start in parallel through a new parallel gateway "
            "'Gateway_split_Task3Task'") in result.notes
    assert problems_of(corpus("miwg/bpmnio-camunda-modeler/A.4.0-export.bpmn"), make_executable=True) == []


@pytest.mark.slow
@needs_corpus
def test_every_well_formed_corpus_file_goes_through_repair_and_explanation():
    """No exception escapes the repair or the explanation, and no problem reads like Python."""
    from lxml import etree
    from engine.spiff.xmlsafe import safe_parser
    checked = 0
    for path in FILES:
        xml = path.read_bytes()
        try:
            etree.fromstring(xml, safe_parser())
        except etree.XMLSyntaxError:
            continue
        for make_executable in (False, True):
            result = repair_bpmn(xml, make_executable=make_executable)
            if not result.notes:
                assert result.xml == xml, path
            else:
                etree.fromstring(result.xml, safe_parser())  # still well-formed
                assert all(isinstance(note, str) and note for _, note in result.notes)
            for problem in problems_of(xml, make_executable):
                assert problem.message and "Traceback" not in problem.message, (path, problem.message)
                assert not PYTHON_WORDS.search(problem.message), (path, problem.message)
                located = problem.element_id or problem.kind in FILE_LEVEL or problem.line
                assert located, (path, problem.message)
        checked += 1
    assert checked >= 250


def test_deploy_path_turns_a_spiffworkflow_refusal_into_plain_words():
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="Start_1"/>
    <bpmn:serviceTask id="Call_crm" name="Look up customer"/>
    <bpmn:endEvent id="End_1"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start_1" targetRef="Call_crm"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Call_crm" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>"""
    with pytest.raises(BpmnValidationError) as caught:
        parsing.parse_definition(xml, check_forms=False)
    [error] = caught.value.errors
    assert error.element_id == "Call_crm" and error.line == 5
    assert error.message.startswith("Service task 'Look up customer' does not name a service")
