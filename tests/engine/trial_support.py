"""Diagrams for the trial tests (engine and HTTP)."""
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
# Start (count) -> script total = count * 2 -> Review (form news_review) -> approved? -> a one
# day timer -> end; "return" loops back to Review.
TRIAL_XML = (STUDIO.parent / "studio_trial.bpmn").read_bytes()
HOSTILE_XML = (STUDIO / "sandbox_escape.bpmn").read_bytes()
# A loop of a script and a gateway with no task that waits: runs until a budget stops it.
RUNAWAY_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="runaway" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_count" scriptFormat="python"><bpmn:incoming>F1</bpmn:incoming>
      <bpmn:incoming>F_back</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_more" default="F_back"><bpmn:incoming>F2</bpmn:incoming>
      <bpmn:outgoing>F_end</bpmn:outgoing><bpmn:outgoing>F_back</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Script_count" />
    <bpmn:sequenceFlow id="F2" sourceRef="Script_count" targetRef="Gateway_more" />
    <bpmn:sequenceFlow id="F_end" sourceRef="Gateway_more" targetRef="EndEvent_1">
      <bpmn:conditionExpression>n &gt; 1000000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_back" sourceRef="Gateway_more" targetRef="Script_count" />
  </bpmn:process>
</bpmn:definitions>"""


def row_counts(session) -> dict:
    """How many rows each table holds."""
    from sqlalchemy import func, select
    from models import Base
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}
