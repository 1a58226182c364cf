"""A citizen asks to meet the district mayor (F-07) from the portal.

The request form is the one staff fill in (forms/meeting_request.form.json), validated the
same way; it starts the public meetings procedure with the answers as start data, so the
mayor's office registers it with everything filled in. The citizen follows it like any
request: a tracking code (prefix 102) and the follow-up key or their mobile number.
"""

import secrets

from sqlalchemy import select

from models import CitizenRequest, District

from programmes.citizens.notices import notice_filed
from programmes.citizens.requests import follow_key_hash, new_follow_key, normalise_phone, portal_actor
from models.errors import InvalidData
from formjs.forms import load_form, validate_submission
from engine import start_instance_for

MEETING_FORM = "meeting_request"
MEETING_PROCESS = "public_meetings"
MEETING_PREFIX = "102"
MEETING_SERVICE = "meeting_request"


def meeting_form(session=None):
    """The form-js schema of the meeting request (F-07): its latest version."""
    return load_form(MEETING_FORM, session=session)


def request_meeting(session, district_code: str, posted: dict,
                    locale: str = "fa") -> tuple[CitizenRequest, str]:
    """File a request to meet the district mayor; (request, follow-up key). InvalidData if bad."""
    clean, errors = validate_submission(meeting_form(session), posted, locale=locale)
    district = session.scalars(select(District).where(District.code == str(district_code or ""))).first()
    if district is None:
        errors = {**errors, "district": "Choose your district."}
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    instance = start_instance_for(session, MEETING_PROCESS, portal_actor(session), district,
                                  dict(clean), title=f"دیدار با شهردار: {clean['subject'][:80]}",
                                  tracking_prefix=MEETING_PREFIX)
    try:
        mobile = normalise_phone(clean.get("phone"))
    except ValueError:
        mobile = None  # a landline: the citizen follows with the key, and hears by phone
    follow_key = new_follow_key()
    request = CitizenRequest(
        instance_id=instance.id, instance=instance, tracking_code=instance.tracking_code,
        service_code=MEETING_SERVICE, channel="portal", district_id=district.id,
        description=f"{clean['subject']}\n{clean['description']}", contact_name=clean["applicant_name"],
        contact_phone=mobile, follow_key_sha256=follow_key_hash(follow_key),
        api_token=secrets.token_urlsafe(24), satisfaction_answered=False)
    session.add(request)
    session.flush()
    notice_filed(session, request, follow_key)
    return request, follow_key
