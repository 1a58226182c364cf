"""Destroying a case's personal data: its key (models.shredding), and what is kept of it in
plain text to run the case (the stored workflow state, the instance's data, the citizen
request's contact)."""
import json

from sqlalchemy import select

from models import CitizenRequest, Instance
from models.shredding import DESTROYED, blank_personal, destroy_case_key


def shred_case(session, instance_id: int, now=None) -> None:
    """Destroy the case's key and blank its personal values in the stored state.

    Every sealed value of the case (event payloads, records) then reads as destroyed. The
    stored state's copies are blanked the same way, so that re-executing the log (whose
    personal values now read as destroyed) still matches the stored state.
    """
    destroy_case_key(session, instance_id, now)
    request = session.scalars(select(CitizenRequest).where(
        CitizenRequest.instance_id == instance_id)).first()
    if request is not None:  # no message is sent to a destroyed phone or address again
        request.contact_phone = request.contact_email = None
        request.contact_name = DESTROYED if request.contact_name else None
        request.address = DESTROYED if request.address else None
    instance = session.get(Instance, instance_id)
    if instance is None:
        return
    instance.data = blank_personal(instance.data or {})
    if instance.state_json:
        instance.state_json = json.dumps(blank_personal(json.loads(instance.state_json)))
