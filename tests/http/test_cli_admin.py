"""The `flask` administration commands: users, grants, deploying and listing processes, setup."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from http_support import PROCESSES
from models import HumanTask, Instance, MardomSalamMeeting, ProcessVersion, RoleGrant, User, clock
from people.accounts import authenticate, find_user
from programmes.mardom_salam.schedule import (DEFAULT_FIRST_DATE, DEFAULT_TIME, next_meeting_date,
                                              parse_first_date, parse_time)
from workcal import jalali


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


@pytest.fixture
def count(app):
    """Rows of a model, read in a short session of its own (an open SQLite read would
    block the command's write)."""
    def counter(model, *where):
        with app.extensions["db_sessions"]() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))
    return counter


def grants_of(db, username):
    user = find_user(db, username)
    return sorted((g.role, g.district.code if g.district else None) for g in user.grants)


def test_users_create_makes_a_user_who_can_log_in(cli, db):
    result = cli("users", "create", "new_clerk", "--password", "long-enough-1", "--name", "Sara Amini")
    assert result.exit_code == 0, result.output
    assert "new_clerk" in result.output
    user = authenticate(db, "new_clerk", "long-enough-1")
    assert user is not None and user.full_name == "Sara Amini"
    assert user.password_hash != "long-enough-1"


def test_users_create_prompts_for_the_password_twice(cli, db):
    result = cli("users", "create", "prompted", input="long-enough-1\nlong-enough-1\n")
    assert result.exit_code == 0, result.output
    assert authenticate(db, "prompted", "long-enough-1") is not None


def test_users_create_refuses_a_taken_username(cli, count):
    result = cli("users", "create", "pr_expert_d1", "--password", "long-enough-1")
    assert result.exit_code != 0
    assert "taken" in result.output and "pr_expert_d1" in result.output
    assert count(User, User.username == "pr_expert_d1") == 1


def test_users_create_refuses_a_short_password(cli, db):
    result = cli("users", "create", "shorty", "--password", "short")
    assert result.exit_code != 0
    assert "10 characters" in result.output
    assert find_user(db, "shorty") is None


def test_users_grant_in_a_district(cli, db):
    cli("users", "create", "clerk", "--password", "long-enough-1")
    result = cli("users", "grant", "clerk", "pr_expert", "--district", "d1")
    assert result.exit_code == 0, result.output
    assert "d1" in result.output
    assert grants_of(db, "clerk") == [("pr_expert", "d1")]


def test_users_grant_city_wide(cli, db):
    cli("users", "create", "clerk", "--password", "long-enough-1")
    result = cli("users", "grant", "clerk", "central_pr", "--city")
    assert result.exit_code == 0, result.output
    assert grants_of(db, "clerk") == [("central_pr", None)]


def test_users_grant_twice_keeps_one_grant(cli, db):
    cli("users", "create", "clerk", "--password", "long-enough-1")
    for _ in range(2):
        assert cli("users", "grant", "clerk", "pr_head", "--district", "d2").exit_code == 0
    assert grants_of(db, "clerk") == [("pr_head", "d2")]


def test_granted_user_sees_the_district_tasks(cli, arrange, login):
    cli("users", "create", "clerk", "--password", "demo-pass-1234")
    cli("users", "grant", "clerk", "pr_expert", "--district", "d2")
    task = arrange.only_open_task(arrange.start("d2", "pr_expert_d2"))
    assert f'href="/tasks/{task.id}"' in login("clerk").get("/").get_data(as_text=True)


@pytest.mark.parametrize("args, message", [
    (["clerk", "wizard", "--district", "d1"], "Unknown role"),
    (["clerk", "pr_expert", "--district", "d9"], "No district"),
    (["ghost", "pr_expert", "--district", "d1"], "No user"),
])
def test_users_grant_errors_exit_non_zero_with_a_message(cli, count, args, message):
    cli("users", "create", "clerk", "--password", "long-enough-1")
    result = cli("users", "grant", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    clerk = select(User.id).where(User.username == "clerk").scalar_subquery()
    assert count(RoleGrant, RoleGrant.user_id == clerk) == 0


@pytest.mark.parametrize("flags", [["--district", "d1", "--city"], []])
def test_users_grant_needs_exactly_one_of_district_or_city(cli, db, flags):
    cli("users", "create", "clerk", "--password", "long-enough-1")
    result = cli("users", "grant", "clerk", "pr_expert", *flags)
    assert result.exit_code == 2, result.output
    assert "--district" in result.output and "--city" in result.output
    assert grants_of(db, "clerk") == []


def test_processes_deploy_a_good_file_then_unchanged(cli, count):
    path = str(PROCESSES / "complaints.bpmn")
    first = cli("processes", "deploy", path)
    assert first.exit_code == 0, first.output
    assert "complaints v1 deployed" in first.output
    again = cli("processes", "deploy", path)
    assert again.exit_code == 0 and "complaints v1 unchanged" in again.output
    assert count(ProcessVersion) == 1


def test_processes_deploy_a_changed_file_makes_a_new_version(cli, tmp_path):
    cli("processes", "deploy", str(PROCESSES / "complaints.bpmn"))
    changed = tmp_path / "complaints.bpmn"
    changed.write_text((PROCESSES / "complaints.bpmn").read_text(encoding="utf-8")
                       .replace('exporterVersion="1.0"', 'exporterVersion="1.1"'), encoding="utf-8")
    result = cli("processes", "deploy", str(changed))
    assert result.exit_code == 0 and "complaints v2 deployed" in result.output


def test_processes_deploy_refuses_a_lane_that_names_no_role(cli, count, tmp_path):
    bad = tmp_path / "bad_lane.bpmn"
    bad.write_text((PROCESSES / "complaints.bpmn").read_text(encoding="utf-8")
                   .replace('name="شهردار منطقه"', 'name="Weather office"'), encoding="utf-8")
    result = cli("processes", "deploy", str(bad))
    assert result.exit_code == 1, result.output
    # Said on the lane, as the studio says it (modeling.validation), in English and Persian.
    assert "Weather office" in result.output and "Lane_district_mayor" in result.output
    assert "نام هیچ نقشی نیست" in result.output
    assert count(ProcessVersion) == 0


def test_processes_deploy_refuses_malformed_xml(cli, count, tmp_path):
    bad = tmp_path / "broken.bpmn"
    bad.write_text('<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="x"><bpmn:process',
                   encoding="utf-8")
    result = cli("processes", "deploy", str(bad))
    assert result.exit_code != 0
    assert "not well-formed XML" in result.output and "Traceback" not in result.output
    assert count(ProcessVersion) == 0


def test_processes_deploy_of_a_missing_file_is_a_usage_error(cli, tmp_path):
    result = cli("processes", "deploy", str(tmp_path / "nope.bpmn"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_processes_list_shows_each_process_with_its_latest_version(cli, complaints, oversight):
    result = cli("processes", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("complaints") and "v1" in lines[0] and "رسیدگی به شکایات" in lines[0]
    assert lines[1].startswith("oversight") and "Oversight" in lines[1]


def test_processes_list_is_empty_when_nothing_is_deployed(cli):
    result = cli("processes", "list")
    assert result.exit_code == 0 and result.output == ""


@pytest.mark.committed  # `flask setup` migrates on a connection of its own
def test_setup_without_demo_is_idempotent(cli, count):
    # Only people count: the schedule's service account (inactive, no login) is the system's.
    users_before = count(User, User.is_active)
    first = cli("setup", "--no-demo")
    assert first.exit_code == 0, first.output
    assert "complaints.bpmn: complaints v1 deployed" in first.output
    assert "Demo logins" not in first.output
    assert "connector office_automation: placeholder created" in first.output  # the 137 diagram's
    second = cli("setup", "--no-demo")
    assert second.exit_code == 0, second.output
    assert "office_automation" not in second.output
    assert "complaints.bpmn: complaints v1 unchanged" in second.output
    assert count(ProcessVersion) == len(list(PROCESSES.glob("*.bpmn")))  # one version each
    assert count(User, User.is_active) == users_before


@pytest.mark.committed  # `flask setup` migrates on a connection of its own
def test_setup_with_demo_twice_creates_no_duplicates(cli, count):
    users_before, grants_before = count(User, User.is_active), count(RoleGrant)
    loaded = []
    for _ in range(2):
        result = cli("setup")
        assert result.exit_code == 0, result.output
        assert "Demo logins" in result.output and "pr_expert_d1" in result.output
        loaded.append((count(Instance), count(HumanTask), count(MardomSalamMeeting)))
    assert "Demo work in progress: already loaded" in result.output
    assert loaded[0] == loaded[1]
    assert count(User, User.is_active) == users_before
    assert count(RoleGrant) == grants_before
    # The next Mardom Salam meeting is there before the schedule's daily job first runs, once
    # (besides the demo's meetings).
    local_now = jalali.local_time(clock.now())
    anchor = parse_first_date(DEFAULT_FIRST_DATE)
    day = next_meeting_date(local_now.date(), anchor)
    if day == local_now.date() and local_now.time() >= parse_time(DEFAULT_TIME):
        day += timedelta(days=14)
    assert count(MardomSalamMeeting, MardomSalamMeeting.meeting_date == day) == 1


def test_processes_deploy_takes_a_decision_table_and_refuses_a_broken_one(cli, count, tmp_path):
    from models import DecisionVersion
    path = PROCESSES / "decisions" / "complaint_routing.dmn"
    first = cli("processes", "deploy", str(path))
    assert first.exit_code == 0 and "decision complaint_routing v1" in first.output, first.output
    broken = tmp_path / "complaint_routing.dmn"
    broken.write_text(path.read_text(encoding="utf-8").replace('hitPolicy="UNIQUE"', 'hitPolicy="SOMETIMES"'),
                      encoding="utf-8")
    refused = cli("processes", "deploy", str(broken))
    assert refused.exit_code != 0 and "SOMETIMES" in refused.output
    assert count(DecisionVersion) == 1
