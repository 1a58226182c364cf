"""The data of an instance's dossier: facts, history, records and diagram, read-only."""
import json

from sqlalchemy import select

import engine as runtime
from audit.dossier import instance_dossier
from models import District, HumanTask, User

REGISTER = {"complainant_name": "مریم احمدی", "phone": "09123456789", "channel": "phone",
            "subject": "چاله در خیابان", "complaint_type": "service",
            "description": "چاله‌ای بزرگ مانده است.", "address": "خیابان بهار"}


def registered(db):
    user = db.scalars(select(User).where(User.username == "pr_expert_d1")).one()
    district = db.scalars(select(District).where(District.code == "d1")).one()
    instance = runtime.start_instance(db, "complaints", user, district.id, title="شکایت آزمایشی")
    db.commit()
    task = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    runtime.complete_task(db, task.id, user, REGISTER)
    db.commit()
    return instance


def test_dossier_has_facts_history_records_and_diagram_marks(app, db, complaints):
    instance = registered(db)
    dossier = json.loads(json.dumps(instance_dossier(db, instance), ensure_ascii=False))
    facts = dossier["instance"]
    assert (facts["title"], facts["version"], facts["content_sha256"], facts["status"]) == \
        ("شکایت آزمایشی", complaints.version, complaints.content_sha256, "running")
    assert facts["started_by"] == {"username": "pr_expert_d1", "name": instance.started_by.display_name}
    assert facts["started_at"].endswith("+00:00") and facts["completed_at"] is None
    assert [e["type"] for e in dossier["events"]] == ["instance_started", "tracking_code_issued", "task_completed"]
    assert dossier["events"][2]["task"] == "Task_register_complaint"
    assert dossier["events"][2]["data"]["data"]["subject"] == "چاله در خیابان"
    assert dossier["events"][2]["prev_sha256"] == dossier["events"][1]["sha256"]
    [record] = dossier["records"]
    assert record["code"] == "F-__-0-5-01" and record["data"]["address"] == "خیابان بهار"
    assert record["legal_hold"] is False and record["disposal"] is None
    assert dossier["diagram"]["completed_elements"]["Task_register_complaint"] == 1
    assert "Task_examine_service_complaint" in dossier["diagram"]["active_elements"]
    assert "<bpmn:definitions" in dossier["diagram"]["bpmn_xml"]


def test_making_a_dossier_changes_nothing(app, db, complaints):
    instance = registered(db)
    before = (instance.row_version, instance.last_event_seq)
    instance_dossier(db, instance)
    assert not db.dirty and not db.new
    assert (instance.row_version, instance.last_event_seq) == before
