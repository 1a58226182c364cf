"""Attachments: a file's page (download, inline preview) and what templates ask about files.

URL table:
  GET  /attachments/<id>            attachment   (the bytes, inline for images and PDF;
                                                  ?download=1 to save; whoever may see the
                                                  instance, people.access)

Template globals: instance_attachments(instance_id) and record_attachments(record) for
documents/_attachments.html,
attachments_by_ids(ids) for a file field's kept files (forms/_filepicker.html), file_size(n).
The task page takes uploads with app.documents.uploads.take_uploads.
"""
from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from documents import (attachment_ids_in, attachments_of_record, read_attachment,
                       visible_attachment)
from documents.content import IMAGE_TYPES
from documents.store import uncommitted_keys
from models import Attachment, Instance
from people import access
from workcal.jalali import to_persian_digits

from ..db import db_session
from ..i18n import is_rtl, localize_digits

bp = Blueprint("documents", __name__)
INLINE_TYPES = IMAGE_TYPES | {"application/pdf"}


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id):
    session = db_session()
    try:
        found = visible_attachment(session, attachment_id, current_user)
    except PermissionError:
        abort(403)
    if found is None:
        abort(404)
    data = read_attachment(session, found)
    if data is None:
        message = (_("This file was destroyed with its record when the retention period ended.")
                   if found.disposed_at else _("This file is missing from the document storage."))
        return render_template("error.html", message=message), 410 if found.disposed_at else 404
    inline = found.content_type in INLINE_TYPES and request.args.get("download") != "1"
    response = send_file(BytesIO(data), mimetype=found.content_type, as_attachment=not inline,
                         download_name=found.original_name, max_age=0)
    # The bytes are someone's upload: never let a browser guess another type, and never let
    # an image run anything. (Chromium shows no PDF in a sandboxed document, so a PDF is only
    # kept from loading anything else.)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox" if found.content_type in IMAGE_TYPES
        else "default-src 'none'; object-src 'self'")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def instance_attachments(instance_id) -> list:
    """The attachments of an instance the current user may see (empty otherwise)."""
    session = db_session()
    instance = session.get(Instance, instance_id) if instance_id else None
    if instance is None or not access.can_view_instance(current_user, instance):
        return []
    written = uncommitted_keys(session)
    return [a for a in session.query(Attachment).filter(Attachment.instance_id == instance.id)
            .order_by(Attachment.uploaded_at, Attachment.id) if a.storage_key not in written]


@bp.app_template_global()
def record_attachments(record) -> list:
    """The files a quality record carries (documents.attachments_of_record), if the user may see them."""
    if record is None or not record.instance_id:
        return []
    visible = {a.id for a in instance_attachments(record.instance_id)}
    return [a for a in attachments_of_record(db_session(), record) if a.id in visible]


@bp.app_template_global()
def attachments_by_ids(value) -> list:
    """The attachments a file field's value names, kept and visible to the current user."""
    ids = attachment_ids_in(value)
    if not ids:
        return []
    session, written = db_session(), uncommitted_keys(db_session())
    found = {a.id: a for a in session.query(Attachment).filter(Attachment.id.in_(ids))}
    shown = []
    for attachment_id in ids:
        item = found.get(attachment_id)
        if item is None or item.disposed_at is not None or item.storage_key in written:
            continue
        instance = session.get(Instance, item.instance_id)
        if instance is not None and access.can_view_instance(current_user, instance):
            shown.append(item)
    return shown


@bp.app_template_global()
def file_size(size) -> str:
    """A file's size in the page's language: ۱٫۲ مگابایت / 1.2 MB."""
    size = int(size or 0)
    if size >= 1024 * 1024:
        amount, unit = size / (1024 * 1024), _("MB")
    elif size >= 1024:
        amount, unit = size / 1024, _("KB")
    else:
        return _("%(n)s bytes", n=localize_digits(size))
    text = f"{amount:.1f}".rstrip("0").rstrip(".")
    return f"{to_persian_digits(text, decimal_sign=True) if is_rtl() else text} {unit}"
