"""The verification pages (/audit/verify, /audit/instances/<id>/verify) and `flask audit verify`:
auditors only, OK for an instance that re-executes to its stored state, the first divergent
event and the reason for one that does not."""
import pytest
from sqlalchemy import update

from app.audit.verification_views import REASON_TEMPLATES
from app.audit.verify_cli import verify_command
from engine.replay.verify import REASONS
from models import Instance
from tests.engine.pr_processes_support import INFORM_REQUEST, NEWS
from tests.engine.replay_support import deploy, do, start


@pytest.fixture
def instances(app, db):
    """A news item half-way, a website update returned once, and a news item whose data was forged."""
    deploy(app, "news")
    deploy(app, "website_update")
    news = start(db, "news")
    do(db, news, "Task_prepare_news", NEWS)
    update_id = start(db, "website_update")
    do(db, update_id, "Task_register_inform_request", INFORM_REQUEST)
    do(db, update_id, "Task_review_inform_request", {"review_decision": "return", "review_reason": "ناقص"})
    forged = start(db, "news")
    do(db, forged, "Task_prepare_news", NEWS)
    data = dict(db.get(Instance, forged).data, headline="خبر دیگر")
    db.execute(update(Instance.__table__).where(Instance.__table__.c.id == forged).values(data=data))
    db.commit()
    db.close()
    return news, update_id, forged


@pytest.fixture
def cli(app):
    app.cli.add_command(verify_command)  # app/cli.py registers it in its `audit` group
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["verify", *args])


def test_the_page_verifies_one_instance_or_a_whole_process_for_an_auditor(login, instances):
    news, update_id, forged = instances
    auditor = login("auditor")
    page = auditor.get("/audit/verify")
    assert page.status_code == 200 and 'data-testid="verify-process"' in page.get_data(as_text=True)
    one = auditor.get(f"/audit/verify?instance={update_id}").get_data(as_text=True)
    assert 'data-testid="verify-ok"' in one and f'data-instance="{update_id}" data-matches="yes"' in one
    every = auditor.get("/audit/verify?process=news").get_data(as_text=True)
    assert 'data-testid="verify-mismatch"' in every
    assert f'data-instance="{news}" data-matches="yes"' in every
    assert f'data-instance="{forged}" data-matches="no"' in every
    assert f'data-instance="{update_id}"' not in every  # another process
    assert "headline" in every and "خبر دیگر" in every
    assert all(f'data-instance="{i}"' in auditor.get("/audit/verify?process=*").get_data(as_text=True)
               for i in instances)


def test_the_instance_page_shows_ok_or_the_first_divergent_event_with_its_reason(login, instances):
    news, _, forged = instances
    admin = login("admin")
    ok = admin.get(f"/audit/instances/{news}/verify")
    assert ok.status_code == 200 and 'data-testid="verify-ok"' in ok.get_data(as_text=True)
    bad = admin.get(f"/audit/instances/{forged}/verify")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'data-testid="verify-mismatch"' in body
    assert "داده‌ها" in body and "headline" in body  # the reason, in Persian
    assert 'class="table-danger"' in body
    assert admin.get("/audit/instances/999999/verify").status_code == 404


def test_only_auditors_and_administrators_may_verify(app, login, instances):
    news = instances[0]
    staff = login("pr_expert_d1")
    assert staff.get("/audit/verify").status_code == 403
    assert staff.get(f"/audit/instances/{news}/verify").status_code == 403
    assert staff.get("/audit/verify?process=*").status_code == 403
    anonymous = app.test_client().get("/audit/verify")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_command_prints_one_line_per_instance_and_fails_on_a_mismatch(cli, instances):
    news, update_id, forged = instances
    clean = cli("--process", "website_update")
    assert clean.exit_code == 0, clean.output
    assert f"instance {update_id} (website_update): OK" in clean.output
    assert cli("--instance", str(news)).exit_code == 0
    every = cli()
    assert every.exit_code == 1
    lines = every.output.splitlines()
    assert lines[:2] == [f"instance {news} (news): OK", f"instance {update_id} (website_update): OK"]
    assert lines[2].startswith(f"instance {forged} (news): MISMATCH at event ")
    assert "key headline is 'خبر دیگر' in the stored instance data" in lines[2]
    assert lines[-1] == "3 instance(s) verified, 1 mismatch(es)"
    missing = cli("--instance", "999999")
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_every_reason_the_engine_gives_is_listed_for_translation():
    assert sorted(REASON_TEMPLATES) == sorted(REASONS)


def test_verifying_everything_on_the_page_stops_at_its_cap_and_says_so(login, instances, monkeypatch):
    import app.audit.verification_views as views
    monkeypatch.setattr(views, "MAX_INSTANCES", 2)
    page = login("auditor").get("/audit/verify?process=*").get_data(as_text=True)
    assert 'data-testid="verify-capped"' in page
    assert page.count("data-matches=") == 2 and f'data-instance="{instances[2]}"' not in page
