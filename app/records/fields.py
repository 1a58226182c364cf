"""A record's stored form values as label and readable text, in the order of its form."""
from collections.abc import Mapping

from formjs import versions as form_versions
from formjs.forms import FormNotFound, FormSchemaError, load_form
from formjs.readable import Field, readable_fields, value_text

from ..i18n import page_style

__all__ = ["Field", "describe_record", "load_record_form"]


def load_record_form(form_key: str | None, session=None, task=None) -> dict | None:
    """The form definition a record was filled in (the version its task was created with,
    when the task is given; else the latest), or None when it is gone or broken."""
    try:
        if form_key and task is not None and task.form_key == form_key:
            return form_versions.task_schema(session, task)
        return load_form(form_key, session=session) if form_key else None
    except (FormNotFound, FormSchemaError):
        return None


def describe_record(schema: Mapping | None, data: Mapping | None, localize: bool = True,
                    with_unknown: bool = False) -> list[Field]:
    """Every field of the form; with_unknown, then any stored value the form no longer has (by
    its key: only exports show those, a page never shows an internal key)."""
    data = data if isinstance(data, Mapping) else {}
    style = page_style(localize)
    out = readable_fields(schema, data, style, with_empty=True)
    if with_unknown:
        seen = {f.key.split(".")[0] for f in out}
        out += [Field(key, key, value_text({}, value, style)) for key, value in data.items()
                if key not in seen and key not in ("survey_results", "poll_results")]
    return out
