"""The studio's live checks (bpmnlint with this system's plugin, app/static/studio/lint-config.js)
agree with the server: every deployed diagram in processes/ has no lint error, and a diagram the
server refuses (a lane that names no role, a user task without a form or lane, an unquoted or
empty timer, an implicit split) is marked on the right elements. Runs the rules in Node."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from formjs.forms import list_forms
from people.catalogue import roles_of

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules" / "bpmnlint").exists(),
                                reason="Node and node_modules are needed for the live checks")

BAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="bad" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="Lane_nobody" name="nobody_at_all"><bpmn:flowNodeRef>Start</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Task_form</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_form"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing><bpmn:outgoing>F3</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="Task_outside"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="no_such_form" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing></bpmn:userTask>
    <bpmn:intermediateCatchEvent id="Wait_bare"><bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="T1"><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Wait_empty"><bpmn:incoming>F5</bpmn:incoming><bpmn:outgoing>F6</bpmn:outgoing>
      <bpmn:timerEventDefinition id="T2" /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Wait_quoted"><bpmn:incoming>F6</bpmn:incoming><bpmn:outgoing>F7</bpmn:outgoing>
      <bpmn:timerEventDefinition id="T3"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="End"><bpmn:incoming>F4</bpmn:incoming><bpmn:incoming>F7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Task_form" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_form" targetRef="Task_outside" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_form" targetRef="Wait_bare" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_outside" targetRef="End" />
    <bpmn:sequenceFlow id="F5" sourceRef="Wait_bare" targetRef="Wait_empty" />
    <bpmn:sequenceFlow id="F6" sourceRef="Wait_empty" targetRef="Wait_quoted" />
    <bpmn:sequenceFlow id="F7" sourceRef="Wait_quoted" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>
"""


def lint(tmp_path, *files) -> dict:
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps([{"code": r.code, "title_fa": r.title_fa, "title_en": r.title_en}
                                 for r in roles_of(None).roles]))
    forms = tmp_path / "forms.json"
    forms.write_text(json.dumps(list_forms()))
    result = subprocess.run(["node", "--no-warnings", "scripts/lint-diagrams.mjs", "--roles", str(roles),
                             "--forms", str(forms), *map(str, files)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_every_deployed_diagram_passes_the_live_checks_without_an_error(tmp_path):
    files = sorted((ROOT / "processes").glob("*.bpmn"))
    errors = {file: [r for r in reports if r["category"] == "error"]
              for file, reports in lint(tmp_path, *files).items()}
    assert len(errors) == len(files)
    assert {file: found for file, found in errors.items() if found} == {}


def test_what_the_server_refuses_is_marked_on_its_element(tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text(BAD)
    found = {(r["rule"], r["id"]) for r in lint(tmp_path, bad)[str(bad)] if r["category"] == "error"}
    assert {("city/lane-role", "Lane_nobody"), ("city/user-task-form", "Task_form"),
            ("city/user-task-form", "Task_outside"), ("city/task-in-lane", "Task_outside"),
            ("city/timer-expression", "Wait_bare"), ("city/timer-expression", "Wait_empty"),
            ("no-implicit-split", "Task_form")} <= found
    assert ("city/timer-expression", "Wait_quoted") not in found
    assert ("city/task-in-lane", "Task_form") not in found
