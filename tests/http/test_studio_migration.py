"""The pages that move running instances to a newer version (/studio/<key>/migrate): the
activity mapping form, the dry run, the filters, bad input, and the bulk move's progress page."""
import re
from pathlib import Path

from sqlalchemy import select

from app.studio.migration_views import INPUT_TEMPLATES, REASON_TEMPLATES
import engine as runtime
from engine.migration import TEMPLATES
from engine.migration_jobs import TEMPLATES as JOB_TEMPLATES
from engine.migration_mapping import NO_SUCH_ELEMENT, NO_SUCH_SOURCE
from http_support import page_text
from models import Event, HumanTask, Instance, MigrationJob, OperatorEvent
from people.accounts import find_district, find_user
from tests.conftest import deploy_file

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"
URL = "/studio/migration_demo/migrate"


def _start(app) -> int:
    session = app.extensions["db_sessions"]()
    try:
        instance = runtime.start_instance(session, "migration_demo", find_user(session, "pr_expert_d1"),
                                          find_district(session, "d1").id, title="درخواست آزمایشی")
        session.commit()
        return instance.id
    finally:
        session.close()


def _complete_a(app, instance_id: int) -> None:
    session = app.extensions["db_sessions"]()
    try:
        row = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                      HumanTask.status == "ready")).one()
        runtime.complete_task(session, row.id, find_user(session, "pr_expert_d1"), {})
        session.commit()
    finally:
        session.close()


def arrange(app, *later: int):
    """Deploy v1, start two instances (the second past A), deploy the later versions."""
    deploy_file(app, MIGRATION / "v1.bpmn")
    at_a, at_b = _start(app), _start(app)
    _complete_a(app, at_b)
    versions = {n: deploy_file(app, MIGRATION / f"v{n}.bpmn") for n in later}
    return at_a, at_b, versions


def test_reason_templates_are_the_engines():
    assert REASON_TEMPLATES == TEMPLATES
    assert {NO_SUCH_ELEMENT, NO_SUCH_SOURCE, *JOB_TEMPLATES} <= set(INPUT_TEMPLATES)


def move(owner, target: int, ids, **extra):
    """Post the move of these instances; the progress page it leads to."""
    data = {"ids": list(ids), "target": target, "action": "move", **extra}
    return owner.post(URL, data=data, follow_redirects=True)


def test_only_a_process_owner_sees_or_posts(app, login):
    at_a, _at_b, _versions = arrange(app, 2)
    for username in ("admin", "pr_expert_d1", "auditor", "central_pr"):
        user = login(username)
        assert user.get(URL).status_code == 403
        assert user.post(URL, data={"ids": [at_a], "target": 2, "action": "move"}).status_code == 403
        assert user.get(URL + "/jobs/1").status_code == 403
        assert user.post(URL + "/jobs/1/step").status_code == 403
    assert login("process_owner").get(URL).status_code == 200
    assert login("process_owner").get("/studio/no_such_process/migrate").status_code == 404
    assert login("process_owner").get(URL + "/jobs/999").status_code == 404


def test_the_page_shows_each_check_and_the_mapping_form(app, login):
    at_a, at_b, versions = arrange(app, 2, 3)
    owner = login("process_owner")
    text = page_text(owner.get(URL))  # default target: the latest, v3
    row_a = re.search(rf'<tr data-instance="{at_a}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    row_b = re.search(rf'<tr data-instance="{at_b}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    assert row_a.group(1) == "refused" and "A: ثبت" in row_a.group(2) and "Task_A" in row_a.group(2)
    assert "به هیچ عنصری از نسخه ۳ نگاشت نشده است" in row_a.group(2)  # in Persian
    assert row_b.group(1) == "ok"
    mapping = re.search(r'data-testid="mapping">(.*?)</table>', text, re.S).group(1)
    assert 'name="map-Task_A"' in mapping and 'name="map-Task_B"' in mapping
    assert re.search(r'name="map-Task_B".*?<option value="Task_B" selected>', mapping, re.S)
    assert re.search(r'name="map-Task_A".*?<option value="" selected>', mapping, re.S)  # v3 lacks A
    text = page_text(owner.get(URL + "?target=2"))
    assert f'<tr data-instance="{at_a}" data-check="ok">' in text
    assert 'name="target" value="2"' in text


def test_a_renamed_task_is_proposed_by_name_and_a_hand_mapping_moves_it(app, login, db):
    _at_a, at_b, _versions = arrange(app)
    renamed = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    owner = login("process_owner")
    text = page_text(owner.get(URL))
    assert re.search(r'name="map-Task_B".*?<option value="" selected>', text, re.S)  # no proposal
    response = move(owner, renamed.version, [at_b], **{"map-Task_B": "Task_Check", "map-Task_A": "Task_A"})
    text = page_text(response)
    assert f'data-instance="{at_b}"' in re.search(r'data-testid="migrated-list">(.*?)</ul>', text, re.S).group(1)
    assert 'data-status="finished"' in text
    db.expire_all()
    assert db.get(Instance, at_b).version.version == renamed.version
    [event] = db.scalars(select(Event).where(Event.instance_id == at_b, Event.type == "instance_migrated"))
    assert event.data["mapping"] == {"Task_B": "Task_Check"}  # where it waited; identities go without saying
    assert [e.type for e in db.scalars(select(OperatorEvent).order_by(OperatorEvent.seq))][-2:] == [
        "instances_migration_started", "instances_migration_finished"]


def test_a_dry_run_lists_what_would_happen_and_changes_nothing(app, login, db):
    at_a, at_b, _versions = arrange(app)
    renamed = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    owner = login("process_owner")
    response = owner.post(URL, data={"ids": [at_a, at_b], "target": renamed.version, "action": "dry_run",
                                     "map-Task_B": "Task_Check", "map-Task_A": ""})
    assert response.status_code == 200
    text = page_text(response)
    assert 'data-testid="dry-run"' in text
    row_a = re.search(rf'<tr data-instance="{at_a}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    row_b = re.search(rf'<tr data-instance="{at_b}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    assert row_a.group(1) == "refused" and "نگاشت نشده" in row_a.group(2)
    assert row_b.group(1) == "ok"
    assert 'B: بررسی <bdi dir="ltr">(Task_B)</bdi> ← B: کنترل <bdi dir="ltr">(Task_Check)</bdi>' in row_b.group(2)
    text = page_text(owner.post(URL, data={"ids": [at_b], "target": renamed.version, "action": "dry_run",
                                           "map-Task_B": "EndEvent_1"}))
    row_b = re.search(rf'<tr data-instance="{at_b}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    assert row_b.group(1) == "refused" and "عنصری از نوع دیگری است" in row_b.group(2)
    db.expire_all()
    assert {db.get(Instance, i).version.version for i in (at_a, at_b)} == {1}
    assert db.scalars(select(MigrationJob)).all() == []
    assert db.scalars(select(Event).where(Event.type == "instance_migrated")).all() == []


def test_filters_choose_which_instances_are_listed(app, login):
    at_a, at_b, _versions = arrange(app, 2)
    owner = login("process_owner")
    text = page_text(owner.get(URL + "?element=Task_B"))
    assert f'data-instance="{at_b}"' in text and f'data-instance="{at_a}"' not in text
    text = page_text(owner.get(URL + f"?ids_filter={at_a}"))
    assert f'data-instance="{at_a}"' in text and f'data-instance="{at_b}"' not in text
    text = page_text(owner.get(URL + "?status=error"))
    assert 'data-testid="nothing-to-move"' in text
    text = page_text(owner.get(URL + "?started_from=۱۳۹۰/۰۱/۰۱&started_to=۱۳۹۰/۰۱/۰۲"))
    assert 'data-testid="nothing-to-move"' in text


def test_scope_all_moves_every_matching_instance(app, login, db):
    at_a, at_b, _versions = arrange(app, 2)
    owner = login("process_owner")
    text = page_text(move(owner, 2, [], scope="all", element="Task_A"))
    assert 'data-status="finished"' in text
    db.expire_all()
    assert (db.get(Instance, at_a).version.version, db.get(Instance, at_b).version.version) == (2, 1)


def test_bad_input_gets_a_persian_reason_and_changes_nothing(app, login, db):
    at_a, at_b, _versions = arrange(app)
    renamed = deploy_file(app, MIGRATION / "renamed_both.bpmn")
    owner = login("process_owner")
    cases = [({"map-Task_B": "Task_Nowhere"}, "عنصر Task_Nowhere در نسخه ۲ وجود ندارد"),
             ({"district": "99999"}, "منطقه ۹۹۹۹۹ وجود ندارد"),
             ({"district": "d1"}, "d1 عدد نیست"),
             ({"started_from": "1405/13/40"}, "یک تاریخ خورشیدی مانند"),
             ({"ids_filter": "999999"}, "پرونده ۹۹۹۹۹۹ پرونده‌ای از migration_demo نیست")]
    for extra, reason in cases:
        for action in ("move", "dry_run"):
            response = owner.post(URL, data={"ids": [at_a, at_b], "target": renamed.version,
                                             "action": action, **extra})
            assert response.status_code == 400, (extra, action)
            text = page_text(response)
            error = re.search(r'data-testid="migrate-error">(.*?)</div>', text, re.S).group(1)
            assert reason in error.replace("\u2068", "").replace("\u2069", ""), (extra, error)
    db.expire_all()
    assert {db.get(Instance, i).version.version for i in (at_a, at_b)} == {1}
    assert db.scalars(select(MigrationJob)).all() == []
    assert owner.post(URL, data={"ids": [at_a], "target": 99, "action": "move"}).status_code == 400


def test_moving_one_and_refusing_another_in_one_post(app, login, db):
    at_a, at_b, _versions = arrange(app, 2, 3)
    owner = login("process_owner")
    response = move(owner, 3, [at_a, at_b])
    assert response.status_code == 200
    text = page_text(response)
    migrated = re.search(r'data-testid="migrated-list">(.*?)</ul>', text, re.S).group(1)
    refused = re.search(r'data-testid="refused-list">(.*)</ul>', text, re.S).group(1)
    assert f'data-instance="{at_b}"' in migrated and f'data-instance="{at_a}"' not in migrated
    assert f'data-instance="{at_a}"' in refused and "A: ثبت" in refused
    assert "نسخه ۳ نگاشت نشده است" in refused  # the reason, in Persian
    db.expire_all()
    assert db.get(Instance, at_b).version.version == 3
    assert db.get(Instance, at_a).version.version == 1
    [event] = db.scalars(select(Event).where(Event.instance_id == at_b,
                                             Event.type == "instance_migrated")).all()
    assert (event.data["from_version"], event.data["to_version"]) == (1, 3)
    db.rollback()  # SQLite: end the read before the request's session writes
    page = page_text(owner.get(f"/instances/{at_b}"))
    assert '<bdi dir="ltr">migration_demo</bdi> نسخه ۳' in page


def test_a_big_move_goes_batch_by_batch_through_the_progress_page(app, login, db):
    at_a, at_b, _versions = arrange(app, 2)
    app.config["MIGRATION_BATCH"] = 1  # batches of one instance
    owner = login("process_owner")
    text = page_text(move(owner, 2, [at_a, at_b]))
    assert 'data-status="running" data-done="1" data-total="2"' in text
    assert 'data-testid="continue-form"' in text and "migration_job.js" in text
    job_id = db.scalars(select(MigrationJob.id)).one()
    db.rollback()
    text = page_text(owner.get(URL))  # a closed progress page: the job is found again
    assert f'href="/studio/migration_demo/migrate/jobs/{job_id}"' in text
    text = page_text(owner.post(f"{URL}/jobs/{job_id}/step", follow_redirects=True))
    assert 'data-status="finished" data-done="2" data-total="2"' in text
    db.expire_all()
    assert {db.get(Instance, i).version.version for i in (at_a, at_b)} == {2}


def test_an_instance_moved_through_the_page_verifies(app, login, db):
    at_a, _at_b, _versions = arrange(app, 2)
    owner = login("process_owner")
    assert move(owner, 2, [at_a]).status_code == 200
    auditor = login("auditor")
    text = page_text(auditor.get(f"/audit/instances/{at_a}/verify"))
    assert 'data-testid="verify-ok"' in text


def test_nothing_chosen_is_said(app, login):
    _at_a, _at_b, _versions = arrange(app, 2)
    owner = login("process_owner")
    response = owner.post(URL, data={"target": 2, "action": "move"})
    assert response.status_code == 400 and "هیچ پرونده‌ای انتخاب نشد" in page_text(response)
