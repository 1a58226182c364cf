"""Server-side SVG of a BPMN diagram: drawn from its DI, any file that parses, run marks."""
from pathlib import Path

import pytest
from lxml import etree

from audit.diagram.labels import wrap
from audit.diagram.svg import diagram_svg, draw_diagram
from models.errors import BpmnValidationError

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = sorted((ROOT / "processes").glob("*.bpmn"))
CORPUS = ROOT.parent / "shared" / "corpus"
SVG = "{http://www.w3.org/2000/svg}"


def well_formed(path: Path) -> bool:
    try:
        etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True,
                                                           load_dtd=False))
    except etree.XMLSyntaxError:
        return False
    return True


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()
                      and p.suffix in (".bpmn", ".xml", ".bpmn2", ".xsd") and well_formed(p)) \
    if CORPUS.is_dir() else []


def shapes(svg: str) -> dict[str, etree._Element]:
    root = etree.fromstring(svg.encode())
    return {g.get("data-element-id"): g for g in root.iter(f"{SVG}g") if "shape" in g.get("class", "").split()}


@pytest.mark.parametrize("path", PROCESSES, ids=lambda p: p.name)
def test_every_process_diagram_is_drawn_with_its_shapes_and_persian_names(path):
    svg = diagram_svg(path.read_text(encoding="utf-8"))
    root = etree.fromstring(svg.encode())
    source = etree.fromstring(path.read_bytes())
    di_ids = {s.get("bpmnElement") for s in source.iter("{*}BPMNShape")}
    assert set(shapes(svg)) == di_ids
    assert root.iter(f"{SVG}polyline") and root.get("font-family").startswith("Vazirmatn")
    persian = [t for t in root.iter(f"{SVG}text") if t.get("direction") == "rtl"]
    assert persian and all(t.get("unicode-bidi") == "embed" for t in persian)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus is not here")
def test_every_well_formed_corpus_file_is_drawn_without_an_exception():
    for path in CORPUS_FILES:
        svg = diagram_svg(path.read_bytes())
        assert etree.fromstring(svg.encode()).tag == f"{SVG}svg", path


def test_done_elements_are_green_with_their_run_count_and_active_ones_orange():
    xml = (ROOT / "processes" / "complaints.bpmn").read_text(encoding="utf-8")
    svg = diagram_svg(xml, {"Task_register_complaint": 1, "Task_examine_service_complaint": 3},
                      ["Task_review_answer"], number=lambda n: str(n).translate(
                          str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    drawn = shapes(svg)
    examined = drawn["Task_examine_service_complaint"]
    assert "done" in examined.get("class").split() and examined.get("data-done-count") == "3"
    assert examined.find(f"{SVG}rect").get("fill") == "#c8e6c9"
    assert [t.text for t in examined.iter(f"{SVG}text")] == ["۳"]
    review = drawn["Task_review_answer"]
    assert "active" in review.get("class").split() and "done" not in review.get("class").split()
    assert review.find(f"{SVG}rect").get("stroke") == "#ef6c00"
    untouched = drawn["Task_announce_result"]
    assert untouched.get("class").split()[-1] == "userTask" and untouched.find(f"{SVG}rect").get("fill") == "#ffffff"


def test_shapes_are_drawn_by_kind():
    svg = diagram_svg((ROOT / "processes" / "complaints.bpmn").read_text(encoding="utf-8"))
    kinds = {g.get("class").split()[1]: g for g in shapes(svg).values()}
    assert kinds["userTask"].find(f"{SVG}rect").get("rx") == "10"
    assert kinds["startEvent"].find(f"{SVG}circle") is not None
    assert kinds["exclusiveGateway"].find(f"{SVG}path").get("d").endswith("Z")
    assert kinds["lane"].find(f"{SVG}rect") is not None and kinds["participant"] is not None


def test_elements_without_di_and_unknown_ids_are_skipped():
    xml = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
      xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
      <bpmn:process id="p"><bpmn:task id="A" name="ثبت"/><bpmn:task id="B" name="no DI"/></bpmn:process>
      <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">
        <bpmndi:BPMNShape id="A_di" bpmnElement="A"><dc:Bounds x="10" y="10" width="100" height="80"/></bpmndi:BPMNShape>
        <bpmndi:BPMNShape id="X_di" bpmnElement="missing"><dc:Bounds x="0" y="0" width="1" height="1"/></bpmndi:BPMNShape>
        <bpmndi:BPMNShape id="B_di" bpmnElement="B"><dc:Bounds x="oops" y="0" width="1" height="1"/></bpmndi:BPMNShape>
      </bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"""
    assert list(shapes(diagram_svg(xml))) == ["A"]


def test_a_file_without_diagram_gives_an_empty_drawing_and_a_doctype_is_refused():
    assert shapes(diagram_svg("<root/>")) == {}
    with pytest.raises(BpmnValidationError):
        diagram_svg('<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')


def test_long_task_names_wrap_into_lines_that_fit_the_box():
    lines = wrap("بررسی شکایت از کارکنان و ادارات و واحدهای تابعه منطقه", 90)
    assert len(lines) > 1 and all(len(line) <= 90 / (11 * 0.55) for line in lines)
    drawing = draw_diagram((ROOT / "processes" / "complaints.bpmn").read_bytes())
    assert drawing.fit(500, 10_000) < 1 and any(label.rtl for label in drawing.labels)
