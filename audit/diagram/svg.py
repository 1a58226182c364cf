"""A BPMN diagram drawn on the server as SVG from its DI (shapes, edges, labels, run marks)."""
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from audit.diagram.di import (ACTIVITIES, CONTAINERS, DI_NS, bounds, bpmn_kind, parse_diagram, plane_box,
                         waypoints)
from audit.diagram.labels import FONT_FAMILY, FONT_SIZE, Label, edge_labels, shape_labels, write_label
from audit.diagram.shapes import RunMarks, draw_edge, draw_shape
from audit.diagram.nodes import SVG_NS, svg_child, svg_element, svg_num

MARGIN = 12.0
PLANE_GAP = 40.0


@dataclass
class Drawing:
    """The shapes and edges of every plane (as SVG elements, no text) and their labels."""
    width: float
    height: float
    body: list = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def svg(self, with_text: bool = True, scale: float = 1.0) -> str:
        """The SVG document (scaled); without text when the caller writes the labels itself."""
        root = svg_element("svg", width=svg_num(self.width * scale), height=svg_num(self.height * scale),
                   viewBox=f"0 0 {svg_num(self.width)} {svg_num(self.height)}", version="1.1",
                   nsmap={None: SVG_NS})
        root.set("class", "bpmn-diagram")
        root.set("font-family", FONT_FAMILY)
        root.set("font-size", svg_num(FONT_SIZE))
        for child in self.body:
            root.append(deepcopy(child))
        if with_text:
            texts = svg_child(root, "g", **{"class": "labels"})
            for label in self.labels:
                write_label(texts, label)
        return etree.tostring(root, encoding="unicode")

    def fit(self, max_width: float, max_height: float) -> float:
        """The scale (at most 1) that fits the drawing in a box."""
        return min(1.0, max_width / max(self.width, 1.0), max_height / max(self.height, 1.0))


def diagram_svg(bpmn_xml: str | bytes, done: dict[str, int] | None = None,
                active: list[str] | None = None, *, number=str) -> str:
    """An SVG of the diagram, done elements green with their run count, active ones orange."""
    return draw_diagram(bpmn_xml, done, active, number=number).svg()


def draw_diagram(bpmn_xml: str | bytes, done: dict[str, int] | None = None,
                 active: list[str] | None = None, *, number=str) -> Drawing:
    """Lay the diagram out: every BPMNPlane, one under the other; elements without DI skipped."""
    root = parse_diagram(bpmn_xml)
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    marks = RunMarks(done or {}, set(active or ()), number)
    drawing, top = Drawing(0.0, 0.0), MARGIN
    for plane in root.iterfind(".//bpmndi:BPMNPlane", DI_NS):
        box = plane_box(plane)
        if box is None:
            continue
        dx, dy = MARGIN - box[0], top - box[1]
        group = svg_element("g", transform=f"translate({svg_num(dx)},{svg_num(dy)})")
        group.set("class", "plane")
        labels = _draw_plane(plane, by_id, marks, group)
        drawing.body.append(group)
        drawing.labels += [Label(lb.text, lb.x + dx, lb.y + dy, lb.w, lb.h, lb.kind,
                                 lb.element_id) for lb in labels]
        drawing.width = max(drawing.width, box[2] - box[0] + 2 * MARGIN)
        top += box[3] - box[1] + PLANE_GAP
    drawing.height = max(top - PLANE_GAP + MARGIN, 2 * MARGIN)
    drawing.width = max(drawing.width, 2 * MARGIN)
    return drawing

def _draw_plane(plane, by_id: dict, marks: RunMarks, group) -> list[Label]:
    """Append the plane's shapes and edges to group; return its labels."""
    back, edges, front, labels = [], [], [], []
    for di in plane.iterfind("bpmndi:BPMNShape", DI_NS):
        el, b = by_id.get(di.get("bpmnElement")), bounds(di)
        if el is None or b is None:
            continue
        kind = bpmn_kind(el)
        expanded = kind in ACTIVITIES and di.get("isExpanded") == "true"
        layer = back if kind in CONTAINERS or expanded or kind == "group" else front
        layer.append((b[2] * b[3], draw_shape(el, kind, b, di, expanded, marks)))
        labels += shape_labels(el, kind, b, di, expanded)
    for di in plane.iterfind("bpmndi:BPMNEdge", DI_NS):
        el, points = by_id.get(di.get("bpmnElement")), waypoints(di)
        if el is None or len(points) < 2:
            continue
        edges.append(draw_edge(el, bpmn_kind(el), points, marks))
        labels += edge_labels(el, di, points)
    # Big containers first so that smaller ones (lanes in pools) are drawn over them.
    for _, node in sorted(back, key=lambda item: -item[0]):
        group.append(node)
    for node in edges + [node for _, node in front]:
        group.append(node)
    return labels
