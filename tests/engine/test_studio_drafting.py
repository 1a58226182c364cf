"""modeling/drafting.py: a new process's draft, restoring, and the rule that refuses a draft save
which lost the diagram the modeler opened (a failed or partial import)."""
from pathlib import Path

import pytest

from modeling import drafting, studio
from models import User
from models.errors import Conflict, InvalidData

VALID = (Path(__file__).resolve().parents[1] / "fixtures" / "studio" / "valid.bpmn").read_text()
PARTIAL = VALID.split("<bpmn:laneSet")[0] + '<bpmn:startEvent id="StartEvent_1" /></bpmn:process></bpmn:definitions>'


@pytest.fixture
def owner(db):
    return db.query(User).filter_by(username="process_owner").one()


def test_a_new_process_validates_as_a_draft_of_its_own_key(db, owner):
    draft = drafting.new_process(db, "street_lights", "  روشنایی   معابر ", owner)
    assert draft.is_current and draft.source == "new"
    assert studio.process_key_of(draft.bpmn_xml) == "street_lights"
    assert 'name="روشنایی معابر"' in draft.bpmn_xml
    assert studio.key_problems(draft.bpmn_xml, "street_lights") == []
    with pytest.raises(Conflict):
        drafting.new_process(db, "street_lights", "again", owner)
    for key in ("9lives", "has space", "x" * 121, "<b>"):
        with pytest.raises(InvalidData):
            drafting.new_process(db, key, "name", owner)


def test_save_refusal_rules(db, owner):
    studio.save_draft(db, "studio_demo", VALID, owner)
    assert drafting.save_refusal(db, "studio_demo", VALID) is None
    assert drafting.save_refusal(db, "studio_demo", VALID, import_failed=True)[0] == drafting.IMPORT_FAILED
    template, params = drafting.save_refusal(db, "studio_demo", PARTIAL)
    assert template == drafting.SHRANK and params["lost"] == 6
    assert drafting.save_refusal(db, "studio_demo", PARTIAL, confirmed=True) is None
    # unknown base: compared with the current draft; a hash of the partial text matches nothing
    assert drafting.save_refusal(db, "studio_demo", PARTIAL, base_sha=drafting.sha256_of(PARTIAL)) is not None
    # unreadable XML is left to validation (saved with its problems)
    assert drafting.save_refusal(db, "studio_demo", "<not xml") is None


def test_restoring_keeps_every_earlier_draft(db, owner):
    first, _ = studio.save_draft(db, "studio_demo", VALID, owner)
    studio.save_draft(db, "studio_demo", VALID.replace("Register", "Renamed"), owner)
    restored = drafting.restore_draft(db, "studio_demo", owner, draft_id=first.id)
    assert restored.bpmn_xml == VALID and restored.source == "restore"
    assert [d.id for d in studio.draft_history(db, "studio_demo")][-1] == first.id
    assert len(studio.draft_history(db, "studio_demo")) == 3


def test_every_message_of_drafting_has_a_persian_translation():
    from babel.messages.pofile import read_po
    po_path = Path(__file__).resolve().parents[2] / "app/translations/fa/LC_MESSAGES/messages.po"
    with open(po_path, "rb") as po:
        catalog = read_po(po)
    missing = [m for m in drafting.TEMPLATES + drafting.SAVE_TEMPLATES
               if catalog.get(m) is None or not catalog.get(m).string]
    assert missing == []
