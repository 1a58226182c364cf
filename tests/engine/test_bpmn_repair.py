"""Repairs of diagrams from other modelling tools where their intent is unambiguous (modeling/repair.py)."""
from datetime import timedelta
from pathlib import Path

from lxml import etree

from modeling.repair import repair_bpmn
from engine.harness import complete_ready_task, ready_task_ids, workflow_from_bpmn
from engine.spiff.parsing import parse_definition
from engine.spiff.workflow_tasks import waiting_message_names, waiting_timers
from engine.spiff.workflows import run_engine
from models import clock

ROOT = Path(__file__).resolve().parents[2]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://example.org">\n')

# A task with two outgoing flows without conditions, as Bonita and Yaoqiang export an "AND split".
SPLIT = HEAD + """  <bpmn2:process id="p_split" isExecutable="true">
    <bpmn2:laneSet id="LaneSet_1">
      <bpmn2:lane id="Lane_1" name="pr_expert">
        <bpmn2:flowNodeRef>Start</bpmn2:flowNodeRef>
        <bpmn2:flowNodeRef>Task_approve</bpmn2:flowNodeRef>
        <bpmn2:flowNodeRef>Task_a</bpmn2:flowNodeRef>
        <bpmn2:flowNodeRef>Task_b</bpmn2:flowNodeRef>
        <bpmn2:flowNodeRef>End_a</bpmn2:flowNodeRef>
        <bpmn2:flowNodeRef>End_b</bpmn2:flowNodeRef>
      </bpmn2:lane>
    </bpmn2:laneSet>
    <bpmn2:startEvent id="Start_1"><bpmn2:outgoing>f0</bpmn2:outgoing></bpmn2:startEvent>
    <bpmn2:task id="Task_approve" name="Approve">
      <bpmn2:incoming>f0</bpmn2:incoming>
      <bpmn2:outgoing>f1</bpmn2:outgoing>
      <bpmn2:outgoing>f2</bpmn2:outgoing>
    </bpmn2:task>
    <bpmn2:userTask id="Task_a" name="Inform citizen"><bpmn2:incoming>f1</bpmn2:incoming><bpmn2:outgoing>f3</bpmn2:outgoing></bpmn2:userTask>
    <bpmn2:userTask id="Task_b" name="File it"><bpmn2:incoming>f2</bpmn2:incoming><bpmn2:outgoing>f4</bpmn2:outgoing></bpmn2:userTask>
    <bpmn2:endEvent id="End_a"><bpmn2:incoming>f3</bpmn2:incoming></bpmn2:endEvent>
    <bpmn2:endEvent id="End_b"><bpmn2:incoming>f4</bpmn2:incoming></bpmn2:endEvent>
    <bpmn2:sequenceFlow id="f0" sourceRef="Start_1" targetRef="Task_approve"/>
    <bpmn2:sequenceFlow id="f1" sourceRef="Task_approve" targetRef="Task_a"/>
    <bpmn2:sequenceFlow id="f2" sourceRef="Task_approve" targetRef="Task_b"/>
    <bpmn2:sequenceFlow id="f3" sourceRef="Task_a" targetRef="End_a"/>
    <bpmn2:sequenceFlow id="f4" sourceRef="Task_b" targetRef="End_b"/>
  </bpmn2:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="p_split">
    <bpmndi:BPMNShape id="Task_approve_di" bpmnElement="Task_approve"><dc:Bounds x="100" y="100" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_a_di" bpmnElement="Task_a"><dc:Bounds x="300" y="20" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_b_di" bpmnElement="Task_b"><dc:Bounds x="300" y="180" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="200" y="140"/><di:waypoint x="250" y="140"/><di:waypoint x="250" y="60"/><di:waypoint x="300" y="60"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="200" y="140"/><di:waypoint x="250" y="220"/><di:waypoint x="300" y="220"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn2:definitions>
""".replace("<bpmn2:flowNodeRef>Start</bpmn2:flowNodeRef>", "<bpmn2:flowNodeRef>Start_1</bpmn2:flowNodeRef>")


def timer_file(body: str, kind: str = "timeDuration") -> str:
    return HEAD + f"""  <bpmn2:process id="p_timer" isExecutable="true">
    <bpmn2:startEvent id="Start_1"/>
    <bpmn2:intermediateCatchEvent id="Wait" name="Wait a week">
      <bpmn2:timerEventDefinition id="TimerDef"><bpmn2:{kind} xsi:type="bpmn2:tFormalExpression">{body}</bpmn2:{kind}></bpmn2:timerEventDefinition>
    </bpmn2:intermediateCatchEvent>
    <bpmn2:endEvent id="End_1"/>
    <bpmn2:sequenceFlow id="f1" sourceRef="Start_1" targetRef="Wait"/>
    <bpmn2:sequenceFlow id="f2" sourceRef="Wait" targetRef="End_1"/>
  </bpmn2:process>
</bpmn2:definitions>
"""


MESSAGE = HEAD + """  <bpmn2:message id="Message_reply"/>
  <bpmn2:process id="p_message" isExecutable="true">
    <bpmn2:startEvent id="Start_1"/>
    <bpmn2:intermediateCatchEvent id="Catch_reply" name="Reply received">
      <bpmn2:messageEventDefinition id="MsgDef" messageRef="Message_reply"/>
    </bpmn2:intermediateCatchEvent>
    <bpmn2:endEvent id="End_1"/>
    <bpmn2:sequenceFlow id="f1" sourceRef="Start_1" targetRef="Catch_reply"/>
    <bpmn2:sequenceFlow id="f2" sourceRef="Catch_reply" targetRef="End_1"/>
  </bpmn2:process>
</bpmn2:definitions>
"""

GATEWAY = HEAD + """  <bpmn2:process id="p_gateway" isExecutable="true">
    <bpmn2:startEvent id="Start_1"/>
    <bpmn2:exclusiveGateway id="Gw" name="Urgent?"/>
    <bpmn2:scriptTask id="Urgent"><bpmn2:script>path = "urgent"</bpmn2:script></bpmn2:scriptTask>
    <bpmn2:scriptTask id="Normal"><bpmn2:script>path = "normal"</bpmn2:script></bpmn2:scriptTask>
    <bpmn2:endEvent id="End_1"/>
    <bpmn2:endEvent id="End_2"/>
    <bpmn2:sequenceFlow id="f1" sourceRef="Start_1" targetRef="Gw"/>
    <bpmn2:sequenceFlow id="f_yes" name="yes" sourceRef="Gw" targetRef="Urgent"><bpmn2:conditionExpression xsi:type="bpmn2:tFormalExpression">urgent == True</bpmn2:conditionExpression></bpmn2:sequenceFlow>
    <bpmn2:sequenceFlow id="f_else" sourceRef="Gw" targetRef="Normal"/>
    <bpmn2:sequenceFlow id="f3" sourceRef="Urgent" targetRef="End_1"/>
    <bpmn2:sequenceFlow id="f4" sourceRef="Normal" targetRef="End_2"/>
  </bpmn2:process>
</bpmn2:definitions>
"""


def tree(xml: bytes):
    return etree.fromstring(xml)


def test_task_with_two_plain_flows_becomes_a_parallel_split_that_runs_both_branches():
    result = repair_bpmn(SPLIT.encode())
    [(element_id, note)] = result.notes
    assert element_id == "Task_approve"
    assert note.startswith("Task 'Approve' had 2 outgoing flows without conditions")
    assert "parallel gateway" in note
    root = tree(result.xml)
    [gateway] = root.xpath("//bpmn:parallelGateway", namespaces=NS)
    gid = gateway.get("id")
    # The existing flows keep their ids and now leave the gateway.
    assert {f.get("id"): f.get("sourceRef") for f in root.xpath("//bpmn:sequenceFlow", namespaces=NS)
            if f.get("id") in ("f1", "f2")} == {"f1": gid, "f2": gid}
    assert root.xpath("//bpmn:lane/bpmn:flowNodeRef/text()", namespaces=NS).count(gid) == 1
    # Drawn: a shape next to the task, and the edges start from it.
    [shape] = root.xpath("//bpmndi:BPMNShape[@bpmnElement=$g]/dc:Bounds", namespaces=NS, g=gid)
    assert float(shape.get("x")) >= 200
    first = root.xpath("//bpmndi:BPMNEdge[@bpmnElement='f1']/di:waypoint", namespaces=NS)[0]
    assert float(shape.get("x")) <= float(first.get("x")) <= float(shape.get("x")) + float(shape.get("width"))
    # Prefixes of the original file are kept.
    assert result.xml.count(b"<bpmn2:parallelGateway") == 1 and b"ns0:" not in result.xml

    workflow = workflow_from_bpmn(result.xml)
    run_engine(workflow)
    complete_ready_task(workflow, "Task_approve")  # a plain task waits for a person in SpiffWorkflow
    assert ready_task_ids(workflow) == ["Task_a", "Task_b"]
    complete_ready_task(workflow, "Task_a")
    complete_ready_task(workflow, "Task_b")
    assert workflow.is_completed()


def test_flows_with_conditions_out_of_a_task_are_left_alone():
    conditional = SPLIT.replace(
        '<bpmn2:sequenceFlow id="f1" sourceRef="Task_approve" targetRef="Task_a"/>',
        '<bpmn2:sequenceFlow id="f1" sourceRef="Task_approve" targetRef="Task_a">'
        '<bpmn2:conditionExpression>ok == True</bpmn2:conditionExpression></bpmn2:sequenceFlow>')
    result = repair_bpmn(conditional.encode())
    assert result.notes == [] and result.xml == conditional.encode()


def test_bare_iso_duration_timer_becomes_that_duration():
    result = repair_bpmn(timer_file("P7D").encode())
    [(element_id, note)] = result.notes
    assert element_id == "Wait" and "P7D" in note
    assert b'>"P7D"</bpmn2:timeDuration>' in result.xml
    assert b'xsi:type="bpmn2:tFormalExpression"' in result.xml
    workflow = workflow_from_bpmn(result.xml)
    run_engine(workflow)
    [timer] = waiting_timers(workflow)
    expected = clock.now().replace(tzinfo=None) + timedelta(days=7)
    assert abs(timer.due_at - expected) < timedelta(minutes=1)


def test_bare_date_and_cycle_timers_are_quoted():
    date = repair_bpmn(timer_file("2026-01-01T10:00:00", "timeDate").encode())
    assert b'>"2026-01-01T10:00:00"</bpmn2:timeDate>' in date.xml
    parse_definition(date.xml)
    cycle = repair_bpmn(timer_file("R3/PT1H", "timeCycle").encode())
    assert b'>"R3/PT1H"</bpmn2:timeCycle>' in cycle.xml
    parse_definition(cycle.xml)


def test_timer_expressions_are_not_touched():
    for body in ('"P7D"', "add_working_days(now(), 10)", "deadline", "${duration}"):
        xml = timer_file(body).encode()
        assert repair_bpmn(xml).xml == xml


def test_unnamed_message_is_named_by_its_id_and_the_model_parses():
    result = repair_bpmn(MESSAGE.encode())
    [(element_id, note)] = result.notes
    assert element_id == "Message_reply" and "Intermediate event 'Reply received'" in note
    [message] = tree(result.xml).xpath("//bpmn:message", namespaces=NS)
    assert message.get("name") == "Message_reply"
    workflow = workflow_from_bpmn(result.xml)
    run_engine(workflow)
    assert waiting_message_names(workflow) == ["Message_reply"]


def test_the_one_unconditioned_branch_of_an_exclusive_gateway_becomes_its_default():
    result = repair_bpmn(GATEWAY.encode())
    [(element_id, note)] = result.notes
    assert element_id == "Gw" and "'f_else'" in note and "default" in note
    workflow = workflow_from_bpmn(result.xml, {"urgent": False})
    run_engine(workflow)
    assert workflow.is_completed() and workflow.last_task.data["path"] == "normal"


def test_a_file_that_needs_no_repair_comes_back_byte_identical():
    files = [ROOT / "tests/engine/fixtures/valid_spiff_process.bpmn", *sorted((ROOT / "processes").glob("*.bpmn"))]
    for path in files:
        xml = path.read_bytes()
        result = repair_bpmn(xml)
        assert result.notes == [], (path.name, result.notes)
        assert result.xml is xml or result.xml == xml


def test_what_is_not_bpmn_comes_back_unchanged():
    for xml in (b"<not-closed", b"<root/>", b""):
        assert repair_bpmn(xml).xml == xml and repair_bpmn(xml).notes == []


def test_missing_target_namespace_is_added():
    xml = SPLIT.replace(' targetNamespace="http://example.org"', "").replace(
        '<bpmn2:outgoing>f2</bpmn2:outgoing>', "").replace(
        '<bpmn2:sequenceFlow id="f2" sourceRef="Task_approve" targetRef="Task_b"/>', "")
    result = repair_bpmn(xml.encode())
    assert [n[0] for n in result.notes] == ["Defs"]
    assert tree(result.xml).get("targetNamespace")
