"""The files a task page's form posts: checked, kept, and their ids put into the data.

The task page posts multipart; for each file field (form-js filepicker) of the task's form,
`take_uploads` checks every new file (documents.check_upload: type by content, the field's
accept, size, virus scan) before anything is written, refuses the post with a Persian message
per field when one fails, and otherwise keeps the files as attachments of the instance and the
task and sets the field to the ids of the files it keeps (the earlier ones still ticked, then
the new ones; a single-file field takes the new file in place of the old). The task's data
holds these references, never bytes. Written files of a post refused later (another field) are
removed again when the request's transaction rolls back (documents.store).
"""
import json
from collections.abc import Mapping

from flask_babel import gettext as _

from documents import UploadRefused, add_attachment, attachment_ids_in, check_upload, store_of
from formjs.validation import is_readonly, iter_components
from models import Attachment
from models.errors import InvalidData
from people import access

from .. import task_service


def _file_fields(components, prefix: str = "", out: list | None = None) -> list:
    """(name, path keys, component) of every file field people fill in (not in a list's rows)."""
    out = [] if out is None else out
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            _file_fields(comp.get("components"), f"{prefix}{path}." if path else prefix, out)
        elif kind == "filepicker" and comp.get("key") and not is_readonly(comp):
            out.append((prefix + comp["key"], comp))
    return out


def refusal_text(error: UploadRefused) -> str:
    """Why an upload was refused, in the page's language."""
    params = dict(error.params)
    if "limit_bytes" in params:
        from . import file_size  # the size in the page's language (this module is imported by it)
        params["limit"] = file_size(params["limit_bytes"])
    return _(error.template).format(**params)


def _set(values: dict, name: str, ids: list[int]) -> None:
    *groups, key = name.split(".")
    target = values
    for group in groups:
        inner = target.get(group)
        target = target.setdefault(group, {}) if isinstance(inner, Mapping) or inner is None else {}
    target[key] = ids


def _get(values: Mapping, name: str):
    current = values
    for part in name.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def take_uploads(session, task, schema, values: dict, files, user) -> dict:
    """Keep the files posted for the task's file fields; the data with their ids (see above).

    InvalidData (details: field name -> Persian message) when a file is refused: then nothing
    was written. Nothing is taken for a user who may not act on the task (the completion
    refuses them)."""
    fields = _file_fields((schema or {}).get("components"))
    if not fields or task.status != "ready" or not access.can_act_on_task(user, task):
        return values
    store, errors, taken = store_of(session), {}, []
    for name, comp in fields:
        posted = [f for f in files.getlist(name) if f and f.filename]
        kept = _kept(session, task, name, _get(values, name))
        checked = []
        for upload in posted:
            data = upload.read(store.max_bytes + 1)
            try:
                checked.append((upload.filename, data, check_upload(store, data, comp.get("accept"))))
            except UploadRefused as exc:
                errors[name] = refusal_text(exc)
                break
        if len(posted) > 1 and not comp.get("multiple"):
            errors.setdefault(name, _("This field takes one file only."))
        taken.append((name, kept, checked, bool(comp.get("multiple"))))
    if errors:
        raise InvalidData("Some files were not accepted.", errors)
    instance = task.instance
    for name, kept, checked, multiple in taken:
        new = [add_attachment(session, instance, task, name, filename, data, content_type, user).id
               for filename, data, content_type in checked]
        if new or _get(values, name) is not None:
            _set(values, name, (kept + new) if multiple else (new[:1] or kept[:1]))
    return values


def _kept(session, task, name: str, value) -> list[int]:
    """The posted ids that really are this instance's files of this field (forged ones are dropped)."""
    ids = attachment_ids_in(value)
    if not ids:
        return []
    rows = session.query(Attachment).filter(Attachment.id.in_(ids),
                                            Attachment.instance_id == task.instance_id,
                                            Attachment.field_key == name,
                                            Attachment.disposed_at.is_(None))
    valid = {a.id for a in rows}
    return [i for i in ids if i in valid]



def api_task_data(session, task_id: int, user, req) -> tuple[object, object]:
    """(data, task) of `POST /api/v1/tasks/<id>/complete`: the data with its file fields
    resolved as on the task page (a JSON body's `data`, or a multipart body whose field `data`
    holds that JSON and whose files come under their field's name; ids that are not this
    instance's files of that field are dropped), and the task it loaded (None if it did not),
    with its instance's stored workflow: the caller holding it keeps it in the session's
    identity map, so the completion finds it there instead of loading it again (issue 21)."""
    if req.files or req.mimetype == "multipart/form-data":
        try:
            data = json.loads(req.form.get("data") or "{}")
        except ValueError:
            raise InvalidData("The request body must be a JSON object.") from None
    else:
        body = req.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidData("The request body must be a JSON object.")
        data = body.get("data")
    if not isinstance(data, dict):
        return data, None
    opened = task_service.open_task(session, task_id, user, with_state=True)
    return take_uploads(session, opened.task, opened.schema, dict(data), req.files, user), opened.task
