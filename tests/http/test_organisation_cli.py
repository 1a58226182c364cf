"""`flask units create|list|import`, `flask roles`, `flask users assign|substitute`."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from models import Role, RoleGrant, Substitution, Unit, clock
from people.accounts import find_user
from people.organisation import find_unit


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


def fresh(app):
    """A session of its own, to read what a command committed."""
    return app.extensions["db_sessions"]()


GOOD_CSV = """code,title_fa,title_en,parent_code,district_code,head_username,categories
d2-parks,اداره فضای سبز منطقه ۲,Parks of district 2,d2-deputy,d2,pr_expert_d2,service;technical
d2-parks-north,فضای سبز شمال,Parks north,d2-parks,d2,,service
city-inspection,مدیریت بازرسی,Central inspection,,,,
"""


def test_units_import_creates_the_tree_and_a_second_import_updates_it(cli, app, tmp_path):
    path = tmp_path / "units.csv"
    # the child line comes first: parents are written first whatever the order
    lines = GOOD_CSV.splitlines()
    path.write_text("\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n", encoding="utf-8")
    result = cli("units", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated" in result.output
    with fresh(app) as session:
        parks = find_unit(session, "d2-parks")
        assert parks.parent.code == "d2-deputy" and parks.district.code == "d2"
        assert parks.head.username == "pr_expert_d2" and parks.categories == ["service", "technical"]
        assert find_unit(session, "d2-parks-north").parent_id == parks.id
        assert find_unit(session, "city-inspection").district_id is None
    path.write_text(GOOD_CSV.replace("service;technical", "urban_planning"), encoding="utf-8")
    result = cli("units", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "0 created, 3 updated" in result.output
    with fresh(app) as session:
        assert find_unit(session, "d2-parks").categories == ["urban_planning"]
        assert session.scalar(select(func.count()).select_from(Unit)
                              .where(Unit.code.like("d2-parks%"))) == 2


def test_units_import_with_a_bad_line_names_it_in_both_languages_and_writes_nothing(cli, app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(GOOD_CSV + "d9-x,واحد,Unit,,d9,,service\nd2-y,واحد,Unit,,d2,nobody,garbage\n",
                    encoding="utf-8")
    result = cli("units", "import", str(path))
    assert result.exit_code != 0
    assert "line 5: There is no district 'd9'." in result.output
    assert "line 6: There is no user 'nobody'." in result.output
    assert "'garbage' is not a 137 category." in result.output
    assert "منطقه" in result.output  # the Persian words too
    with fresh(app) as session:
        assert find_unit(session, "d2-parks") is None and find_unit(session, "city-inspection") is None


def test_units_create_and_list_show_the_tree(cli):
    result = cli("units", "create", "d1-lighting", "--fa", "اداره روشنایی", "--en", "Lighting",
                 "--parent", "d1-deputy", "--district", "d1", "--categories", "technical")
    assert result.exit_code == 0, result.output
    listing = cli("units", "list", "--district", "d1")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    deputy = next(i for i, line in enumerate(lines) if line.startswith("d1-deputy"))
    assert any(line.startswith("  d1-lighting") for line in lines[deputy + 1:])
    refused = cli("units", "create", "d1-bad", "--fa", "x", "--district", "d1", "--parent", "d2-deputy")
    assert refused.exit_code != 0 and "another district" in refused.output


def test_roles_create_adds_a_role_that_assign_accepts(cli, app):
    result = cli("roles", "create", "green_space_officer", "--fa", "کارشناس فضای سبز",
                 "--en", "Green space officer")
    assert result.exit_code == 0, result.output
    assert "green_space_officer" in cli("roles", "list").output
    assert cli("roles", "create", "pr_expert", "--fa", "x", "--en", "y").exit_code != 0
    result = cli("users", "assign", "pr_expert_d1", "green_space_officer", "--unit", "d1-waste")
    assert result.exit_code == 0, result.output
    with fresh(app) as session:
        assert session.scalar(select(Role).where(Role.code == "green_space_officer")).title_en == \
            "Green space officer"
        grant = session.scalar(select(RoleGrant).where(RoleGrant.role == "green_space_officer"))
        assert grant.unit.code == "d1-waste" and grant.district.code == "d1"


def test_users_assign_takes_solar_hijri_or_iso_days_for_the_period(cli, app):
    result = cli("users", "assign", "pr_expert_d1", "deputy", "--district", "d1",
                 "--from", "1405/09/15", "--until", "2026-12-31")
    assert result.exit_code == 0, result.output
    with fresh(app) as session:
        grant = session.scalar(select(RoleGrant).join(RoleGrant.user)
                               .where(RoleGrant.role == "deputy", RoleGrant.user.has(username="pr_expert_d1")))
        # Tehran midnight is 20:30 UTC the day before
        assert grant.valid_from == datetime(2026, 12, 5, 20, 30)
        assert grant.valid_until == datetime(2026, 12, 31, 20, 30)
    assert cli("users", "assign", "pr_expert_d1", "deputy", "--city", "--from", "soon").exit_code != 0
    assert cli("users", "assign", "pr_expert_d1", "deputy").exit_code != 0
    assert "No unit" in cli("users", "assign", "pr_expert_d1", "deputy", "--unit", "nowhere").output


def test_users_substitute_records_the_period(cli, app):
    clock.set_now(datetime(2026, 12, 6, 8, 0))
    result = cli("users", "substitute", "department_head_d1", "deputy_d1", "--from", "1405/09/15",
                 "--until", "1405/09/20", "--reason", "leave")
    assert result.exit_code == 0, result.output
    with fresh(app) as session:
        row = session.scalar(select(Substitution))
        assert (row.user.username, row.substitute.username, row.reason) == \
            ("department_head_d1", "deputy_d1", "leave")
        assert row.in_force(clock.utcnow())
    assert cli("users", "substitute", "deputy_d1", "deputy_d1", "--from", "1405/09/15",
               "--until", "1405/09/20").exit_code != 0
    assert cli("users", "substitute", "deputy_d1", "manager_d1", "--from", "1405/09/20",
               "--until", "1405/09/15").exit_code != 0
