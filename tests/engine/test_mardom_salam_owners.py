"""The working group's owner and deadline of a Mardom Salam request reach its 137 message: the
executive unit's task goes to the owner's unit and is due by the end of the deadline's day,
whether the message was referred before the table was made or after."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from engine_support import ready_specs, user
from mardom_salam_support import (add_request, complete, deploy_all, hold_meeting, make_meeting,
                                  up_to_meeting)
from message_137_support import INTAKE
from models import HumanTask, Unit
from models.mardom_salam import MardomSalamMeeting
from people.accounts import create_user, grant_role
from people.organisation import find_unit
from programmes.mardom_salam import requests as msr

OWNER = "اداره حمل‌ونقل و ترافیک"  # d1-traffic, as the working group writes it
DEADLINE = "1405/10/20"            # 2027-01-10; its last second in Tehran is 20:29:59 UTC


@pytest.fixture
def deployed(app, db):
    deploy_all(app)
    member = create_user(db, "traffic_head_d1", DEMO_PASSWORD)
    grant_role(db, member, "department_head", None, unit=find_unit(db, "d1-traffic"))
    db.commit()
    return app


def executive_task(db, message_id) -> HumanTask:
    return db.scalars(select(HumanTask).where(HumanTask.instance_id == message_id,
                                              HumanTask.task_spec == "Task_executive_reply",
                                              HumanTask.status == "ready")).one()


def refer(db, message_id):
    complete(db, message_id, "Task_register_message", {**INTAKE, "channel": "mardom_salam"},
             username="intake_operator_d1")


def classify(db, meeting):
    meeting = db.get(MardomSalamMeeting, meeting.id)
    rows = {r.id: {"owner": OWNER, "deadline": DEADLINE, "category": "technical"}
            for r in meeting.requests}
    msr.classify_requests(db, meeting, user(db, "followup_working_group_d1"), rows, "صورتجلسه")
    db.commit()


@pytest.mark.parametrize("referred_first", [True, False])
def test_the_owner_and_deadline_route_the_requests_137_message(deployed, db, referred_first):
    meeting = make_meeting(deployed, db)
    up_to_meeting(db, meeting)
    request = add_request(db, meeting)
    message_id = request.message_instance_id
    hold_meeting(db, meeting)
    if referred_first:
        refer(db, message_id)
        assert db.get(Unit, executive_task(db, message_id).unit_id).code != "d1-traffic"
        classify(db, meeting)
    else:
        classify(db, meeting)
        assert ready_specs(db, message_id) == ["Task_register_message"]
        refer(db, message_id)
    task = executive_task(db, message_id)
    assert db.get(Unit, task.unit_id).code == "d1-traffic"
    assert task.due_at == datetime(2027, 1, 10, 20, 29, 59, tzinfo=timezone.utc).replace(tzinfo=None)
