"""Versions of the form-js schemas: the files in forms/ are version 1, the form editor adds N+1.

Storage. `form_versions` (models/forms.py) holds each version of a form. A key's file
becomes version 1 when the form is first used: when a process using it is deployed (a
before_flush hook on new ProcessVersion rows) or when the editor first saves it
(`save_version`). Until then (forms of processes deployed before versions existed) the file
is version 1 and the latest, and nothing is stored. A file that changed since the last
version stored from it (a release) becomes version N+1 when a process using it is deployed. Saving a schema whose canonical JSON equals
the latest version's makes no new version.

A task keeps its version. `HumanTask.form_version` is set, when the task row is created, to
the latest version of its form as the cache knows it (`number_for_new_task`: a step costs no
query more; a version saved in another process counts for new tasks within CACHE_SECONDS of
formjs.version_cache); the task page, its prefill and the validation of its post (web
and API) read that version (`task_schema`: from the cache when it is the latest, else
one query). NULL (tasks made before versions existed) reads the latest.

A task whose instance has a schema of its own (an opinion poll's questionnaire, made from its
plan) reads that instead: session.info[SCHEMAS_KEY] maps a form key to a function
(session, task) -> schema | None, filled by the engine from its hooks (task_schemas).

The latest version for everyone else comes from formjs.version_cache; the checks the
editor runs before a save are in formjs.schema_checks.
"""
from __future__ import annotations

import copy
import hashlib
import json

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from models import HumanTask, ProcessVersion, utcnow
from models.forms import FormVersion

from formjs.version_cache import latest_schema, note_saved

SCHEMAS_KEY = "task_schemas"  # session.info: form key -> function (session, task) -> dict | None


def canonical_json(schema) -> str:
    """The schema as JSON with sorted keys and no spacing, so that equal content compares equal."""
    return json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_sha256(schema) -> str:
    """SHA-256 of the schema's canonical JSON (key order and spacing do not count)."""
    return hashlib.sha256(canonical_json(schema).encode("utf-8")).hexdigest()


def file_schema(form_key: str) -> dict:
    """The schema of the form's file in forms/ (version 1, or a release's newer file)."""
    from formjs.forms import load_form_file
    return load_form_file(form_key)


def latest_row(session, form_key: str) -> FormVersion | None:
    """The newest stored version of this form, or None if none is stored."""
    return session.scalars(select(FormVersion).where(FormVersion.form_key == form_key)
                           .order_by(FormVersion.version.desc()).limit(1)).first()


def _store_file(session, form_key: str, version: int, schema: dict | None = None) -> None:
    """Store the file as this version unless the number is taken (a concurrent first use wins)."""
    schema = file_schema(form_key) if schema is None else schema
    values = {"form_key": form_key, "version": version, "schema": schema,
              "content_sha256": content_sha256(schema), "saved_by_id": None, "saved_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: a plain insert
        from sqlalchemy import insert as plain_insert
        session.execute(plain_insert(FormVersion).values(**values))
        return
    session.execute(insert(FormVersion).values(**values)
                    .on_conflict_do_nothing(index_elements=["form_key", "version"]))


def number_for_new_task(session, form_key: str) -> int:
    """The version a task created now gets: the latest saved one as this process knows it (the
    cache, CACHE_SECONDS fresh, emptied when this process saves), else 1, the file. No query
    in the step itself: at most the cache's refresh, outside the session."""
    saved = latest_schema(session, form_key)
    return saved[0] if saved is not None else 1


@event.listens_for(Session, "before_flush")
def _store_files_of_deployed_forms(session, flush_context, instances) -> None:
    """Deploying a process stores the file of each of its forms as a version: version 1 where
    the form has none yet (its tasks keep that content even if the file changes later), N+1
    where the file changed since the last version stored from it (a release that ships a new
    file wins over the editor's versions, as the newer one)."""
    keys = {key for obj in session.new if isinstance(obj, ProcessVersion)
            for key in (obj.forms or {}).values() if isinstance(key, str)}
    if not keys:
        return
    rows = session.execute(select(FormVersion.form_key, FormVersion.version,
                                  FormVersion.content_sha256, FormVersion.saved_by_id)
                           .where(FormVersion.form_key.in_(sorted(keys)))
                           .order_by(FormVersion.form_key, FormVersion.version)).all()
    newest, from_file = {}, {}
    for key, number, sha, saved_by_id in rows:
        newest[key] = number
        if saved_by_id is None:
            from_file[key] = sha
    for key in sorted(keys):
        try:
            schema = file_schema(key)
        except (KeyError, ValueError):  # FormNotFound, InvalidFormKey, FormSchemaError
            continue
        if key in newest and from_file.get(key) == content_sha256(schema):
            continue
        _store_file(session, key, newest.get(key, 0) + 1, schema)
        note_saved(session)


def get_version(session, form_key: str, version: int) -> FormVersion | None:
    """That stored version of this form, or None."""
    return session.scalars(select(FormVersion).where(FormVersion.form_key == form_key,
                                                     FormVersion.version == version)).first()


def task_schema(session, task: HumanTask) -> dict:
    """The schema of the version the task was created with (a private copy); the latest for a
    task made before versions existed. FormNotFound if neither exists."""
    from formjs.forms import FormNotFound, load_form
    own = (session.info.get(SCHEMAS_KEY) or {}).get(task.form_key) if session is not None else None
    if own is not None:
        schema = own(session, task)
        if schema is not None:
            return copy.deepcopy(schema)
    if task.form_version is None:
        return load_form(task.form_key, session=session)
    # Versions never change: the cache of latest versions serves most tasks without a query.
    saved = latest_schema(session, task.form_key)
    if saved is not None and saved[0] == task.form_version:
        return copy.deepcopy(saved[1])
    if saved is None and task.form_version == 1:
        try:
            return file_schema(task.form_key)  # nothing saved: version 1 is the file
        except FormNotFound:
            pass  # a form made in the editor has no file: its version 1 is stored
    row = get_version(session, task.form_key, task.form_version) if session is not None else None
    if row is not None:
        return copy.deepcopy(row.schema)
    if task.form_version == 1:
        return file_schema(task.form_key)
    raise FormNotFound(task.form_key)


def list_versions(session, form_key: str) -> list[FormVersion]:
    """The stored versions of this form, newest first."""
    return list(session.scalars(select(FormVersion).where(FormVersion.form_key == form_key)
                                .order_by(FormVersion.version.desc())))


def latest_rows(session) -> dict[str, FormVersion]:
    """The latest stored version of every form that has one."""
    newest = (select(FormVersion.form_key, func.max(FormVersion.version).label("version"))
              .group_by(FormVersion.form_key).subquery())
    rows = session.scalars(select(FormVersion).join(newest, (FormVersion.form_key == newest.c.form_key)
                                                    & (FormVersion.version == newest.c.version)))
    return {row.form_key: row for row in rows}


class VersionConflict(Exception):
    """Someone saved the same version number first."""


def save_version(session, form_key: str, schema: dict, user) -> tuple[FormVersion, bool]:
    """Store schema as version N+1 of form_key (after storing the file as version 1 if nothing
    is stored yet). Unchanged content makes no version: (latest, False). The caller checks the
    schema first (check_schema) and commits."""
    latest = latest_row(session, form_key)
    if latest is None:
        _store_file(session, form_key, 1)
        latest = latest_row(session, form_key)
    sha = content_sha256(schema)
    if latest is not None and latest.content_sha256 == sha:
        return latest, False
    row = FormVersion(form_key=form_key, version=(latest.version if latest else 0) + 1,
                      schema=schema, content_sha256=sha, saved_by_id=user.id if user else None,
                      saved_at=utcnow())
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except Exception as exc:  # IntegrityError: the same version number was saved meanwhile
        from sqlalchemy.exc import IntegrityError
        if isinstance(exc, IntegrityError):
            raise VersionConflict(form_key) from exc
        raise
    note_saved(session)
    return row, True
