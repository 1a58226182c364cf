"""Open311 output: one document rendered as JSON or XML, errors in the spec's shape, W3C times.

GeoReport v2 documents are lists of flat records (services, service_requests, errors); the
XML form names the list and its items (<service_requests><request>...). Empty values are
null in JSON and empty elements in XML; Persian text is sent as UTF-8, not escaped.
"""
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from flask import Response

from workcal import jalali

from ..i18n import local_zone
from ..input_guard import strip_forbidden_characters

FORMATS = ("json", "xml")
_MIMETYPES = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}


# Dates a client may ask for: far enough for any request, near enough that a window of 90 days
# before or a time zone's offset never leaves what datetime and the databases hold.
MIN_YEAR, MAX_YEAR = 1900, 2999


class Open311Error(Exception):
    """An answer in Open311's error shape: one (code, description) per problem."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def w3c(moment: datetime | None) -> str | None:
    """A naive-UTC datetime as W3C local time with its offset (2026-11-25T10:30:00+03:30)."""
    if moment is None:
        return None
    return jalali.local_time(moment, local_zone()).isoformat(timespec="seconds")


def parse_w3c(name: str, text: str) -> datetime:
    """A W3C datetime parameter as naive UTC; no offset means the city's local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime such as 2026-11-20T00:00:00Z "
                                f"or 2026-11-20T00:00:00+03:30; got {text!r}.") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise Open311Error(400, f"{name} must be a date between the years {MIN_YEAR} and {MAX_YEAR}; "
                                f"got {text!r}.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    # Text stored before the input guard may hold characters XML cannot carry: the document
    # must parse for every client all the same.
    return strip_forbidden_characters(str(value))


def _xml_item(tag: str, record: dict) -> ET.Element:
    item = ET.Element(tag)
    for key, value in record.items():
        child = ET.SubElement(item, key)
        if isinstance(value, list):  # a service definition's attributes
            for entry in value:
                child.append(_xml_item("attribute", entry))
        else:
            child.text = _xml_text(value)
    return item


def render(fmt: str, root: str, item: str, records: list[dict] | dict, status: int = 200) -> Response:
    """A list of records (or one record, e.g. a service definition) in the requested format."""
    if fmt == "json":
        body = json.dumps(records, ensure_ascii=False)
    elif isinstance(records, dict):
        body = ET.tostring(_xml_item(root, records), encoding="utf-8", xml_declaration=True)
    else:
        element = ET.Element(root)
        for record in records:
            element.append(_xml_item(item, record))
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, mimetype=None, content_type=_MIMETYPES[fmt])


def render_error(fmt: str, error: Open311Error) -> Response:
    """Errors as [{"code": 400, "description": ...}] or <errors><error>...</error></errors>."""
    records = [{"code": error.status, "description": text} for text in error.descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", "error", records, error.status)
