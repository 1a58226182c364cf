"""`flask processes migrate`: the same mapping, dry run, filters and batches as the page."""
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Event, Instance, MigrationJob
from test_studio_migration import arrange
from tests.conftest import deploy_file

MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["processes", "migrate", *args])


def versions_of(app, *ids):
    with app.extensions["db_sessions"]() as session:
        return [session.get(Instance, i).version.version for i in ids]


def test_a_dry_run_says_per_instance_what_would_happen_and_changes_nothing(app, cli):
    at_a, at_b, _versions = arrange(app)
    deploy_file(app, MIGRATION / "renamed_both.bpmn")
    result = cli("migration_demo", "--to", "2", "--as", "process_owner", "--map", "Task_B=Task_Check",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"#{at_b} v1 -> v2: Task_B -> Task_Check" in result.output
    assert f"#{at_a} v1 -> v2: Task_A -> Task_A" in result.output
    result = cli("migration_demo", "--to", "2", "--as", "process_owner", "--dry-run")
    assert f"#{at_b} v1 refused:" in result.output and "mapped to no element" in result.output
    assert versions_of(app, at_a, at_b) == [1, 1]
    with app.extensions["db_sessions"]() as session:
        assert session.scalars(select(MigrationJob)).all() == []


def test_a_move_with_a_hand_mapping_and_a_filter_goes_in_batches(app, cli):
    at_a, at_b, _versions = arrange(app)
    deploy_file(app, MIGRATION / "renamed_both.bpmn")
    result = cli("migration_demo", "--to", "2", "--as", "process_owner", "--map", "Task_B=Task_Check",
                 "--element", "Task_B", "--batch", "1", "--reason", "renamed B")
    assert result.exit_code == 0, result.output
    assert "1/1" in result.output and "moved 1, refused 0" in result.output
    assert versions_of(app, at_a, at_b) == [1, 2]
    with app.extensions["db_sessions"]() as session:
        event = session.scalars(select(Event).where(Event.instance_id == at_b,
                                                    Event.type == "instance_migrated")).one()
        assert event.data["mapping"] == {"Task_B": "Task_Check"} and event.data["reason"] == "renamed B"


def test_bad_input_fails_with_a_message_and_changes_nothing(app, cli):
    at_a, at_b, _versions = arrange(app, 2)
    for args, message in ((["--map", "Task_B=Nowhere"], "Element Nowhere does not exist in version 2"),
                          (["--map", "Task_B"], "is not old=new"),
                          (["--district", "d9"], "no district"),
                          (["--started-from", "1405/13/01"], "not a day"),
                          (["--id", "99999"], "Instance 99999 is not an instance of migration_demo")):
        result = cli("migration_demo", "--to", "2", "--as", "process_owner", *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    result = cli("migration_demo", "--to", "2", "--as", "admin")
    assert result.exit_code != 0 and "process owner" in result.output
    result = cli("migration_demo", "--to", "7", "--as", "process_owner")
    assert result.exit_code != 0 and "Version 7 of migration_demo does not exist" in result.output
    assert versions_of(app, at_a, at_b) == [1, 1]


def test_a_move_left_unfinished_by_the_page_is_carried_on_with_job(app, cli, login):
    at_a, at_b, _versions = arrange(app, 2)
    app.config["MIGRATION_BATCH"] = 1
    login("process_owner").post("/studio/migration_demo/migrate",
                                data={"ids": [at_a, at_b], "target": 2, "action": "move"})
    assert versions_of(app, at_a, at_b) == [2, 1]  # the page's first batch only
    with app.extensions["db_sessions"]() as session:
        job_id = session.scalars(select(MigrationJob.id)).one()
    result = cli("migration_demo", "--job", str(job_id), "--as", "process_owner")
    assert result.exit_code == 0 and "2/2" in result.output and "moved 2, refused 0" in result.output
    assert versions_of(app, at_a, at_b) == [2, 2]
    assert cli("migration_demo", "--as", "process_owner").exit_code != 0  # neither --to nor --job
