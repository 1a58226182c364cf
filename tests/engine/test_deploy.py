"""Deploying BPMN files: versions by content hash, instances pinned to their version,
refusals that name the element and line, and `flask processes deploy`."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

import engine as runtime
from modeling.deploy import deploy_process
from models.errors import BpmnValidationError
from engine.spiff.parsing import content_sha256
from engine_support import (FIXTURES, deploy, district_id, fixture_bytes, ready_specs, ready_task,
                            reload_instance, user)
from models import ProcessVersion


def version_rows(session, process_key):
    session.expire_all()
    return list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                                .order_by(ProcessVersion.version)))


def line_of(fixture: str, needle: str) -> int:
    """The 1-based line of the first occurrence of needle in a fixture file."""
    for number, text in enumerate((FIXTURES / fixture).read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {fixture}")


# ---------------------------------------------------------------- versions

def test_new_file_is_deployed_as_version_1(db):
    version, created = deploy_process(db, fixture_bytes("versioned_v1.bpmn"), filename="versioned_v1.bpmn")
    db.commit()
    assert created is True
    assert (version.process_key, version.version) == ("t_versioned", 1)
    assert version.content_sha256 == content_sha256(fixture_bytes("versioned_v1.bpmn"))
    assert version.lanes == {"pr_expert": "pr_expert"}
    assert [v.version for v in version_rows(db, "t_versioned")] == [1]


def test_unchanged_file_creates_no_new_version(db):
    first, _ = deploy_process(db, fixture_bytes("versioned_v1.bpmn"))
    db.commit()
    again, created = deploy_process(db, fixture_bytes("versioned_v1.bpmn"))
    db.commit()
    assert created is False
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_changed_file_becomes_version_2(db):
    deploy_process(db, fixture_bytes("versioned_v1.bpmn"))
    db.commit()
    v2, created = deploy_process(db, fixture_bytes("versioned_v2.bpmn"))
    db.commit()
    assert created is True
    assert v2.version == 2
    rows = version_rows(db, "t_versioned")
    assert [v.version for v in rows] == [1, 2]
    assert rows[0].content_sha256 != rows[1].content_sha256
    assert rows[1].lanes == {"pr_expert": "pr_expert", "pr_head": "pr_head"}


def test_running_instance_stays_on_its_version_and_new_instances_use_the_latest(app, db):
    v1 = deploy(app, "versioned_v1.bpmn")
    expert = user(db, "pr_expert_d1")
    d1 = district_id(db, "d1")
    old = runtime.start_instance(db, "t_versioned", expert, d1)
    db.commit()
    v2 = deploy(app, "versioned_v2.bpmn")
    assert v2.version == 2

    # The v1 instance runs v1's diagram: after its only task it ends, with no v2 step.
    runtime.complete_task(db, ready_task(db, old.id, "Task_first").id, expert, {})
    db.commit()
    old = reload_instance(db, old.id)
    assert old.process_version_id == v1.id
    assert old.status == "completed"
    assert ready_specs(db, old.id) == []

    new = runtime.start_instance(db, "t_versioned", expert, d1)
    db.commit()
    assert new.process_version_id == v2.id
    runtime.complete_task(db, ready_task(db, new.id, "Task_first").id, expert, {})
    db.commit()
    assert reload_instance(db, new.id).status == "running"
    step = ready_task(db, new.id, "Task_added_in_v2")
    assert step.role == "pr_head"


# ---------------------------------------------------------------- refusals

# fixture, element id the message must name (None: malformed XML has none), line needle, words
INVALID = [
    ("invalid_malformed.bpmn", None, "</bpmn:process>", "not well-formed XML"),
    ("invalid_xsd.bpmn", "Flow_no_target", 'id="Flow_no_target"', "targetRef"),
    ("invalid_script_import.bpmn", "Script_run", "<bpmn:script>", "__import__"),
    ("invalid_script_bases.bpmn", "Script_run", "<bpmn:script>", "__bases__"),
    ("invalid_lane_no_role.bpmn", "Task_bad", 'id="Task_bad"', "'Somebody', which names no role"),
    ("invalid_form_missing.bpmn", "Task_bad", 'id="Task_bad"', "'no_such_form' does not exist"),
    ("invalid_gateway_no_condition.bpmn", "Flow_a", 'id="Flow_a"', "without condition"),
    ("invalid_task_two_outgoing.bpmn", "Task_two_ways", 'id="Task_two_ways"', "outgoing flows"),
]


@pytest.mark.parametrize("fixture, element_id, line_needle, words", INVALID,
                         ids=[row[0].removesuffix(".bpmn") for row in INVALID])
def test_invalid_file_is_refused_with_element_and_line(db, fixture, element_id, line_needle, words):
    with pytest.raises(BpmnValidationError) as caught:
        deploy_process(db, fixture_bytes(fixture), filename=fixture)
    message = str(caught.value)
    assert words in message
    line = line_of(fixture, line_needle)
    assert f"line {line}" in message, message
    if element_id is not None:
        assert f"id={element_id!r}" in message, message
        assert any(e.element_id == element_id and e.line == line for e in caught.value.errors)
    # A sentence for a process owner, not a Python traceback or exception repr.
    assert "Traceback" not in message and "Error(" not in message and "\n" not in message
    assert not re.search(r"of type\.?\s*$", message), message  # no dangling Spiff template
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ProcessVersion)) == 0


# ---------------------------------------------------------------- CLI

def test_cli_deploy_exit_codes(app, db):
    """The CLI refuses what the studio refuses (a task without a form here), deploying nothing."""
    runner = app.test_cli_runner()
    path = str(FIXTURES / "studio" / "valid.bpmn")

    first = runner.invoke(args=["processes", "deploy", path])
    assert first.exit_code == 0, first.output
    assert "studio_demo v1 deployed" in first.output

    second = runner.invoke(args=["processes", "deploy", path])
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.output
    assert [v.version for v in version_rows(db, "studio_demo")] == [1]

    for fixture, element_id, words in (("invalid_lane_no_role.bpmn", "Lane_1", "names no role"),
                                       ("versioned_v1.bpmn", "Task_first", "names no form")):
        bad = runner.invoke(args=["processes", "deploy", str(FIXTURES / fixture)])
        assert bad.exit_code != 0
        assert element_id in bad.output and words in bad.output, bad.output
        assert "Traceback" not in bad.output and "nothing was deployed" in bad.output
    assert version_rows(db, "t_lane_no_role") == [] and version_rows(db, "t_versioned") == []


def test_a_bare_duration_is_refused_at_deploy_and_a_malformed_quoted_one_is_no_timer_text():
    """P1D unquoted is a Python name (NameError in every instance at the timer); "P1X" made
    SpiffWorkflow raise a bare Exception that the studio's check did not catch (a 500)."""
    from engine.spiff.parsing import parse_definition
    from engine.spiff.timer_events import timer_text_ok
    quoted = (Path(__file__).parent / "fixtures" / "parallel_join_timer_to_end.bpmn").read_bytes()
    bare = quoted.replace(b'"PT1H"</bpmn:timeDuration>', b"P1D</bpmn:timeDuration>")
    with pytest.raises(BpmnValidationError) as refused:
        parse_definition(bare)
    assert "P1D is not in quotes" in str(refused.value)
    parse_definition(quoted)  # the quoted one deploys
    assert timer_text_ok("timeDuration", "P1D") and not timer_text_ok("timeDuration", "P1X")
