"""What is wrong with a diagram, a repair made on import and a break of an instance's event
chain are said in the page's language: in Persian without English words outside isolates
(ids, names and technical details are isolated), in English as before. These texts reach a
page only after a POST (studio validate, deploy, import) or from tampered data, so the
every-page test does not see them."""
import io
import json
import re
from html import escape, unescape
from pathlib import Path

import pytest
from sqlalchemy import text

from test_every_page_in_both_languages import english_on_persian_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" '
        'targetNamespace="http://bpmn.io/schema/bpmn">')


def diagram(body: str, executable: str = "true") -> bytes:
    """A file with one process `bad` of these elements."""
    return (f'{HEAD}<bpmn:process id="bad" isExecutable="{executable}">{body}</bpmn:process>'
            '</bpmn:definitions>').encode()


def flow(flow_id, source, target, condition=None) -> str:
    inner = (f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>' if condition else "")
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{inner}</bpmn:sequenceFlow>'


START_END = '<bpmn:startEvent id="Start_1"/><bpmn:endEvent id="End_1"/>'

# (case, the file, words of the English explanation that show it is the one meant)
BAD_DIAGRAMS = [
    ("no start event", diagram('<bpmn:task id="Task_1" name="Work"/>'), "has no start event"),
    ("conditional flows out of a task", diagram(
        START_END + '<bpmn:task id="Task_1" name="Work"/><bpmn:endEvent id="End_2"/>'
        + flow("F1", "Start_1", "Task_1") + flow("F2", "Task_1", "End_1", "a == 1")
        + flow("F3", "Task_1", "End_2", "a == 2")), "outgoing flows with conditions"),
    ("service task", diagram(START_END + '<bpmn:serviceTask id="Call_1" name="Call the registry"/>'
                             + flow("F1", "Start_1", "Call_1") + flow("F2", "Call_1", "End_1")),
     "names no connector"),
    ("sub-process without start", diagram(
        START_END + '<bpmn:subProcess id="Sub_1" name="Inner"><bpmn:task id="Task_2"/></bpmn:subProcess>'
        + flow("F1", "Start_1", "Sub_1") + flow("F2", "Sub_1", "End_1")), "exactly one plain start event"),
    ("call activity without process", diagram(
        START_END + '<bpmn:callActivity id="Call_1" name="Other"/>' + flow("F1", "Start_1", "Call_1")
        + flow("F2", "Call_1", "End_1")), "does not say which process it calls"),
    ("data association to a data store", diagram(
        START_END + '<bpmn:task id="Task_1" name="Work"><bpmn:dataOutputAssociation id="A1">'
        '<bpmn:targetRef>Store_1</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:task>'
        '<bpmn:dataStoreReference id="Store_1" name="Registry"/>'
        + flow("F1", "Start_1", "Task_1") + flow("F2", "Task_1", "End_1")), "has a data output"),
    ("timer without a time", diagram(
        START_END + '<bpmn:intermediateCatchEvent id="Wait_1" name="Wait"><bpmn:timerEventDefinition '
        'id="TD"/></bpmn:intermediateCatchEvent>' + flow("F1", "Start_1", "Wait_1")
        + flow("F2", "Wait_1", "End_1")), "has no time expression"),
    ("multi-instance without count", diagram(
        START_END + '<bpmn:subProcess id="Sub_1" name="Each"><bpmn:multiInstanceLoopCharacteristics/>'
        '<bpmn:startEvent id="S2"/><bpmn:endEvent id="E2"/>' + flow("F9", "S2", "E2")
        + '</bpmn:subProcess>' + flow("F1", "Start_1", "Sub_1") + flow("F2", "Sub_1", "End_1")),
     "is marked to repeat"),
    ("boundary event without trigger", diagram(
        START_END + '<bpmn:task id="Task_1" name="Work"/><bpmn:boundaryEvent id="B1" attachedToRef="Task_1"/>'
        + flow("F1", "Start_1", "Task_1") + flow("F2", "Task_1", "End_1") + flow("F3", "B1", "End_1")),
     "of a kind this engine does not run"),
    ("condition in another tool's language", diagram(
        START_END + '<bpmn:exclusiveGateway id="G1" name="Which"/><bpmn:endEvent id="End_2"/>'
        + flow("F1", "Start_1", "G1") + flow("F2", "G1", "End_1", "${a &gt; b}")
        + flow("F3", "G1", "End_2", "a == 2")), "is not valid Python"),
    ("not executable", diagram(START_END + flow("F1", "Start_1", "End_1"), executable="false"),
     "no executable process"),
    ("not BPMN", b'<?xml version="1.0"?><definitions><process id="p"/></definitions>',
     "not a BPMN 2.0 file"),
    ("DOCTYPE", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
    ("empty", b"   ", "empty"),
] + [(path.stem, path.read_bytes(), "") for path in sorted(FIXTURES.glob("invalid_*.bpmn"))] + [
    (f"studio/{path.stem}", path.read_bytes(), "") for path in sorted((FIXTURES / "studio").glob("*.bpmn"))
    if path.stem != "valid"]


def shown(message: str) -> str:
    return f"<html><body><p>{escape(message)}</p></body></html>"


def in_language(browser, lang: str):
    browser.post(f"/lang/{lang}", data={"next": "/"})
    return browser


@pytest.fixture
def owner(login):
    return login("process_owner")


@pytest.mark.parametrize("case, xml, english", BAD_DIAGRAMS, ids=[c[0] for c in BAD_DIAGRAMS])
def test_the_studio_says_what_is_wrong_with_a_diagram_in_the_pages_language(owner, case, xml, english):
    persian = in_language(owner, "fa").post("/studio/validate", data=xml, content_type="application/xml")
    problems = persian.get_json()["problems"]
    assert problems, case
    for problem in problems:
        assert english_on_persian_page(shown(problem["message"])) == [], problem["message"]
    said = in_language(owner, "en").post("/studio/validate", data=xml, content_type="application/xml")
    messages = [p["message"] for p in said.get_json()["problems"]]
    assert len(messages) == len(problems)
    assert all(english_on_persian_page(shown(m)) for m in messages), messages
    assert any(english in m for m in messages), messages


DEPLOYED = [c for c in BAD_DIAGRAMS if c[0] in ("conditional flows out of a task", "service task",
                                                 "timer without a time", "invalid_gateway_no_condition",
                                                 "invalid_lane_no_role", "invalid_xsd", "invalid_malformed")]


@pytest.mark.parametrize("case, xml, english", DEPLOYED, ids=[c[0] for c in DEPLOYED])
def test_a_refused_deploy_says_why_in_the_pages_language(owner, case, xml, english):
    refused = in_language(owner, "fa").post("/studio/bad/deploy", data=xml, content_type="application/xml")
    assert refused.status_code == 400
    messages = [p["message"] for p in refused.get_json()["problems"]]
    assert messages and all(english_on_persian_page(shown(m)) == [] for m in messages), messages
    said = in_language(owner, "en").post("/studio/bad/deploy", data=xml, content_type="application/xml")
    assert all(english_on_persian_page(shown(p["message"])) for p in said.get_json()["problems"])


def import_file(browser, xml: bytes, name: str = "imported.bpmn"):
    return browser.post("/studio/import", data={"file": (io.BytesIO(xml), name)},
                        content_type="multipart/form-data", follow_redirects=True)


def alerts(response) -> list[str]:
    """The flashed messages (or the error page's message) of a page, as HTML snippets."""
    html = response.get_data(as_text=True)
    return re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', html, re.S)


IMPORTED = [c for c in BAD_DIAGRAMS if c[0] in ("service task", "sub-process without start",
                                                 "data association to a data store", "not executable",
                                                 "invalid_lane_no_role", "studio/missing_reference")]


@pytest.mark.parametrize("case, xml, english", IMPORTED, ids=[c[0] for c in IMPORTED])
def test_an_imported_diagrams_problems_are_flashed_in_the_pages_language(owner, case, xml, english):
    persian = alerts(import_file(in_language(owner, "fa"), xml))
    assert len(persian) >= 2, persian  # its problems, and that it was imported
    for alert in persian:
        assert english_on_persian_page(shown_html(alert)) == [], alert
    english = alerts(import_file(in_language(owner, "en"), xml))
    assert any(english_on_persian_page(shown_html(a)) for a in english), english


def shown_html(snippet: str) -> str:
    return f"<html><body><p>{snippet}</p></body></html>"


@pytest.mark.parametrize("case, xml, english", [c for c in BAD_DIAGRAMS if c[0] in ("not BPMN", "DOCTYPE")]
                         + [("not well-formed", b"<bpmn:definitions", "not well-formed")],
                         ids=["not BPMN", "DOCTYPE", "not well-formed"])
def test_a_file_that_cannot_be_read_is_refused_on_import_in_the_pages_language(owner, case, xml, english):
    persian = import_file(in_language(owner, "fa"), xml)
    assert persian.status_code == 400
    said = persian.get_data(as_text=True)
    assert "این فایل" in said and english_on_persian_page(said) == []
    assert english in import_file(in_language(owner, "en"), xml).get_data(as_text=True)


# A file of another tool needing every repair: no targetNamespace, a message without a name,
# a bare timer duration, a task's implicit parallel split, a gateway's unlabelled default.
NEEDS_REPAIR = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs">
  <bpmn:message id="Msg_1"/>
  <bpmn:process id="repaired" isExecutable="true">
    <bpmn:startEvent id="Start_1"/>
    <bpmn:task id="Task_1" name="Prepare"/>
    <bpmn:intermediateCatchEvent id="Wait_1" name="A week">
      <bpmn:timerEventDefinition id="TD_1"><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Reply_1" name="Reply">
      <bpmn:messageEventDefinition id="MD_1" messageRef="Msg_1"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:exclusiveGateway id="Gateway_1" name="Answered?"/>
    <bpmn:endEvent id="End_1"/>
    <bpmn:endEvent id="End_2"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Task_1" targetRef="Wait_1"/>
    <bpmn:sequenceFlow id="F3" sourceRef="Task_1" targetRef="Reply_1"/>
    <bpmn:sequenceFlow id="F4" sourceRef="Wait_1" targetRef="Gateway_1"/>
    <bpmn:sequenceFlow id="F5" sourceRef="Reply_1" targetRef="End_2"/>
    <bpmn:sequenceFlow id="F6" sourceRef="Gateway_1" targetRef="End_1">
      <bpmn:conditionExpression>answered == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F7" sourceRef="Gateway_1" targetRef="End_2"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_repairs_made_on_import_are_said_in_the_pages_language(owner):
    persian = alerts(import_file(in_language(owner, "fa"), NEEDS_REPAIR))
    fixed = [a for a in persian if a.startswith("هنگام ورود اصلاح شد")]
    assert len(fixed) == 5, persian
    for alert in persian:
        assert english_on_persian_page(shown_html(alert)) == [], alert
    english = alerts(import_file(in_language(owner, "en"), NEEDS_REPAIR))
    notes = [a for a in english if a.startswith("Fixed on import")]
    assert len(notes) == 5, english
    assert any("had 2 outgoing flows without conditions" in n for n in notes), notes


# ---------------------------------------------------------------- the event chain

def tamper(app, statement, **params):
    with app.extensions["db_sessions"]() as session:
        session.execute(text(statement), params)
        session.commit()


def explanations(response) -> list[str]:
    """The explanation cell of each problem row of the integrity page."""
    html = response.get_data(as_text=True)
    return re.findall(r'<tr data-kind="\w+"[^>]*>.*?<td class="small">(.*?)</td>', html, re.S)


def test_a_deleted_inserted_or_reordered_event_is_explained_in_the_pages_language(app, login, arrange):
    deleted, _ = arrange.registered_service_instance("d1")
    swapped, _ = arrange.registered_service_instance("d2")
    appended, _ = arrange.registered_service_instance("d1")
    tamper(app, "DELETE FROM events WHERE instance_id = :i AND seq = 1", i=deleted)
    first = arrange.instance(swapped).last_event_seq - 1  # the last two events swapped
    assert first >= 1
    tamper(app, "UPDATE events SET seq = 1000 WHERE instance_id = :i AND seq = :s", i=swapped, s=first)
    tamper(app, "UPDATE events SET seq = :s WHERE instance_id = :i AND seq = :n", i=swapped, s=first,
           n=first + 1)
    tamper(app, "UPDATE events SET seq = :s WHERE instance_id = :i AND seq = 1000", i=swapped, s=first + 1)
    last = arrange.instance(appended).last_event_seq
    tamper(app, "UPDATE instances SET last_event_seq = :s WHERE id = :i", s=last - 1, i=appended)
    auditor = in_language(login("auditor"), "fa")
    page = auditor.get("/audit/integrity?scope=all")
    kinds = set(re.findall(r'data-kind="(\w+)"', page.get_data(as_text=True)))
    assert {"deleted", "reordered", "inserted"} <= kinds, kinds
    persian = explanations(page)
    assert len(persian) >= 4 and all(english_on_persian_page(shown_html(e)) == [] for e in persian), persian
    assert any("حذف" in e or "نیست" in e for e in persian) and any("جابه‌جا" in e for e in persian)
    english = explanations(in_language(auditor, "en").get("/audit/integrity?scope=all"))
    assert any("is missing" in e for e in english) and any("moved out of their order" in e for e in english)
    assert any("was added after the instance's last event" in unescape(e) for e in english)


# ---------------------------------------------------------------- the form editor

def bad_form_schema() -> dict:
    """A form with a problem of nearly every kind the form editor refuses."""
    date = {"type": "datetime", "subtype": "date", "label": "Day"}
    return {"type": "default", "components": [
        {"type": "textfield", "key": "subject", "label": "Subject"},
        {"type": "textfield", "key": "subject", "label": "Again"},
        {"type": "iframe", "key": "page", "label": "Page"},
        {"type": "textfield", "key": "2bad", "label": "Bad key"},
        {"type": "textfield", "key": "x", "conditional": {"hide": "=x > 1"}},
        {"type": "textfield", "key": "y", "properties": {"requiredWhen": "=decision = "}},
        {"type": "textfield", "key": "z", "properties": {"check": "passport"}},
        {**date, "key": "until", "properties": {"notBefore": "since", "notInPast": "maybe"}},
        {"type": "dynamiclist", "path": "rows", "label": "Rows", "properties": {"minRows": "5", "maxRows": "2"},
         "components": [{"type": "textfield", "key": "name", "label": "Name"}]},
    ]}


@pytest.mark.parametrize("body", [bad_form_schema(), "{not json"], ids=["checks", "not JSON"])
def test_the_form_editor_says_what_is_wrong_with_a_form_in_the_pages_language(owner, body):
    payload = body if isinstance(body, str) else json.dumps(body)
    persian = in_language(owner, "fa").post("/forms/complaint_register/validate", data=payload,
                                            content_type="application/json").get_json()
    assert persian["ok"] is False and len(persian["problems"]) >= (1 if isinstance(body, str) else 8)
    for problem in persian["problems"]:
        assert english_on_persian_page(shown(problem["message"])) == [], problem["message"]
    english = in_language(owner, "en").post("/forms/complaint_register/validate", data=payload,
                                            content_type="application/json").get_json()
    assert all(english_on_persian_page(shown(p["message"])) for p in english["problems"])
