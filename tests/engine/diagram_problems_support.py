"""Diagrams with several problems at once, built from the studio's valid diagram and snippets
(tests/engine/test_diagram_validation.py, the HTTP and CLI tests of the same validation)."""
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
VALID = (STUDIO / "valid.bpmn").read_text(encoding="utf-8")


def _timer(event_id, text, target, attached="Task_register"):
    time = "" if text is None else (
        f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{text}</bpmn:timeDuration>')
    return (f'<bpmn:boundaryEvent id="{event_id}" name="{event_id}" cancelActivity="false" '
            f'attachedToRef="{attached}"><bpmn:outgoing>F_{event_id}</bpmn:outgoing>'
            f'<bpmn:timerEventDefinition id="TD_{event_id}">{time}</bpmn:timerEventDefinition>'
            f'</bpmn:boundaryEvent><bpmn:sequenceFlow id="F_{event_id}" sourceRef="{event_id}" '
            f'targetRef="{target}" />')


def _end(end_id, flow):
    return f'<bpmn:endEvent id="{end_id}"><bpmn:incoming>{flow}</bpmn:incoming></bpmn:endEvent>'


# name -> (text put into the process, text put into the lane set, {(kind, element id)} expected)
SNIPPETS = {
    "bare P1D": (_timer("Timer_bare", "P1D", "End_bare") + _end("End_bare", "F_Timer_bare"), "",
                 {("timer", "Timer_bare")}),
    'quoted "P1X"': (_timer("Timer_bad", '"P1X"', "End_bad") + _end("End_bad", "F_Timer_bad"), "",
                     {("timer", "Timer_bad")}),
    "empty timer": (_timer("Timer_empty", None, "End_empty") + _end("End_empty", "F_Timer_empty"), "",
                    {("timer", "Timer_empty")}),
    "unknown role lane": ("", '<bpmn:lane id="Lane_ghost" name="ghost_role" />', {("lane", "Lane_ghost")}),
    "hostile script": (_timer("Timer_script", '"P1D"', "Script_hostile")
                       + '<bpmn:scriptTask id="Script_hostile" name="Hostile"><bpmn:incoming>F_Timer_script'
                         '</bpmn:incoming><bpmn:outgoing>F_script_end</bpmn:outgoing><bpmn:script>'
                         'import os</bpmn:script></bpmn:scriptTask>'
                       + '<bpmn:sequenceFlow id="F_script_end" sourceRef="Script_hostile" targetRef="End_script" />'
                       + _end("End_script", "F_script_end"), "", {("sandbox", "Script_hostile")}),
    "unreachable element": ('<bpmn:task id="Task_orphan" name="Orphan" />', "", {("unreachable", "Task_orphan")}),
    "parse error": (_timer("Timer_call", '"P2D"', "Call_missing")
                    + '<bpmn:callActivity id="Call_missing" name="Call nowhere" calledElement="no_such_process">'
                      '<bpmn:incoming>F_Timer_call</bpmn:incoming></bpmn:callActivity>', "",
                    {("bpmn", "Call_missing")}),
}
BAD_FORM = ('value="complaint_register"', 'value="no_such_form"', {("form", "Task_register")})


def diagram(*names: str, bad_form: bool = False) -> tuple[str, set]:
    """The valid diagram with these snippets' problems; (xml, {(kind, element id)} expected)."""
    process, lanes, expected = "", "", set()
    for name in names:
        more_process, more_lanes, problems = SNIPPETS[name]
        process, lanes, expected = process + more_process, lanes + more_lanes, expected | problems
    xml = VALID.replace("</bpmn:process>", process + "</bpmn:process>")
    xml = xml.replace("</bpmn:laneSet>", lanes + "</bpmn:laneSet>")
    if bad_form:
        xml = xml.replace(BAD_FORM[0], BAD_FORM[1])
        expected |= BAD_FORM[2]
    return xml, expected
