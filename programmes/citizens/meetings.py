"""A citizen asks to meet the district mayor (F-07) from the portal.

The request form is the one staff fill in (forms/meeting_request.form.json), validated the
same way; it starts the public meetings procedure with the answers as start data, so the
mayor's office registers it with everything filled in. The citizen follows it like any
request: a tracking code (prefix 102) and the follow-up key or their mobile number.
"""
from datetime import date

from sqlalchemy import select

from models import CitizenRequest, District

from programmes.citizens.notices import notice_filed
from programmes.citizens.requests import (MEETING_SERVICE, citizen_request_for, follow_key_hash,
                                         new_follow_key, normalise_phone, portal_actor)
from models.errors import InvalidData
from formjs.forms import load_form, validate_submission
from workcal.jalali import format_solar_date
from engine import start_instance_for

MEETING_FORM = "meeting_request"
MEETING_PROCESS = "public_meetings"
MEETING_PREFIX = "102"


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
    request = citizen_request_for(session, instance)  # made as the instance started
    request.service_code, request.channel = MEETING_SERVICE, "portal"
    request.description = f"{clean['subject']}\n{clean['description']}"
    request.contact_name, request.contact_phone = clean["applicant_name"], mobile
    request.follow_key_sha256 = follow_key_hash(follow_key)
    session.flush()
    notice_filed(session, request, follow_key)
    return request, follow_key


def meeting_when_and_place(data: dict, district_name: str = "") -> tuple[str, str] | None:
    """A scheduled meeting's time (Solar Hijri date and hour, Latin digits) and place, from the
    meeting_schedule form's answers; None before the meeting is scheduled."""
    day = str(data.get("meeting_date") or "")[:10]
    if not day:
        return None
    try:
        when = format_solar_date(date.fromisoformat(day))
    except ValueError:
        when = day
    hour = str(data.get("meeting_time") or "").strip()
    if "T" in hour:
        hour = hour.split("T", 1)[1]
    if hour:
        when = f"{when} ساعت {hour[:5]}"
    if data.get("venue") == "mosque":
        place = f"مسجد {data.get('mosque_name') or ''}".strip()
    else:
        place = f"دفتر شهردار {district_name}".strip()
    return when, place
