"""An instance's dossier (facts, history, records, diagram) as JSON and as PDF.

URL table:
  GET  /audit/instances/<id>/dossier.json   dossier_json   (attachment, UTF-8, Persian as is)
  GET  /audit/instances/<id>/dossier.pdf    dossier_pdf    (A4, right to left, Vazirmatn)

Anyone who may view the instance may export it (people.access.can_view_instance: auditors and
the city-wide oversight roles see every district). Read-only.
"""
import io
import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Response, abort, current_app, render_template
from flask_babel import force_locale
from flask_login import current_user, login_required
from fontTools.ttLib import woff2
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from audit.diagram.svg import draw_diagram
from audit.dossier import instance_dossier
from models import Instance
from people import access

from ..db import db_session
from ..i18n import format_datetime, localize_digits
from . import bp

# Room for the diagram on its landscape A4 page (px at 96/in, inside the margins and heading).
DIAGRAM_BOX = (1030.0, 540.0)


def _viewable(instance_id: int) -> Instance:
    instance = db_session().get(Instance, instance_id)
    if instance is None:
        abort(404)
    if not access.can_view_instance(current_user, instance):
        abort(403)
    return instance


def _attachment(instance: Instance, extension: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="dossier-{instance.id}.{extension}"',
            "Cache-Control": "no-store"}


@bp.route("/instances/<int:instance_id>/dossier.json")
@login_required
def dossier_json(instance_id):
    instance = _viewable(instance_id)
    body = json.dumps(instance_dossier(db_session(), instance), ensure_ascii=False, indent=2,
                      default=str)
    return Response(body.encode("utf-8"), mimetype="application/json",
                    headers=_attachment(instance, "json"))


@bp.route("/instances/<int:instance_id>/dossier.pdf")
@login_required
def dossier_pdf(instance_id):
    instance = _viewable(instance_id)
    dossier = instance_dossier(db_session(), instance)
    with force_locale("fa"):  # the dossier is a Persian document whatever the page language
        html = render_template("audit/dossier_pdf.html", d=dossier, when=_when, digits=localize_digits,
                               drawing=_drawing(dossier["diagram"]), box=DIAGRAM_BOX)
        pdf = render_pdf(html)
    return Response(pdf, mimetype="application/pdf", headers=_attachment(instance, "pdf"))


def _when(iso_text: str | None, with_time: bool = True) -> str:
    """An ISO moment of the dossier as Solar Hijri Tehran time with Persian digits."""
    return format_datetime(datetime.fromisoformat(iso_text), with_time) if iso_text else ""


def _drawing(diagram: dict):
    return draw_diagram(diagram["bpmn_xml"], diagram["completed_elements"],
                        diagram["active_elements"], number=localize_digits)


class StaticFilesOnly(URLFetcher):
    """Hands WeasyPrint files of the static folder only: a dossier never fetches remote URLs."""

    def __init__(self, folder: str):
        super().__init__(allowed_protocols={"file"})
        self.folder = Path(folder).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = Path(url2pathname(parts.path)).resolve() if parts.scheme == "file" else None
        if path is None or not path.is_relative_to(self.folder) or not path.is_file():
            raise ValueError(f"Only files of the static folder are used: {url}")
        return URLFetcherResponse(path.as_uri(), _file_bytes(path))


_DECOMPRESSED: dict[tuple[Path, float], bytes] = {}


def _file_bytes(path: Path) -> bytes:
    """A file's bytes; a WOFF2 font decompressed once per process (~0.4 s per font otherwise)."""
    if path.suffix != ".woff2":
        return path.read_bytes()
    key = (path, path.stat().st_mtime)
    if key not in _DECOMPRESSED:
        out = io.BytesIO()
        woff2.decompress(io.BytesIO(path.read_bytes()), out)
        _DECOMPRESSED[key] = out.getvalue()
    return _DECOMPRESSED[key]


def render_pdf(html: str) -> bytes:
    """The PDF of a standalone page whose relative URLs point into the static folder."""
    static = Path(current_app.static_folder).resolve()
    return HTML(string=html, base_url=static.as_uri() + "/",
                url_fetcher=StaticFilesOnly(str(static))).write_pdf()
