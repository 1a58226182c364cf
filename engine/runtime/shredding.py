"""Destroying a case's personal data: its key (models.shredding), and what is kept of it in
plain text to run the case (the stored workflow state, the instance's data, the citizen
request's contact, a Mardom Salam request's citizen, the messages sent to the citizen)."""
import json

from sqlalchemy import select

from models import CitizenRequest, Instance, MardomSalamRequest
from models.notifications import OutboxMessage
from engine.runtime.search_index import index_instance
from models.shredding import DESTROYED, blank_personal, destroy_case_key, personal_values


def shred_case(session, instance_id: int, now=None) -> None:
    """Destroy the case's key and blank its personal values wherever they are kept in plain text.

    Every sealed value of the case (event payloads, records, the citizen request) then reads as
    destroyed. The stored state's copies are blanked the same way, so that re-executing the log
    (whose personal values now read as destroyed) still matches the stored state.
    """
    instance = session.get(Instance, instance_id)
    request = session.scalars(select(CitizenRequest).where(
        CitizenRequest.instance_id == instance_id)).first()
    values = personal_values(instance.data if instance is not None else {})
    if request is not None:
        values |= {v for v in (request.contact_name, request.contact_phone, request.contact_email,
                               request.address) if v}
    destroy_case_key(session, instance_id, now)
    if request is not None:  # no message is sent to a destroyed phone or address again
        request.contact_phone = request.contact_email = None
        request.contact_name = DESTROYED if request.contact_name else None
        request.address = DESTROYED if request.address else None
    # A Mardom Salam request filed as a 137 message keeps the citizen's name and phone too.
    for item in session.scalars(select(MardomSalamRequest).where(
            MardomSalamRequest.message_instance_id == instance_id)):
        values |= {v for v in (item.citizen_name, item.citizen_phone) if v}
        item.citizen_name, item.citizen_phone = DESTROYED, None
    _blank_messages(session, instance_id, values)
    if instance is None:
        return
    instance.data = blank_personal(instance.data or {})
    index_instance(session, instance)  # its personal tokens go with the values
    if instance.state_json:
        instance.state_json = json.dumps(blank_personal(json.loads(instance.state_json)))


def _blank_messages(session, instance_id: int, values: set[str]) -> None:
    """The case's messages lose the citizen's address and name; unsent ones are never sent."""
    values = sorted((str(v) for v in values if len(str(v)) >= 3), key=len, reverse=True)
    if not values:
        return
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == instance_id)):
        if message.recipient in values:
            message.recipient = DESTROYED
            if message.status in ("pending", "sending"):
                message.status, message.last_error = "failed", "personal data destroyed"
        for value in values:
            message.body = message.body.replace(value, DESTROYED)
            if message.subject:
                message.subject = message.subject.replace(value, DESTROYED)
