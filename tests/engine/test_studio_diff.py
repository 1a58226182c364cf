"""Differences between two versions of a diagram, element by element."""
from pathlib import Path

from modeling.diff import compare, unified

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
V1 = (STUDIO / "valid.bpmn").read_text(encoding="utf-8")


def test_a_renamed_task_is_changed_with_its_old_and_new_name():
    v2 = V1.replace('name="Register the request"', 'name="Register the complaint"')
    [change] = compare(V1, v2)
    assert (change.element_id, change.change) == ("Task_register", "changed")
    assert change.fields == [("name", "Register the request", "Register the complaint")]
    assert "-    <bpmn:userTask id=\"Task_register\" name=\"Register the request\">" in unified(V1, v2, "v1", "v2")


def test_added_removed_and_moved_elements_and_changed_forms_and_timers():
    v2 = (STUDIO / "bad_timer.bpmn").read_text(encoding="utf-8").replace('"ten days"', '"P2D"')
    v2 = v2.replace('value="complaint_register"', 'value="complaint_review"')
    changes = {c.element_id: c for c in compare(V1, v2)}
    assert changes["Timer_deadline"].change == "added" and changes["Flow_3"].change == "added"
    assert ("form", "complaint_register", "complaint_review") in changes["Task_register"].fields
    assert [c for c in compare(v2, V1) if c.element_id == "Timer_deadline"][0].change == "removed"
    moved = V1.replace('name="pr_expert"', 'name="pr_head"')
    assert ("lane", "pr_expert", "pr_head") in {c.element_id: c for c in compare(V1, moved)}["Task_register"].fields


def test_identical_files_have_no_difference():
    assert compare(V1, V1) == [] and unified(V1, V1, "v1", "v1") == ""
