"""models.messages.Message: English text as an f-string would write it, carrying its template
and params for the web layer; the engine's explanations of a refused diagram are Messages."""
import pickle

import pytest

from engine.spiff.parsing import parse_definition
from models.errors import BpmnValidationError
from models.messages import Message


def test_a_message_is_its_english_text_and_keeps_its_template_and_params():
    kind = Message("Task")
    message = Message("{kind} {id!r} has {count} outgoing flows.", kind=kind, id="Task_1", count=2)
    assert message == "Task 'Task_1' has 2 outgoing flows." and isinstance(message, str)
    assert message.template == "{kind} {id!r} has {count} outgoing flows."
    assert message.params == {"kind": kind, "id": "Task_1", "count": 2}
    copy = pickle.loads(pickle.dumps(message))
    assert copy == message and copy.template == message.template and copy.params["kind"].template == "Task"


def test_a_message_without_params_is_its_template_as_written():
    assert Message("Element {element!r}: This element is not expected.") == \
        "Element {element!r}: This element is not expected."


SERVICE_TASK = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="Start_1"/><bpmn:serviceTask id="Call_1" name="Call the registry"/>
    <bpmn:endEvent id="End_1"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Call_1"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Call_1" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_engines_explanation_of_a_refusal_is_a_message_naming_its_element():
    with pytest.raises(BpmnValidationError) as refused:
        parse_definition(SERVICE_TASK, check_forms=False)
    message = refused.value.errors[0].message
    assert message.startswith("Service task 'Call the registry' does not name a service")
    assert message.template.startswith("{what} does not name a service")
    assert message.params["what"].params == {"kind": "Service task", "name": "Call the registry"}
