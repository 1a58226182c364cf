"""Checking uploads, keeping them, finding them, and disposing of them with their record.

An upload is refused, before anything is written, when its content is none of the accepted
types (documents.content, whatever its name says), when it does not fit the field's `accept`,
when it is empty or larger than DOCUMENTS_MAX_BYTES, or when the scan command does not pass it.
"""
import hashlib
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select

from models import Attachment, HumanTask, Instance, QualityRecord, utcnow
from models.errors import InvalidData
from people import access

from documents.content import matches_accept, sniff_type
from documents.scan import ScanRefused, scan_bytes
from documents.store import delete_after_commit, note_written, store_of

NAME_MAX_CHARS = 200


class UploadRefused(InvalidData):
    """An upload that is not kept; `reason` (type, accept, size, empty, scan) says why."""

    def __init__(self, reason: str, **params):
        super().__init__(_REASONS[reason], **params)
        self.reason = reason


_REASONS = {
    "empty": "The file is empty.",
    "size": "The file is larger than {limit}.",
    "type": "This type of file is not accepted: only JPEG, PNG, WebP or GIF images and PDF documents.",
    "accept": "This field does not take this type of file.",
    "scan": "The virus scan did not pass this file, so it was not kept.",
}


def size_text(size: int) -> str:
    """A size in words: "5 MB", "300 KB", "12 bytes" (the app translates the unit)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            amount = size / scale
            return f"{amount:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def check_upload(store, data: bytes, accept: str | None = None, max_bytes: int | None = None) -> str:
    """The content type of an upload that may be kept; UploadRefused otherwise (scan included)."""
    limit = max_bytes if max_bytes is not None else store.max_bytes
    if not data:
        raise UploadRefused("empty")
    if len(data) > limit:
        raise UploadRefused("size", limit=size_text(limit), limit_bytes=limit)
    content_type = sniff_type(data)
    if content_type is None:
        raise UploadRefused("type")
    if not matches_accept(content_type, accept):
        raise UploadRefused("accept")
    try:
        scan_bytes(store.scan_command, data, store.scan_timeout)
    except ScanRefused as exc:
        raise UploadRefused("scan") from exc
    return content_type


def clean_name(name: str | None) -> str:
    """The original file name, without directories or control characters, at most 200 characters."""
    text = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    return text[-NAME_MAX_CHARS:] or "file"


def add_attachment(session, instance: Instance, task: HumanTask | None, field_key: str,
                   name: str | None, data: bytes, content_type: str, user) -> Attachment:
    """Keep checked bytes (check_upload) in the storage and their row; flushes.

    The bytes are written first under a fresh random key; if the transaction rolls back they
    are removed again (documents.store)."""
    now = utcnow()
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}"
    store_of(session).storage.put(key, data)
    note_written(session, key)
    attachment = Attachment(instance_id=instance.id, task_id=task.id if task is not None else None,
                            field_key=field_key, original_name=clean_name(name),
                            content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                            uploaded_by_id=user.id if user is not None else None, uploaded_at=now)
    session.add(attachment)
    session.flush()
    return attachment


def read_attachment(session, attachment: Attachment) -> bytes | None:
    """The bytes of an attachment; None once disposed of or when the storage lost them."""
    if attachment.disposed_at is not None:
        return None
    try:
        return store_of(session).storage.get(attachment.storage_key)
    except FileNotFoundError:
        return None


def visible_attachment(session, attachment_id: int, user) -> Attachment | None:
    """The attachment when the user may see its instance (people.access); None if there is none.

    PermissionError when it exists but belongs to an instance the user may not see."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    instance = session.get(Instance, attachment.instance_id)
    if instance is None or not access.can_view_instance(user, instance):
        raise PermissionError(attachment_id)
    return attachment


def attachments_of_instance(session, instance_id: int) -> list[Attachment]:
    """Every attachment of an instance (disposed ones too), in upload order."""
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def attachments_of_task(session, task_id: int) -> list[Attachment]:
    """The attachments a task's form took, in upload order."""
    return list(session.scalars(select(Attachment).where(Attachment.task_id == task_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def attachment_ids_in(value) -> list[int]:
    """The attachment ids a file field's value holds (a list of ids, or one id); junk is skipped."""
    items = value if isinstance(value, list) else [value]
    ids = []
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
            number = int(item)
            if 0 < number < 2**31 and number not in ids:
                ids.append(number)
    return ids


def attachments_of_record(session, record: QualityRecord) -> list[Attachment]:
    """The files a record carries, kept and destroyed with it: those the form of its task took;
    the first record of an instance (the one that registered the case) also carries the files
    of tasks that made no record of their own (a follow-up form's, the citizen's photo)."""
    if record.instance_id is None:
        return []
    records = session.execute(select(QualityRecord.id, QualityRecord.human_task_id).where(
        QualityRecord.instance_id == record.instance_id).order_by(QualityRecord.id)).all()
    record_tasks = {task_id for _id, task_id in records if task_id is not None}
    first = records[0][0] if records else None
    return [a for a in attachments_of_instance(session, record.instance_id)
            if (a.task_id is not None and a.task_id == record.human_task_id)
            or (record.id == first and a.task_id not in record_tasks)]


def dispose_attachments(session, attachments: Iterable[Attachment], now=None) -> list[Attachment]:
    """Mark attachments disposed of and delete their bytes once the transaction commits."""
    now, done = now or utcnow(), []
    for attachment in attachments:
        if attachment.disposed_at is not None:
            continue
        attachment.disposed_at = now
        delete_after_commit(session, attachment.storage_key)
        done.append(attachment)
    session.flush()
    return done
