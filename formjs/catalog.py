"""The forms there are: the files in forms/ and the forms a process owner made in the editor
(stored only as versions in form_versions, version 1 saved by that owner)."""
from sqlalchemy import select

from models import utcnow
from models.forms import FormVersion

from models.errors import Conflict, InvalidData
from formjs.version_cache import note_saved
from formjs.versions import content_sha256
from formjs.forms import InvalidFormKey, check_form_key, list_forms

TITLE_MAX_CHARS = 200
KEY_MAX_CHARS = 120  # form_versions.form_key


def all_form_keys(session) -> list[str]:
    """Every form key, sorted: the files and the forms made in the editor."""
    stored = session.scalars(select(FormVersion.form_key).distinct()).all()
    return sorted(set(list_forms()) | set(stored))


def form_exists(session, form_key: str) -> bool:
    """True for a file in forms/ or a form with a stored version."""
    return form_key in list_forms() or session.scalar(
        select(FormVersion.id).where(FormVersion.form_key == form_key).limit(1)) is not None


def blank_schema(form_key: str, title: str) -> dict:
    """A new form: its title as the heading and nothing to fill in yet."""
    return {"type": "default", "id": form_key, "schemaVersion": 16,
            "exporter": {"name": "form-js", "version": "1.7.0"},
            "components": [{"type": "text", "id": f"Text_{form_key}_header", "text": f"#### {title}"}]}


def create_form(session, form_key: str, title: str, user) -> FormVersion:
    """A new form as version 1 of its key, saved by user; the editor then adds its fields."""
    form_key, title = (form_key or "").strip(), " ".join((title or "").split())
    errors = {}
    try:
        check_form_key(form_key)
        if len(form_key) > KEY_MAX_CHARS:
            raise InvalidFormKey(form_key)
    except InvalidFormKey:
        errors["key"] = "Use small Latin letters, digits and _ (e.g. site_visit_report)."
    if not title or len(title) > TITLE_MAX_CHARS:
        errors["title"] = "Write the form's title."
    if errors:
        raise InvalidData("The form could not be created.", errors)
    if form_exists(session, form_key):
        raise Conflict("A form {key} already exists.", {"key": "Taken."}, key=form_key)
    schema = blank_schema(form_key, title)
    row = FormVersion(form_key=form_key, version=1, schema=schema,
                      content_sha256=content_sha256(schema), saved_by_id=user.id, saved_at=utcnow())
    session.add(row)
    session.flush()
    note_saved(session)
    return row
