"""The shapes and edges of a BPMN drawing as SVG, done elements green, active ones orange."""
import math
from dataclasses import dataclass

from audit.diagram.di import ACTIVITIES, CONTAINERS, EVENTS, GATEWAYS, bpmn_kind
from audit.diagram.nodes import svg_child, svg_element, svg_num

DONE_FILL, DONE_STROKE, ACTIVE_STROKE = "#c8e6c9", "#2e7d32", "#ef6c00"


@dataclass
class RunMarks:
    """What the run did: done element ids with their counts, active ids, how to write a count."""
    done: dict
    active: set
    number: object


def draw_shape(el, kind: str, b, di, expanded: bool, marks: RunMarks):
    """One shape as an SVG group, coloured by its run marks."""
    x, y, w, h = b
    element_id = el.get("id")
    count = marks.done.get(element_id, 0)
    classes = ["shape", kind or "other"] + (["done"] if count else []) + (
        ["active"] if element_id in marks.active else [])
    g = svg_element("g", **{"class": " ".join(classes), "data-element-id": element_id})
    if count:
        g.set("data-done-count", str(count))
    fill = DONE_FILL if count else "#ffffff"
    stroke = ACTIVE_STROKE if element_id in marks.active else (DONE_STROKE if count else "#333333")
    width = "3" if element_id in marks.active else "1.5"
    style = {"fill": fill, "stroke": stroke, "stroke-width": width}
    if kind in CONTAINERS:
        svg_child(g, "rect", x=x, y=y, width=w, height=h, fill="none" if kind == "lane" else fill,
             stroke=stroke, **{"stroke-width": "1"})
        if kind == "participant" and di.get("isHorizontal") != "false":
            svg_child(g, "line", x1=x + 30, y1=y, x2=x + 30, y2=y + h, stroke=stroke)
    elif kind in ACTIVITIES:
        dash = {"stroke-dasharray": "6 3"} if kind == "adHocSubProcess" else {}
        svg_child(g, "rect", x=x, y=y, width=w, height=h, rx=10, ry=10, **style, **dash)
        if kind == "callActivity":
            svg_child(g, "rect", x=x + 2, y=y + 2, width=w - 4, height=h - 4, rx=8, fill="none",
                 stroke=stroke, **{"stroke-width": "3"})
        if kind in ("subProcess", "transaction") and not expanded:
            cx, by = x + w / 2, y + h - 14
            svg_child(g, "rect", x=cx - 6, y=by, width=12, height=12, fill="none", stroke=stroke)
            svg_child(g, "path", d=f"M{svg_num(cx - 4)},{svg_num(by + 6)}h8M{svg_num(cx)},{svg_num(by + 2)}v8",
                 stroke=stroke)
    elif kind in EVENTS:
        _event(g, el, kind, x, y, w, h, style)
    elif kind in GATEWAYS:
        _gateway(g, kind, x, y, w, h, style)
    elif kind == "textAnnotation":
        svg_child(g, "path", d=f"M{svg_num(x + 10)},{svg_num(y)}h-10v{svg_num(h)}h10", fill="none", stroke=stroke)
    elif kind == "group":
        svg_child(g, "rect", x=x, y=y, width=w, height=h, rx=10, fill="none", stroke=stroke,
             **{"stroke-dasharray": "8 4 2 4"})
    elif kind == "dataObjectReference" or kind == "dataObject":
        fold = min(12.0, w / 3)
        svg_child(g, "path", d=f"M{svg_num(x)},{svg_num(y)}h{svg_num(w - fold)}l{svg_num(fold)},{svg_num(fold)}"
             f"v{svg_num(h - fold)}h{svg_num(-w)}z", **style)
    elif kind == "dataStoreReference":
        svg_child(g, "path", d=f"M{svg_num(x)},{svg_num(y + 8)}v{svg_num(h - 16)}a{svg_num(w / 2)},8 0 0 0 {svg_num(w)},0"
             f"v{svg_num(16 - h)}a{svg_num(w / 2)},8 0 0 0 {svg_num(-w)},0a{svg_num(w / 2)},8 0 0 0 {svg_num(w)},0",
             **style)
    else:
        svg_child(g, "rect", x=x, y=y, width=w, height=h, **style)
    if count:
        _badge(g, x + w, y, marks.number(count))
    return g


def _event(g, el, kind: str, x, y, w, h, style) -> None:
    cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
    heavy = {**style, "stroke-width": "4"} if kind == "endEvent" else style
    svg_child(g, "circle", cx=cx, cy=cy, r=r, **heavy)
    if kind.startswith("intermediate") or kind == "boundaryEvent":
        svg_child(g, "circle", cx=cx, cy=cy, r=max(r - 3, 1), fill="none", stroke=style["stroke"])
    definitions = {bpmn_kind(child) for child in el}
    stroke = style["stroke"]
    if "timerEventDefinition" in definitions:
        svg_child(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill="#ffffff", stroke=stroke)
        svg_child(g, "path", d=f"M{svg_num(cx)},{svg_num(cy)}v{svg_num(-r * 0.4)}M{svg_num(cx)},{svg_num(cy)}h{svg_num(r * 0.3)}",
             stroke=stroke)
    elif "messageEventDefinition" in definitions:
        mw, mh = r * 0.9, r * 0.6
        svg_child(g, "rect", x=cx - mw / 2, y=cy - mh / 2, width=mw, height=mh, fill="#ffffff",
             stroke=stroke)
        svg_child(g, "path", d=f"M{svg_num(cx - mw / 2)},{svg_num(cy - mh / 2)}l{svg_num(mw / 2)},{svg_num(mh / 2)}"
             f"l{svg_num(mw / 2)},{svg_num(-mh / 2)}", fill="none", stroke=stroke)
    elif "terminateEventDefinition" in definitions:
        svg_child(g, "circle", cx=cx, cy=cy, r=r * 0.55, fill=stroke, stroke=stroke)


def _gateway(g, kind: str, x, y, w, h, style) -> None:
    cx, cy = x + w / 2, y + h / 2
    svg_child(g, "path", d=f"M{svg_num(cx)},{svg_num(y)}L{svg_num(x + w)},{svg_num(cy)}L{svg_num(cx)},{svg_num(y + h)}"
         f"L{svg_num(x)},{svg_num(cy)}Z", **style)
    s, stroke = min(w, h) * 0.2, style["stroke"]
    mark = {"stroke": stroke, "stroke-width": "3", "fill": "none"}
    if kind in ("exclusiveGateway", "complexGateway"):
        svg_child(g, "path", d=f"M{svg_num(cx - s)},{svg_num(cy - s)}l{svg_num(2 * s)},{svg_num(2 * s)}"
             f"M{svg_num(cx + s)},{svg_num(cy - s)}l{svg_num(-2 * s)},{svg_num(2 * s)}", **mark)
    if kind in ("parallelGateway", "complexGateway"):
        s2 = s * 1.3
        svg_child(g, "path", d=f"M{svg_num(cx)},{svg_num(cy - s2)}v{svg_num(2 * s2)}M{svg_num(cx - s2)},{svg_num(cy)}"
             f"h{svg_num(2 * s2)}", **mark)
    if kind in ("inclusiveGateway", "eventBasedGateway"):
        svg_child(g, "circle", cx=cx, cy=cy, r=s * 1.2, **{**mark, "stroke-width": "2"})


def _badge(g, x: float, y: float, text: str) -> None:
    badge = svg_child(g, "g", **{"class": "badge"})
    svg_child(badge, "circle", cx=x, cy=y, r=9, fill=DONE_STROKE, stroke="#ffffff")
    label = svg_child(badge, "text", x=x, y=y + 3.5, fill="#ffffff",
                 **{"text-anchor": "middle", "font-size": "9", "font-weight": "bold"})
    label.text = text


def draw_edge(el, kind: str, points, marks: RunMarks):
    """One flow or association as an SVG group, with its arrow head."""
    element_id = el.get("id")
    done = marks.done.get(element_id, 0) > 0
    stroke = DONE_STROKE if done else "#333333"
    g = svg_element("g", **{"class": " ".join(["edge", kind or "other"] + (["done"] if done else [])),
                    "data-element-id": element_id})
    dash = {"messageFlow": "8 4", "association": "2 3", "dataInputAssociation": "2 3",
            "dataOutputAssociation": "2 3"}.get(kind)
    attrs = {"stroke-dasharray": dash} if dash else {}
    svg_child(g, "polyline", points=" ".join(f"{svg_num(x)},{svg_num(y)}" for x, y in points), fill="none",
         stroke=stroke, **{"stroke-width": "1.5"}, **attrs)
    if kind in ("sequenceFlow", "messageFlow", "dataInputAssociation", "dataOutputAssociation"):
        (x1, y1), (x2, y2) = points[-2], points[-1]
        angle = math.atan2(y2 - y1, x2 - x1)
        tip = [(x2, y2)] + [(x2 - 10 * math.cos(angle + d), y2 - 10 * math.sin(angle + d))
                            for d in (0.4, -0.4)]
        svg_child(g, "polygon", points=" ".join(f"{svg_num(x)},{svg_num(y)}" for x, y in tip),
             fill="#ffffff" if kind == "messageFlow" else stroke, stroke=stroke)
    return g
