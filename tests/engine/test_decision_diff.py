"""Differences between two versions of a DMN file (modeling/decision_diff.py): rules added,
removed and changed cell by cell, columns and the hit policy; and the Persian of every message
of the studio's decision-table modules."""
from pathlib import Path

import pytest

from modeling import decision_diff, decision_drafts, decision_trial
from models.errors import InvalidData

DEADLINE = (Path(__file__).resolve().parents[1] / "fixtures" / "decisions" / "studio_deadline.dmn").read_text()


def test_rules_are_matched_by_id_and_each_changed_cell_is_named_by_its_column():
    new = (DEADLINE.replace("<text>24</text>", "<text>12</text>")
           .replace("<description>شهرسازی: ۷۲ ساعت</description>", "<description>شهرسازی</description>"))
    [table] = decision_diff.compare_decisions(DEADLINE, new)
    assert table.change == "changed" and table.hit_policy is None and table.columns == []
    assert [(r.change, r.rule_id) for r in table.rules] == [("changed", "Rule_service"),
                                                            ("changed", "Rule_urban_planning")]
    assert table.rules[0].cells == [("مهلت (ساعت) (deadline_hours)", "24", "12")]
    assert table.rules[1].cells == [("", "شهرسازی: ۷۲ ساعت", "شهرسازی")]


def test_added_and_removed_rules_columns_and_a_new_hit_policy_are_listed():
    start = DEADLINE.index('      <rule id="Rule_other">')
    end = DEADLINE.index("    </decisionTable>")
    new = (DEADLINE[:start] + DEADLINE[end:]).replace('hitPolicy="FIRST"', 'hitPolicy="UNIQUE"')
    new = new.replace('      <rule id="Rule_service">', '''      <rule id="Rule_water">
        <inputEntry id="UnaryTests_water"><text>"water"</text></inputEntry>
        <outputEntry id="LiteralExpression_water"><text>6</text></outputEntry>
      </rule>
      <rule id="Rule_service">''')
    new = new.replace('label="مهلت (ساعت)"', 'label="مهلت"')
    [table] = decision_diff.compare_decisions(DEADLINE, new)
    assert table.hit_policy == ("FIRST", "UNIQUE")
    assert table.columns == [("changed", "output", "مهلت (ساعت) (deadline_hours) → مهلت (deadline_hours)")]
    added = next(r for r in table.rules if r.change == "added")
    assert (added.rule_id, added.new_index, added.cells) == (
        "Rule_water", 1, [("نوع پیام (category)", "", '"water"'), ("مهلت (deadline_hours)", "", "6")])
    removed = next(r for r in table.rules if r.change == "removed")
    assert (removed.rule_id, removed.old_index) == ("Rule_other", 4)
    # Only moved (one place down): not a change.
    assert [r.rule_id for r in table.rules if r.change == "changed"] == []


def test_an_identical_file_has_no_difference_and_a_broken_one_is_a_clear_refusal():
    assert [(t.decision_id, t.change, t.rules) for t in decision_diff.compare_decisions(DEADLINE, DEADLINE)] == [
        ("studio_deadline", "same", [])]
    with pytest.raises(InvalidData) as refused:
        decision_diff.compare_decisions(DEADLINE, "<not xml")
    assert refused.value.params["which"] == "b"


def test_every_message_of_the_decision_studio_has_a_persian_translation():
    from babel.messages.pofile import read_po
    po_path = Path(__file__).resolve().parents[2] / "app/translations/fa/LC_MESSAGES/messages.po"
    with open(po_path, "rb") as po:
        catalog = read_po(po)
    templates = decision_drafts.TEMPLATES + decision_trial.TEMPLATES + (decision_diff.UNREADABLE,)
    assert [m for m in templates if catalog.get(m) is None or not catalog.get(m).string] == []
