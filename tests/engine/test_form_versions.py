"""Form versions (formjs/versions.py, form_version_cache.py, form_schema_checks.py): the
file is version 1 on first use, the editor adds N+1, a task keeps the version it was created
with, load_form reads the latest through a process-wide cache that other processes' saves
reach within CACHE_SECONDS; the checks of a schema before it is saved."""
import copy
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from formjs import schema_checks as form_schema_checks

from formjs import version_cache as form_version_cache
from formjs.version_cache import cache_of

from formjs import versions as form_versions

import engine as runtime
from engine.runtime.completing import validate_task_data
from modeling.deploy import deploy_process
from models.errors import InvalidData
from formjs.forms import load_form, load_form_file
from models import HumanTask, User
from models.forms import FormVersion

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
KEY = "complaint_register"
REGISTER = {"complainant_name": "مریم احمدی", "phone": "09123456789", "channel": "phone",
            "subject": "چاله در خیابان", "complaint_type": "service",
            "description": "چاله‌ای بزرگ جلوی پلاک ۱۲ مانده است.", "address": "خیابان بهار"}
NEW_FIELD = {"type": "textfield", "key": "national_id", "label": "کد ملی", "id": "Field_national_id",
             "validate": {"required": True}}


def with_new_field():
    schema = load_form_file(KEY)
    schema["components"].append(copy.deepcopy(NEW_FIELD))
    return schema


def user(session, username):
    return session.scalars(select(User).where(User.username == username)).one()


def start(session):
    instance = runtime.start_instance(session, "complaints", user(session, "pr_expert_d1"),
                                      _district(session), title="t")
    session.commit()
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.status == "ready")).one()


def _district(session):
    from people.accounts import find_district
    return find_district(session, "d1").id


def test_deploying_a_process_stores_the_files_of_its_forms_as_version_1(app, db, complaints):
    rows = db.scalars(select(FormVersion).order_by(FormVersion.form_key)).all()
    assert {r.form_key for r in rows} == set(complaints.forms.values())
    for row in rows:
        assert (row.version, row.saved_by_id) == (1, None)
        assert row.schema == load_form_file(row.form_key)
        assert row.content_sha256 == form_versions.content_sha256(load_form_file(row.form_key))
    assert start(db).form_version == 1
    # Deploying again (or another process with the same forms) stores nothing more.
    deploy_process(db, (PROCESSES / "complaints.bpmn").read_bytes().replace(b"</bpmn:definitions>",
                                                            b"<!-- v2 --></bpmn:definitions>"),
                   filename="complaints.bpmn")
    db.commit()
    assert db.scalar(select(func.count()).select_from(FormVersion)) == len(rows)


def test_a_form_of_a_process_deployed_before_versions_existed_is_its_file(app, db, complaints):
    db.execute(FormVersion.__table__.delete())
    db.commit()
    cache_of(db).forget()
    task = start(db)
    assert task.form_version == 1
    assert form_versions.task_schema(db, task) == load_form_file(KEY)
    assert validate_task_data(task, REGISTER)
    # The editor's first save stores the file as version 1, then version 2.
    form_versions.save_version(db, KEY, with_new_field(), user(db, "process_owner"))
    db.commit()
    assert [r.version for r in form_versions.list_versions(db, KEY)] == [2, 1]
    assert form_versions.task_schema(db, task) == load_form_file(KEY)


def test_a_running_task_keeps_its_version_and_a_new_task_gets_the_new_one(app, db, complaints):
    old_task = start(db)
    row, created = form_versions.save_version(db, KEY, with_new_field(), user(db, "process_owner"))
    db.commit()
    assert created and row.version == 2

    # The ready task reads version 1 and completes without the new required field.
    assert "national_id" not in {c.get("key") for c in form_versions.task_schema(db, old_task)["components"]}
    assert validate_task_data(old_task, REGISTER)["subject"] == REGISTER["subject"]

    new_task = start(db)
    assert new_task.form_version == 2
    with pytest.raises(InvalidData) as refused:
        validate_task_data(new_task, REGISTER)
    assert set(refused.value.details) == {"national_id"}
    assert validate_task_data(new_task, {**REGISTER, "national_id": "0012345678"})

    # Everyone else reads the latest: this process forgot its cache when the save committed.
    assert "national_id" in {c.get("key") for c in load_form(KEY, session=db)["components"]}


def test_a_task_made_before_versions_existed_reads_the_latest(app, db, complaints):
    task = start(db)
    task.form_version = None
    db.commit()
    form_versions.save_version(db, KEY, with_new_field(), user(db, "process_owner"))
    db.commit()
    assert "national_id" in {c.get("key") for c in form_versions.task_schema(db, task)["components"]}


def test_saving_unchanged_content_makes_no_version(app, db):
    owner = user(db, "process_owner")
    # Nothing stored yet: the first save stores the file as version 1 first.
    row, created = form_versions.save_version(db, KEY, with_new_field(), owner)
    db.commit()
    assert (row.version, created) == (2, True)
    assert form_versions.get_version(db, KEY, 1).schema == load_form_file(KEY)
    # Same content, other key order: no new version.
    reordered = dict(reversed(list(with_new_field().items())))
    row, created = form_versions.save_version(db, KEY, reordered, owner)
    db.commit()
    assert (row.version, created) == (2, False)
    assert [r.version for r in form_versions.list_versions(db, KEY)] == [2, 1]


@pytest.mark.committed  # another connection saves the version
def test_load_form_sees_a_version_saved_by_another_process_within_the_cache_time(
        app, db, monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(form_version_cache.time, "monotonic", lambda: clock["now"])
    cache_of(db).forget()
    assert load_form(KEY, session=db) == load_form_file(KEY)  # nothing saved: the file
    # Another worker saves (its commit cannot empty this process's cache).
    schema = with_new_field()
    with app.extensions["db_engine"].begin() as conn:
        for number, content in ((1, load_form_file(KEY)), (2, schema)):
            conn.execute(insert(FormVersion).values(
                form_key=KEY, version=number, schema=content,
                content_sha256=form_versions.content_sha256(content), saved_at=datetime(2026, 1, 1)))
    clock["now"] += form_version_cache.CACHE_SECONDS / 2
    assert load_form(KEY, session=db) == load_form_file(KEY)  # still cached
    clock["now"] += form_version_cache.CACHE_SECONDS
    assert load_form(KEY, session=db) == schema
    # Other forms are still their files; a private copy each time.
    assert load_form("complaint_review", session=db) == load_form_file("complaint_review")
    load_form(KEY, session=db)["components"].clear()
    assert load_form(KEY, session=db) == schema


@pytest.mark.committed  # the cache reads on a connection of its own
def test_load_form_reads_the_database_inside_a_write_transaction_without_waiting(app, db, complaints):
    # The runtime holds SQLite's write lock while it validates a task; the cache's read must
    # not wait for it (it reads outside the session).
    task = start(db)
    cache_of(db).forget()
    # A write: the session now holds the write lock (SQLite) or the row lock (PostgreSQL).
    db.execute(update(HumanTask).where(HumanTask.id == task.id).values(name=HumanTask.name))
    assert load_form(KEY, session=db)["components"]
    db.rollback()


def test_without_a_database_and_with_a_forms_folder_the_files_are_read(app, db, tmp_path):
    form_versions.save_version(db, KEY, with_new_field(), user(db, "process_owner"))
    db.commit()
    (tmp_path / f"{KEY}.form.json").write_text('{"components": []}', encoding="utf-8")
    assert load_form(KEY, forms_dir=tmp_path) == {"components": []}
    assert load_form(KEY) == load_form_file(KEY)  # no session: no database


def codes(problems, level=None):
    return sorted((p.code, p.params.get("key") or p.params.get("where"))
                  for p in problems if level in (None, p.level))


def test_check_schema_accepts_every_form_of_the_repository(app, db):
    from formjs.forms import list_forms
    for key in list_forms():
        assert form_schema_checks.check_schema(db, key, load_form_file(key)) == [], key


def test_check_schema_finds_shape_keys_types_and_conditions(app, db):
    assert codes(form_schema_checks.check_schema(db, KEY, [])) == [("shape", None)]
    assert codes(form_schema_checks.check_schema(db, KEY, {"components": "x"})) == [("shape", None)]
    schema = {"type": "default", "components": [
        {"type": "textfield", "key": "a", "label": "A"},
        {"type": "textfield", "key": "a", "label": "A again"},
        {"type": "number", "key": "2bad", "label": "B"},
        {"type": "textfield", "label": "no key", "id": "Field_nokey"},
        {"type": "taglist", "key": "tags", "label": "T"},
        {"type": "textfield", "key": "c", "label": "C", "conditional": {"hide": "=a > 3"}},
        {"type": "group", "path": "p", "components": [{"type": "textfield", "key": "a"}]},
        {"type": "dynamiclist", "path": "rows", "components": [{"type": "textfield", "key": "a"}]},
        {"type": "group", "path": "bad-path", "components": []},
        "not a component",
    ]}
    assert codes(form_schema_checks.check_schema(None, KEY, schema)) == [
        ("component_shape", "components[9]"), ("condition", "c"), ("key_duplicate", "a"),
        ("key_invalid", "2bad"), ("key_missing", "Field_nokey"), ("path_invalid", "bad-path"),
        ("type", "tags")]
    assert form_schema_checks.parse_schema_text(b"{nope")[1][0].code == "json"


def test_removed_keys_the_diagrams_still_use_are_warnings(app, db, complaints):
    schema = load_form_file(KEY)
    schema["components"] = [c for c in schema["components"] if c.get("key") != "complaint_type"]
    problems = form_schema_checks.check_schema(db, KEY, schema)
    assert codes(problems) == [("key_used", "complaint_type")]
    assert problems[0].level == "warning" and problems[0].params["process"] == "complaints"


def test_a_file_changed_by_a_release_becomes_a_new_version_when_a_process_using_it_is_deployed(
        app, db, complaints, tmp_path, monkeypatch):
    import shutil

    import formjs.forms
    form_versions.save_version(db, KEY, with_new_field(), user(db, "process_owner"))
    db.commit()
    shipped = tmp_path / "forms"
    shutil.copytree(formjs.forms.FORMS_DIR, shipped)
    changed = load_form_file(KEY)
    changed["components"][1]["label"] = "نام کامل شاکی"
    (shipped / f"{KEY}.form.json").write_text(form_versions.canonical_json(changed), encoding="utf-8")
    monkeypatch.setattr(formjs.forms, "FORMS_DIR", shipped)

    def redeploy(marker: bytes):
        deploy_process(db, (PROCESSES / "complaints.bpmn").read_bytes().replace(
            b"</bpmn:definitions>", marker + b"</bpmn:definitions>"), filename="complaints.bpmn")
        db.commit()

    redeploy(b"<!-- release 2 -->")
    rows = form_versions.list_versions(db, KEY)
    assert [(r.version, r.saved_by_id is None) for r in rows] == [(3, True), (2, False), (1, True)]
    assert rows[0].schema == changed and load_form(KEY, session=db) == changed
    # The other forms did not change: nothing new for them; nor on the next deploy.
    assert [r.version for r in form_versions.list_versions(db, "complaint_review")] == [1]
    redeploy(b"<!-- release 3 -->")
    assert [r.version for r in form_versions.list_versions(db, KEY)] == [3, 2, 1]
