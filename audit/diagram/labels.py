"""The names written on a BPMN drawing: where each goes, how it wraps, right to left or not."""
import re
from dataclasses import dataclass

from audit.diagram.di import ACTIVITIES, CONTAINERS, DI_NS, bounds, element_name
from audit.diagram.nodes import svg_child, svg_num

FONT_FAMILY = "Vazirmatn, Tahoma, sans-serif"
FONT_SIZE = 11.0
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


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



def _label_bounds(di):
    label = di.find("bpmndi:BPMNLabel", DI_NS)
    return bounds(label) if label is not None else None


def shape_labels(el, kind: str, b, di, expanded: bool) -> list[Label]:
    """Where a shape's name is written: inside, on top, along a band or outside."""
    text, (x, y, w, h) = element_name(el), b
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


def edge_labels(el, di, points) -> list[Label]:
    """Where a flow's name is written: its DI label, else the middle of the flow."""
    text = element_name(el)
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


def write_label(parent, label: Label) -> None:
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
        attrs["transform"] = f"rotate(-90 {svg_num(cx)} {svg_num(cy)})"
    node = svg_child(parent, "text", x=tx, y=first_y, **attrs)
    node.set("style", f"direction:{attrs['direction']};unicode-bidi:embed")
    for i, line in enumerate(lines):
        span = svg_child(node, "tspan", x=tx, dy=0 if i == 0 else line_h)
        span.text = line
