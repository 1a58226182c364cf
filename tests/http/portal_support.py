"""Shared pieces of the portal tests: deploy what citizens file into, file through the pages,
follow a request, and read what the outbox holds for an instance."""
import re

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from modeling.deploy import deploy_process
from models import CitizenRequest, Instance
from models.notifications import OutboxMessage

from path_support import PROCESSES as PROCESSES_DIR

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
FILED = {"service_code": "service", "district": "d1", "description": "چراغ کوچه خاموش است.",
         "address": "خیابان بهار، کوچه ۱۲", "contact_name": "مریم احمدی",
         "contact_phone": "۰۹۱۲۳۴۵۶۷۸۹", "contact_email": "maryam@example.org"}


def deploy_citizen_processes(app) -> None:
    """Deploy every process a citizen can file into."""
    session = app.extensions["db_sessions"]()
    for name in ("citizen_message_137", "complaints", "public_meetings"):
        deploy_process(session, (PROCESSES_DIR / f"{name}.bpmn").read_bytes(), filename=f"{name}.bpmn")
    session.commit()
    session.close()


def file_on_portal(client, **changes) -> tuple[str, str]:
    """File a request through /p/requests/new; (tracking code, follow-up key) from the page."""
    form = {**FILED, **changes}
    response = client.post("/p/requests/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'data-testid="tracking-code">([^<]+)<', page).group(1)
    key = re.search(r'data-testid="follow-key">([^<]+)<', page).group(1)
    return code, key


def request_row(app, code: str) -> CitizenRequest:
    session = app.extensions["db_sessions"]()
    try:
        row = session.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).one()
        # the contact is stored sealed (models.shredding): opened while the session can
        (row.address, row.contact_name, row.contact_phone, row.contact_email)
        session.expunge(row)
        return row
    finally:
        session.close()


def instance_of(app, code: str) -> Instance:
    session = app.extensions["db_sessions"]()
    try:
        row = session.scalars(select(Instance).options(joinedload(Instance.started_by))
                              .where(Instance.tracking_code == code)).one()
        session.expunge(row)
        return row
    finally:
        session.close()


def outbox_of(app, instance_id: int) -> list[tuple[str, str, str]]:
    """(template, channel, recipient) of every citizen (or managers') message queued for an
    instance, in order; the staff notifications (templates staff_*) are left out."""
    session = app.extensions["db_sessions"]()
    try:
        return [(m.template, m.channel, m.recipient) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.instance_id == instance_id,
                                        OutboxMessage.template.not_like("staff_%"))
            .order_by(OutboxMessage.id))]
    finally:
        session.close()


def outbox_bodies(app, instance_id: int, template: str) -> list[str]:
    session = app.extensions["db_sessions"]()
    try:
        return [m.body for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.instance_id == instance_id, OutboxMessage.template == template))]
    finally:
        session.close()
