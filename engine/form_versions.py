"""Versions of the form-js schemas: the files in forms/ are version 1, the form editor adds N+1.

Storage. `form_versions` (models/forms.py) holds each version of a form. A key's file
becomes version 1 when the form is first used: when a process using it is deployed (a
before_flush hook on new ProcessVersion rows) or when the editor first saves it
(`save_version`). Until then (forms of processes deployed before versions existed) the file
is version 1 and the latest, and nothing is stored. A file that changed since the last
version stored from it (a release) becomes version N+1 when a process using it is deployed. Saving a schema whose canonical JSON equals
the latest version's makes no new version.

A task keeps its version. `HumanTask.form_version` is set, when the task row is created, to
the latest version of its form as the cache below knows it (`number_for_new_task`: a step
costs no query more; a version saved in another process counts for new tasks within
CACHE_SECONDS); the task page, its prefill and the validation of its post (web
and API) read that version (`task_schema`: from the cache below when it is the latest, else
one query). NULL (tasks made before versions existed) reads the latest.

The latest version for everyone else. `engine.forms.load_form(key)` has many callers without a
session (deploy checks, previews, surveys, records, the portal), so it asks `latest_schema`:
a process-wide cache {key: (version, schema)} of the saved versions, refreshed at most every
CACHE_SECONDS by one small query (`form_key, max(version)` per key, then the schema of a key
whose latest version changed only) on a pooled connection of the app's database
(`use_database`, called when the forms blueprint is registered). The query runs in autocommit
on its own DBAPI connection, so it never joins (nor waits for: SQLite takes its write lock at
BEGIN here) the caller's transaction. A save empties this process's cache once its transaction
commits; other processes (gunicorn workers) see it within CACHE_SECONDS. Without a database
(engine tests, tools), or before the table exists, the files are the latest versions.

Checks (`check_schema`): what the editor's Validate button and the save run. Problems are
(level, code, params) with level "error" (refused) or "warning" (saved anyway); the web layer
words them (app/forms).
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import event, func, select, tuple_
from sqlalchemy.orm import Session

from models import HumanTask, ProcessVersion, utcnow
from models.forms import FormVersion

from .form_conditions import expression_error, hide_expression
from .form_validation import CONTAINER_TYPES, DISPLAY_TYPES, INPUT_TYPES

CACHE_SECONDS = 2.0
SUPPORTED_TYPES = INPUT_TYPES | CONTAINER_TYPES | DISPLAY_TYPES | {"default"}
MAX_SCHEMA_BYTES = 1_000_000
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHANGED_KEY = "engine.form_versions_changed"  # session.info: a version was saved

_lock = threading.Lock()
_database = {"engine": None}
_latest: dict[str, tuple[int, dict]] = {}
_checked = {"at": float("-inf")}


# --- the process-wide cache of latest versions --------------------------------------------

def use_database(engine) -> None:
    """Read saved versions from this SQLAlchemy engine (None: files only); empties the cache."""
    with _lock:
        _database["engine"] = engine
        _forget()


def forget_cache() -> None:
    """Empty this process's cache of latest versions (the next read asks the database)."""
    with _lock:
        _forget()


def _forget() -> None:
    _latest.clear()
    _checked["at"] = float("-inf")


def _fetch(engine, statement) -> list[tuple]:
    """Run a read on a pooled DBAPI connection in autocommit, outside any session."""
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()
    finally:
        try:
            connection.rollback()  # PostgreSQL opened a transaction for the read
        finally:
            connection.close()


def _as_schema(value) -> dict:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _refresh(engine) -> None:
    numbers = dict(_fetch(engine, select(FormVersion.form_key, func.max(FormVersion.version))
                          .group_by(FormVersion.form_key)))
    for key in [k for k in _latest if k not in numbers]:
        del _latest[key]  # e.g. a test emptied the table
    changed = [(key, number) for key, number in numbers.items()
               if key not in _latest or _latest[key][0] != number]
    for start in range(0, len(changed), 100):
        rows = _fetch(engine, select(FormVersion.form_key, FormVersion.version, FormVersion.schema)
                      .where(tuple_(FormVersion.form_key, FormVersion.version)
                             .in_(changed[start:start + 100])))
        for key, number, schema in rows:
            _latest[key] = (number, _as_schema(schema))


def latest_schema(form_key: str) -> tuple[int, dict] | None:
    """(version, schema) of the latest saved version of this form in the cache, refreshed when
    older than CACHE_SECONDS; None if none is saved (the file is the latest) or no database.
    The schema is shared: copy it before changing it."""
    with _lock:
        engine = _database["engine"]
        if engine is None:
            return None
        now = time.monotonic()
        if now - _checked["at"] >= CACHE_SECONDS:
            try:
                _refresh(engine)
            except Exception:  # noqa: BLE001 - no table yet (an old database), or the database
                pass  # is unreachable: keep what is known (nothing: the files), retry later
            _checked["at"] = now
        return _latest.get(form_key)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        forget_cache()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_CHANGED_KEY, None)


# --- versions in a session ------------------------------------------------------------------

def canonical_json(schema) -> str:
    return json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_sha256(schema) -> str:
    """SHA-256 of the schema's canonical JSON (key order and spacing do not count)."""
    return hashlib.sha256(canonical_json(schema).encode("utf-8")).hexdigest()


def _file_schema(form_key: str) -> dict:
    from .forms import load_form_file
    return load_form_file(form_key)


def latest_row(session, form_key: str) -> FormVersion | None:
    return session.scalars(select(FormVersion).where(FormVersion.form_key == form_key)
                           .order_by(FormVersion.version.desc()).limit(1)).first()


def _store_file(session, form_key: str, version: int, schema: dict | None = None) -> None:
    """Store the file as this version unless the number is taken (a concurrent first use wins)."""
    schema = _file_schema(form_key) if schema is None else schema
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


def number_for_new_task(form_key: str) -> int:
    """The version a task created now gets: the latest saved one as this process knows it (the
    cache, CACHE_SECONDS fresh, emptied when this process saves), else 1, the file. No query
    in the step itself: at most the cache's refresh, outside the session."""
    saved = latest_schema(form_key)
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
            schema = _file_schema(key)
        except (KeyError, ValueError):  # FormNotFound, InvalidFormKey, FormSchemaError
            continue
        if key in newest and from_file.get(key) == content_sha256(schema):
            continue
        _store_file(session, key, newest.get(key, 0) + 1, schema)
        session.info[_CHANGED_KEY] = True


def get_version(session, form_key: str, version: int) -> FormVersion | None:
    return session.scalars(select(FormVersion).where(FormVersion.form_key == form_key,
                                                     FormVersion.version == version)).first()


def task_schema(session, task: HumanTask) -> dict:
    """The schema of the version the task was created with (a private copy); the latest for a
    task made before versions existed. FormNotFound if neither exists."""
    from .forms import FormNotFound, load_form
    if task.form_version is None:
        return load_form(task.form_key)
    # Versions never change: the cache of latest versions serves most tasks without a query.
    saved = latest_schema(task.form_key)
    if saved is not None and saved[0] == task.form_version:
        return copy.deepcopy(saved[1])
    if saved is None and task.form_version == 1:
        return _file_schema(task.form_key)  # nothing saved: version 1 is the file
    row = get_version(session, task.form_key, task.form_version) if session is not None else None
    if row is not None:
        return copy.deepcopy(row.schema)
    if task.form_version == 1:
        return _file_schema(task.form_key)
    raise FormNotFound(task.form_key)


def list_versions(session, form_key: str) -> list[FormVersion]:
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
    session.info[_CHANGED_KEY] = True
    return row, True


# --- checks --------------------------------------------------------------------------------

@dataclass
class Problem:
    level: str  # error | warning
    code: str
    params: dict = field(default_factory=dict)


def parse_schema_text(text: str | bytes) -> tuple[dict | None, list[Problem]]:
    """The JSON of a posted schema, or a json problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_SCHEMA_BYTES:
            return None, [Problem("error", "too_large", {"limit": MAX_SCHEMA_BYTES})]
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem("error", "json", {"detail": str(exc)})]
    try:
        return json.loads(text), []
    except ValueError as exc:
        return None, [Problem("error", "json", {"detail": str(exc)})]


def _where(comp: Mapping, index_path: str) -> str:
    return str(comp.get("key") or comp.get("path") or comp.get("id") or index_path)


def _walk(components, scope: str, index_path: str, seen: dict, problems: list, keys: set):
    for i, comp in enumerate(components):
        here = f"{index_path}[{i}]"
        if not isinstance(comp, Mapping) or not isinstance(comp.get("type"), str):
            problems.append(Problem("error", "component_shape", {"where": here}))
            continue
        kind, where = comp["type"], _where(comp, here)
        if kind not in SUPPORTED_TYPES or kind == "default":
            problems.append(Problem("error", "type", {"where": where, "type": kind}))
            continue
        expression = hide_expression(comp)
        if expression is not None:
            error = expression_error(expression)
            if error:
                problems.append(Problem("error", "condition", {"where": where, "detail": error}))
        if kind in CONTAINER_TYPES:
            path = comp.get("path")
            inner_scope = scope
            if path not in (None, ""):
                if not isinstance(path, str) or not all(_NAME_RE.fullmatch(p) for p in path.split(".")):
                    problems.append(Problem("error", "path_invalid", {"key": str(path)}))
                else:
                    inner_scope = f"{scope}{path}." if kind == "group" else f"{scope}{path}[]."
                    if kind == "dynamiclist":
                        _claim(seen, scope + path, problems)
            elif kind == "dynamiclist":
                problems.append(Problem("error", "path_missing", {"where": where}))
            children = comp.get("components", [])
            if not isinstance(children, list):
                problems.append(Problem("error", "component_shape", {"where": where}))
                continue
            _walk(children, inner_scope, f"{here}.components", seen, problems, keys)
        elif kind in INPUT_TYPES:
            key = comp.get("key")
            if not isinstance(key, str) or not key:
                problems.append(Problem("error", "key_missing", {"where": where}))
            elif not _NAME_RE.fullmatch(key):
                problems.append(Problem("error", "key_invalid", {"key": key}))
            else:
                keys.add(key)
                _claim(seen, scope + key, problems)


def _claim(seen: dict, name: str, problems: list) -> None:
    if name in seen:
        if seen[name] == 1:
            problems.append(Problem("error", "key_duplicate", {"key": name}))
        seen[name] += 1
    else:
        seen[name] = 1


def field_keys(schema: Mapping) -> set[str]:
    """The keys of the input fields of a schema, at any depth."""
    keys: set[str] = set()
    _walk(schema.get("components") or [], "", "components", {}, [], keys)
    return keys


def _used_by_diagrams(session, form_key: str, keys: set[str]) -> list[Problem]:
    """Warnings for removed keys that the latest diagrams using this form still mention."""
    if not keys or session is None:
        return []
    newest = (select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.process_key).subquery())
    versions = session.scalars(select(ProcessVersion).join(
        newest, (ProcessVersion.process_key == newest.c.process_key)
        & (ProcessVersion.version == newest.c.version)).order_by(ProcessVersion.process_key))
    problems = []
    for version in versions:
        if form_key not in (version.forms or {}).values():
            continue
        for key in sorted(keys):
            # Scripts, conditions and properties name a key as a word (data["key"] too).
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])", version.bpmn_xml or ""):
                problems.append(Problem("warning", "key_used",
                                        {"key": key, "process": version.process_key}))
    return problems


def check_schema(session, form_key: str, schema) -> list[Problem]:
    """Everything wrong with a schema for this form: shape, component types the task pages
    render, field keys (names, unique per data scope), conditions the pages can evaluate;
    warnings for field keys of the latest version that are gone but still named by a diagram
    that uses the form."""
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        return [Problem("error", "shape")]
    problems: list[Problem] = []
    if schema.get("type", "default") != "default":
        problems.append(Problem("error", "root_type", {"type": str(schema.get("type"))}))
    keys: set[str] = set()
    _walk(schema["components"], "", "components", {}, problems, keys)
    if session is not None:
        latest = latest_row(session, form_key)
        try:
            before = field_keys(latest.schema if latest else _file_schema(form_key))
        except (KeyError, ValueError):
            before = set()
        problems += _used_by_diagrams(session, form_key, before - keys)
    return problems
