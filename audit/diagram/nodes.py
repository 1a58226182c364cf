"""The few SVG element builders the diagram drawing uses (coordinates written short)."""
from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"


def svg_num(value: float) -> str:
    """A coordinate written short: 12, 12.5, never 12.000000001."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def svg_element(tag: str, nsmap=None, **attrs):
    """An SVG element with these attributes (numbers written short)."""
    node = etree.Element(f"{{{SVG_NS}}}{tag}", nsmap=nsmap)
    for key, value in attrs.items():
        node.set(key, svg_num(value) if isinstance(value, (int, float)) else str(value))
    return node


def svg_child(parent, tag: str, **attrs):
    """An SVG element appended to parent."""
    node = svg_element(tag, **attrs)
    parent.append(node)
    return node

