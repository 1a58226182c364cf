"""The pages that move running instances to a newer version (/studio/<key>/migrate)."""
import re
from pathlib import Path

from sqlalchemy import select

from app.studio.migration_views import REASON_TEMPLATES
import engine as runtime
from engine.migration import TEMPLATES
from http_support import page_text
from models import Event, HumanTask, Instance
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


def test_only_a_process_owner_sees_or_posts(app, login):
    at_a, _at_b, versions = arrange(app, 2)
    for username in ("admin", "pr_expert_d1", "auditor", "central_pr"):
        user = login(username)
        assert user.get(URL).status_code == 403
        assert user.post(URL, data={"ids": [at_a], "target": versions[2].id}).status_code == 403
    assert login("process_owner").get(URL).status_code == 200
    assert login("process_owner").get("/studio/no_such_process/migrate").status_code == 404


def test_the_page_groups_by_version_and_shows_each_check(app, login):
    at_a, at_b, versions = arrange(app, 2, 3)
    owner = login("process_owner")
    text = page_text(owner.get(URL))  # default target: the latest, v3
    assert 'data-testid="version-1"' in text
    row_a = re.search(rf'<tr data-instance="{at_a}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    row_b = re.search(rf'<tr data-instance="{at_b}" data-check="(\w+)">(.*?)</tr>', text, re.S)
    assert row_a.group(1) == "refused" and "A: ثبت" in row_a.group(2) and "Task_A" in row_a.group(2)
    assert row_b.group(1) == "ok"
    text = page_text(owner.get(URL + "?target=2"))
    assert f'<tr data-instance="{at_a}" data-check="ok">' in text
    assert f'name="target" value="{versions[2].id}"' in text


def test_moving_one_and_refusing_another_in_one_post(app, login, db):
    at_a, at_b, versions = arrange(app, 2, 3)
    owner = login("process_owner")
    response = owner.post(URL, data={"ids": [at_a, at_b], "target": versions[3].id})
    assert response.status_code == 200
    text = page_text(response)
    migrated = re.search(r'data-testid="migrated-list">(.*?)</ul>', text, re.S).group(1)
    refused = re.search(r'data-testid="refused-list">(.*)</ul>', text, re.S).group(1)
    assert f'data-instance="{at_b}"' in migrated and f'data-instance="{at_a}"' not in migrated
    assert f'data-instance="{at_a}"' in refused and "A: ثبت" in refused
    assert "در نسخه ۳ وجود ندارد" in refused  # the reason, in Persian
    db.expire_all()
    assert db.get(Instance, at_b).version.version == 3
    assert db.get(Instance, at_a).version.version == 1
    [event] = db.scalars(select(Event).where(Event.instance_id == at_b,
                                             Event.type == "instance_migrated")).all()
    assert (event.data["from_version"], event.data["to_version"]) == (1, 3)
    db.rollback()  # SQLite: end the read before the request's session writes
    page = page_text(owner.get(f"/instances/{at_b}"))
    assert '<bdi dir="ltr">migration_demo</bdi> نسخه ۳' in page


def test_an_instance_moved_through_the_page_verifies(app, login, db):
    at_a, _at_b, versions = arrange(app, 2)
    owner = login("process_owner")
    assert owner.post(URL, data={"ids": [at_a], "target": versions[2].id}).status_code == 200
    auditor = login("auditor")
    text = page_text(auditor.get(f"/audit/instances/{at_a}/verify"))
    assert 'data-testid="verify-ok"' in text


def test_nothing_chosen_and_an_unknown_target(app, login):
    _at_a, _at_b, versions = arrange(app, 2)
    owner = login("process_owner")
    assert owner.post(URL, data={"target": versions[2].id}).status_code == 200
    assert owner.post(URL, data={"ids": [1], "target": 99999}).status_code == 400
