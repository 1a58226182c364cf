"""A BPMN diagram drawn on the server as SVG from its DI (shapes, edges, labels, run marks)."""
import math
from copy import deepcopy
import re
from dataclasses import dataclass, field

from lxml import etree

from .errors import BpmnError, BpmnValidationError
from .xmlsafe import _dtd_line, _safe_parser, _to_bytes

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
         "dc": "http://www.omg.org/spec/DD/20100524/DC",
         "di": "http://www.omg.org/spec/DD/20100524/DI"}
SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "Vazirmatn, Tahoma, sans-serif"
FONT_SIZE = 11.0
MARGIN = 12.0
PLANE_GAP = 40.0
DONE_FILL, DONE_STROKE, ACTIVE_STROKE = "#c8e6c9", "#2e7d32", "#ef6c00"
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")

ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
              "adHocSubProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}
CONTAINERS = {"participant", "lane"}


@dataclass
class Label:
    """A name to write in a box of the drawing (coordinates of the final SVG)."""
    text: str
    x: float
    y: float
    w: float
    h: float
    kind: str          # inside (centred), top, band (rotated, pools and lanes), outside, note
    element_id: str

    @property
    def rtl(self) -> bool:
        return bool(_RTL.search(self.text))


@dataclass
class Drawing:
    """The shapes and edges of every plane (as SVG elements, no text) and their labels."""
    width: float
    height: float
    body: list = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def svg(self, with_text: bool = True, scale: float = 1.0) -> str:
        """The SVG document (scaled); without text when the caller writes the labels itself."""
        root = _el("svg", width=_n(self.width * scale), height=_n(self.height * scale),
                   viewBox=f"0 0 {_n(self.width)} {_n(self.height)}", version="1.1",
                   nsmap={None: SVG_NS})
        root.set("class", "bpmn-diagram")
        root.set("font-family", FONT_FAMILY)
        root.set("font-size", _n(FONT_SIZE))
        for child in self.body:
            root.append(_copy(child))
        if with_text:
            texts = _sub(root, "g", **{"class": "labels"})
            for label in self.labels:
                _text(texts, label)
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
    root = _parse(bpmn_xml)
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    marks = _Marks(done or {}, set(active or ()), number)
    drawing, top = Drawing(0.0, 0.0), MARGIN
    for plane in root.iterfind(".//bpmndi:BPMNPlane", DI_NS):
        box = _plane_box(plane)
        if box is None:
            continue
        dx, dy = MARGIN - box[0], top - box[1]
        group = _el("g", transform=f"translate({_n(dx)},{_n(dy)})")
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


# ---------------------------------------------------------------- parsing

def _parse(bpmn_xml: str | bytes):
    """The root element, parsed without DTDs, entities or network (engine.xmlsafe)."""
    data = _to_bytes(bpmn_xml)
    if _dtd_line(data):
        raise BpmnValidationError([BpmnError("The file contains a DOCTYPE; it is not drawn.")])
    try:
        return etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise BpmnValidationError([BpmnError(f"The file is not well-formed XML: {exc.msg}",
                                             line=exc.lineno)]) from None


def _bounds(node) -> tuple[float, float, float, float] | None:
    found = node.find("dc:Bounds", DI_NS)
    if found is None:
        return None
    try:
        x, y, w, h = (float(found.get(k, "")) for k in ("x", "y", "width", "height"))
    except ValueError:
        return None
    return (x, y, w, h) if all(map(math.isfinite, (x, y, w, h))) else None


def _waypoints(edge) -> list[tuple[float, float]]:
    points = []
    for wp in edge.iterfind("di:waypoint", DI_NS):
        try:
            x, y = float(wp.get("x", "")), float(wp.get("y", ""))
        except ValueError:
            continue
        if math.isfinite(x) and math.isfinite(y):
            points.append((x, y))
    return points


def _plane_box(plane) -> tuple[float, float, float, float] | None:
    """(min x, min y, max x, max y) over the plane's shapes, labels and waypoints."""
    xs, ys = [], []
    for node in plane.iter():
        if not isinstance(node.tag, str):
            continue
        b = _bounds(node) if etree.QName(node).localname in ("BPMNShape", "BPMNLabel") else None
        if b:
            xs += [b[0], b[0] + b[2]]
            ys += [b[1], b[1] + b[3]]
        if etree.QName(node).localname == "BPMNEdge":
            for x, y in _waypoints(node):
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _local(el) -> str:
    qname = etree.QName(el)
    return qname.localname if qname.namespace in (BPMN_NS, None) else ""


def _name(el) -> str:
    if _local(el) == "textAnnotation":
        node = el.find(f"{{{BPMN_NS}}}text")
        return " ".join((node.text or "").split()) if node is not None else ""
    return " ".join((el.get("name") or "").split())


# ---------------------------------------------------------------- drawing

@dataclass
class _Marks:
    done: dict
    active: set
    number: object


def _draw_plane(plane, by_id: dict, marks: _Marks, group) -> list[Label]:
    """Append the plane's shapes and edges to group; return its labels."""
    back, edges, front, labels = [], [], [], []
    for di in plane.iterfind("bpmndi:BPMNShape", DI_NS):
        el, b = by_id.get(di.get("bpmnElement")), _bounds(di)
        if el is None or b is None:
            continue
        kind = _local(el)
        expanded = kind in ACTIVITIES and di.get("isExpanded") == "true"
        layer = back if kind in CONTAINERS or expanded or kind == "group" else front
        layer.append((b[2] * b[3], _shape(el, kind, b, di, expanded, marks)))
        labels += _shape_labels(el, kind, b, di, expanded)
    for di in plane.iterfind("bpmndi:BPMNEdge", DI_NS):
        el, points = by_id.get(di.get("bpmnElement")), _waypoints(di)
        if el is None or len(points) < 2:
            continue
        edges.append(_edge(el, _local(el), points, marks))
        labels += _edge_labels(el, di, points)
    # Big containers first so that smaller ones (lanes in pools) are drawn over them.
    for _, node in sorted(back, key=lambda item: -item[0]):
        group.append(node)
    for node in edges + [node for _, node in front]:
        group.append(node)
    return labels


def _shape(el, kind: str, b, di, expanded: bool, marks: _Marks):
    x, y, w, h = b
    element_id = el.get("id")
    count = marks.done.get(element_id, 0)
    classes = ["shape", kind or "other"] + (["done"] if count else []) + (
        ["active"] if element_id in marks.active else [])
    g = _el("g", **{"class": " ".join(classes), "data-element-id": element_id})
    if count:
        g.set("data-done-count", str(count))
    fill = DONE_FILL if count else "#ffffff"
    stroke = ACTIVE_STROKE if element_id in marks.active else (DONE_STROKE if count else "#333333")
    width = "3" if element_id in marks.active else "1.5"
    style = {"fill": fill, "stroke": stroke, "stroke-width": width}
    if kind in CONTAINERS:
        _sub(g, "rect", x=x, y=y, width=w, height=h, fill="none" if kind == "lane" else fill,
             stroke=stroke, **{"stroke-width": "1"})
        if kind == "participant" and di.get("isHorizontal") != "false":
            _sub(g, "line", x1=x + 30, y1=y, x2=x + 30, y2=y + h, stroke=stroke)
    elif kind in ACTIVITIES:
        dash = {"stroke-dasharray": "6 3"} if kind == "adHocSubProcess" else {}
        _sub(g, "rect", x=x, y=y, width=w, height=h, rx=10, ry=10, **style, **dash)
        if kind == "callActivity":
            _sub(g, "rect", x=x + 2, y=y + 2, width=w - 4, height=h - 4, rx=8, fill="none",
                 stroke=stroke, **{"stroke-width": "3"})
        if kind in ("subProcess", "transaction") and not expanded:
            cx, by = x + w / 2, y + h - 14
            _sub(g, "rect", x=cx - 6, y=by, width=12, height=12, fill="none", stroke=stroke)
            _sub(g, "path", d=f"M{_n(cx - 4)},{_n(by + 6)}h8M{_n(cx)},{_n(by + 2)}v8",
                 stroke=stroke)
    elif kind in EVENTS:
        _event(g, el, kind, x, y, w, h, style)
    elif kind in GATEWAYS:
        _gateway(g, kind, x, y, w, h, style)
    elif kind == "textAnnotation":
        _sub(g, "path", d=f"M{_n(x + 10)},{_n(y)}h-10v{_n(h)}h10", fill="none", stroke=stroke)
    elif kind == "group":
        _sub(g, "rect", x=x, y=y, width=w, height=h, rx=10, fill="none", stroke=stroke,
             **{"stroke-dasharray": "8 4 2 4"})
    elif kind == "dataObjectReference" or kind == "dataObject":
        fold = min(12.0, w / 3)
        _sub(g, "path", d=f"M{_n(x)},{_n(y)}h{_n(w - fold)}l{_n(fold)},{_n(fold)}"
             f"v{_n(h - fold)}h{_n(-w)}z", **style)
    elif kind == "dataStoreReference":
        _sub(g, "path", d=f"M{_n(x)},{_n(y + 8)}v{_n(h - 16)}a{_n(w / 2)},8 0 0 0 {_n(w)},0"
             f"v{_n(16 - h)}a{_n(w / 2)},8 0 0 0 {_n(-w)},0a{_n(w / 2)},8 0 0 0 {_n(w)},0",
             **style)
    else:
        _sub(g, "rect", x=x, y=y, width=w, height=h, **style)
    if count:
        _badge(g, x + w, y, marks.number(count))
    return g


def _event(g, el, kind: str, x, y, w, h, style) -> None:
    cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
    heavy = {**style, "stroke-width": "4"} if kind == "endEvent" else style
    _sub(g, "circle", cx=cx, cy=cy, r=r, **heavy)
    if kind.startswith("intermediate") or kind == "boundaryEvent":
        _sub(g, "circle", cx=cx, cy=cy, r=max(r - 3, 1), fill="none", stroke=style["stroke"])
    definitions = {_local(child) for child in el}
    stroke = style["stroke"]
    if "timerEventDefinition" in definitions:
        _sub(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill="#ffffff", stroke=stroke)
        _sub(g, "path", d=f"M{_n(cx)},{_n(cy)}v{_n(-r * 0.4)}M{_n(cx)},{_n(cy)}h{_n(r * 0.3)}",
             stroke=stroke)
    elif "messageEventDefinition" in definitions:
        mw, mh = r * 0.9, r * 0.6
        _sub(g, "rect", x=cx - mw / 2, y=cy - mh / 2, width=mw, height=mh, fill="#ffffff",
             stroke=stroke)
        _sub(g, "path", d=f"M{_n(cx - mw / 2)},{_n(cy - mh / 2)}l{_n(mw / 2)},{_n(mh / 2)}"
             f"l{_n(mw / 2)},{_n(-mh / 2)}", fill="none", stroke=stroke)
    elif "terminateEventDefinition" in definitions:
        _sub(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill=stroke, stroke=stroke)


def _gateway(g, kind: str, x, y, w, h, style) -> None:
    cx, cy = x + w / 2, y + h / 2
    _sub(g, "path", d=f"M{_n(cx)},{_n(y)}L{_n(x + w)},{_n(cy)}L{_n(cx)},{_n(y + h)}"
         f"L{_n(x)},{_n(cy)}Z", **style)
    s, stroke = min(w, h) * 0.2, style["stroke"]
    mark = {"stroke": stroke, "stroke-width": "3", "fill": "none"}
    if kind in ("exclusiveGateway", "complexGateway"):
        _sub(g, "path", d=f"M{_n(cx - s)},{_n(cy - s)}l{_n(2 * s)},{_n(2 * s)}"
             f"M{_n(cx + s)},{_n(cy - s)}l{_n(-2 * s)},{_n(2 * s)}", **mark)
    if kind in ("parallelGateway", "complexGateway"):
        s2 = s * 1.3
        _sub(g, "path", d=f"M{_n(cx)},{_n(cy - s2)}v{_n(2 * s2)}M{_n(cx - s2)},{_n(cy)}"
             f"h{_n(2 * s2)}", **mark)
    if kind in ("inclusiveGateway", "eventBasedGateway"):
        _sub(g, "circle", cx=cx, cy=cy, r=s * 1.2, **{**mark, "stroke-width": "2"})


def _badge(g, x: float, y: float, text: str) -> None:
    badge = _sub(g, "g", **{"class": "badge"})
    _sub(badge, "circle", cx=x, cy=y, r=9, fill=DONE_STROKE, stroke="#ffffff")
    label = _sub(badge, "text", x=x, y=y + 3.5, fill="#ffffff",
                 **{"text-anchor": "middle", "font-size": "9", "font-weight": "bold"})
    label.text = text


def _edge(el, kind: str, points, marks: _Marks):
    element_id = el.get("id")
    done = marks.done.get(element_id, 0) > 0
    stroke = DONE_STROKE if done else "#333333"
    g = _el("g", **{"class": " ".join(["edge", kind or "other"] + (["done"] if done else [])),
                    "data-element-id": element_id})
    dash = {"messageFlow": "8 4", "association": "2 3", "dataInputAssociation": "2 3",
            "dataOutputAssociation": "2 3"}.get(kind)
    attrs = {"stroke-dasharray": dash} if dash else {}
    _sub(g, "polyline", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in points), fill="none",
         stroke=stroke, **{"stroke-width": "1.5"}, **attrs)
    if kind in ("sequenceFlow", "messageFlow", "dataInputAssociation", "dataOutputAssociation"):
        (x1, y1), (x2, y2) = points[-2], points[-1]
        angle = math.atan2(y2 - y1, x2 - x1)
        tip = [(x2, y2)] + [(x2 - 10 * math.cos(angle + d), y2 - 10 * math.sin(angle + d))
                            for d in (0.4, -0.4)]
        _sub(g, "polygon", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in tip),
             fill="#ffffff" if kind == "messageFlow" else stroke, stroke=stroke)
    return g


# ---------------------------------------------------------------- labels

def _label_bounds(di):
    label = di.find("bpmndi:BPMNLabel", DI_NS)
    return _bounds(label) if label is not None else None


def _shape_labels(el, kind: str, b, di, expanded: bool) -> list[Label]:
    text, (x, y, w, h) = _name(el), b
    if not text:
        return []
    element_id = el.get("id")
    if kind in CONTAINERS:
        if di.get("isHorizontal") == "false":
            return [Label(text, x + 4, y + 2, w - 8, 24, "top", element_id)]
        return [Label(text, x, y, 30, h, "band", element_id)]
    if kind in ACTIVITIES and not expanded:
        return [Label(text, x + 4, y + 4, w - 8, h - 8, "inside", element_id)]
    if expanded or kind == "group":
        return [Label(text, x + 6, y + 4, w - 12, 20, "top", element_id)]
    if kind == "textAnnotation":
        return [Label(text, x + 4, y + 2, w - 6, h - 4, "note", element_id)]
    lb = _label_bounds(di)
    if lb is not None:
        return [Label(text, lb[0], lb[1], max(lb[2], 40), max(lb[3], 14), "outside", element_id)]
    return [Label(text, x + w / 2 - 50, y + h + 4, 100, 28, "outside", element_id)]


def _edge_labels(el, di, points) -> list[Label]:
    text = _name(el)
    if not text:
        return []
    lb = _label_bounds(di)
    if lb is None:
        (x1, y1), (x2, y2) = points[(len(points) - 1) // 2], points[(len(points) - 1) // 2 + 1]
        lb = ((x1 + x2) / 2 - 40, (y1 + y2) / 2 - 16, 80, 14)
    return [Label(text, lb[0], lb[1], max(lb[2], 40), max(lb[3], 14), "outside", el.get("id"))]


def wrap(text: str, width: float, font_size: float = FONT_SIZE) -> list[str]:
    """Words in lines of about width units (an average glyph is ~0.55 em)."""
    per_line = max(int(width / (font_size * 0.55)), 4)
    lines, line = [], ""
    for word in text.split():
        while len(word) > per_line:  # a word longer than the box is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        if line and len(line) + 1 + len(word) > per_line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def _text(parent, label: Label) -> None:
    """One label as <text>: centred lines, or rotated along a pool's or lane's band."""
    band = label.kind == "band"
    box_w = label.h if band else label.w
    lines = wrap(label.text, box_w)
    line_h = FONT_SIZE * 1.3
    if label.kind in ("inside", "band"):
        lines = lines[:max(int((label.w if band else label.h) / line_h), 1)]
    cx, cy = label.x + label.w / 2, label.y + label.h / 2
    anchor, tx = "middle", cx
    if label.kind in ("top", "note"):
        # "start" is the right edge in a right-to-left text: the name begins at the corner.
        anchor, tx = "start", (label.x + label.w if label.rtl else label.x)
    first_y = cy - (len(lines) - 1) * line_h / 2 + FONT_SIZE * 0.35
    if label.kind in ("top", "note", "outside"):
        first_y = label.y + FONT_SIZE
    attrs = {"class": f"label {label.kind}", "data-element-id": label.element_id,
             "text-anchor": anchor, "direction": "rtl" if label.rtl else "ltr",
             "unicode-bidi": "embed", "font-family": FONT_FAMILY}
    if band:
        attrs["transform"] = f"rotate(-90 {_n(cx)} {_n(cy)})"
    node = _sub(parent, "text", x=tx, y=first_y, **attrs)
    node.set("style", f"direction:{attrs['direction']};unicode-bidi:embed")
    for i, line in enumerate(lines):
        span = _sub(node, "tspan", x=tx, dy=0 if i == 0 else line_h)
        span.text = line


# ---------------------------------------------------------------- SVG helpers

def _n(value: float) -> str:
    """A coordinate written short: 12, 12.5, never 12.000000001."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _el(tag: str, nsmap=None, **attrs):
    node = etree.Element(f"{{{SVG_NS}}}{tag}", nsmap=nsmap)
    for key, value in attrs.items():
        node.set(key, _n(value) if isinstance(value, (int, float)) else str(value))
    return node


def _sub(parent, tag: str, **attrs):
    node = _el(tag, **attrs)
    parent.append(node)
    return node


def _copy(node):
    return deepcopy(node)
