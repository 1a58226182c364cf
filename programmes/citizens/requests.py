"""Requests citizens file from outside (the portal, Open311): the services, filing, following.

A service is what a citizen can ask for: each 137 category starts the 137 cycle, each kind of
complaint the complaint procedure (MISSION.md). Filing validates everything first and then
starts the instance in the citizen's district on behalf of the portal account (a user that
cannot log in, so every event names who acted). The citizen gets the tracking code and a
follow-up key; following a request takes the code and either that key or the last four
digits of the phone number they gave, so codes alone cannot be enumerated.

Privacy: a service is public or private. A request of a private service (a complaint about
staff, a meeting request) or brought to a Mardom Salam meeting is never shown to the public
(Open311); the description of a public one is shown only when the citizen agreed to it after
the portal's warning (description_public). A point given with the request picks its district
when boundaries were uploaded (programmes.citizens.boundaries); a point outside them is refused.
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from documents import (UploadRefused, add_attachment, attachments_of_instance, check_upload,
                       read_attachment, store_of)
from models import CitizenRequest, District, User
from people.accounts import service_account
from workcal.jalali import to_ascii_digits

from programmes.citizens import boundaries
from programmes.messages137.tracking import normalise_tracking_code
from models.errors import InvalidData
from engine import start_instance_for

PORTAL_USERNAME = "citizen-portal"
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_FIELD = "photo"  # the attachments.field_key of the photo a citizen files (task NULL)
DESCRIPTION_MAX_CHARS = 4000
ADDRESS_MAX_CHARS = 300
NAME_MAX_CHARS = 200
FOLLOW_KEY_CHARS = 8
_FOLLOW_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
# Photo types by their first bytes: the name and the browser's type are the sender's word.
_PHOTO_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


@dataclass(frozen=True)
class Service:
    code: str
    name_fa: str
    name_en: str
    description_fa: str
    group: str
    process_key: str
    tracking_prefix: str | None  # None: the process issues its own codes (137)
    public: bool = True  # False: its requests never appear in public listings (Open311)


SERVICES = (
    Service("service", "خدماتی", "City services",
            "نظافت، پسماند، فضای سبز، روشنایی و دیگر خدمات شهری", "137",
            "citizen_message_137", None),
    Service("technical", "فنی و عمرانی", "Technical and civil works",
            "آسفالت، معابر، پیاده‌رو، جوی و کارهای عمرانی", "137", "citizen_message_137", None),
    Service("urban_planning", "شهرسازی", "Urban planning",
            "پروانه ساختمانی، تخلفات ساختمانی و امور شهرسازی", "137", "citizen_message_137", None),
    Service("complaint_service", "شکایت از خدمات", "Complaint about a service",
            "شکایت از کیفیت یا انجام‌نشدن خدمات شهرداری", "complaints", "complaints", "101"),
    Service("complaint_employee", "شکایت از کارکنان و ادارات", "Complaint about staff or an office",
            "شکایت از رفتار کارکنان یا عملکرد ادارات شهرداری", "complaints", "complaints", "101", public=False),
)
SERVICES_BY_CODE = {service.code: service for service in SERVICES}
PUBLIC_SERVICE_CODES = tuple(service.code for service in SERVICES if service.public)
PRIVATE_CHANNELS = ("mardom_salam",)  # items raised at the mayor's mosque meetings
OUTSIDE_CITY = "The point is outside the city: mark a place inside one of its districts."
CONSENTED = ("1", "on", "true", "yes")


def is_public(request: CitizenRequest) -> bool:
    """True if the request may be shown to the public (its service public, not Mardom Salam, not
    a confidential case)."""
    return request.service_code in PUBLIC_SERVICE_CODES and request.channel not in PRIVATE_CHANNELS \
        and not request.instance.confidential  # a complaint registered as about staff later


def public_request_clause():
    """The SQL condition of is_public, for listings."""
    return CitizenRequest.service_code.in_(PUBLIC_SERVICE_CODES) & \
        CitizenRequest.channel.not_in(PRIVATE_CHANNELS)


def shown_description(request: CitizenRequest) -> str | None:
    """The description as the public sees it: only with the citizen's consent, else withheld."""
    return request.description if request.description_public and is_public(request) else None


def portal_actor(session) -> User:
    """The account the portal and Open311 act as: it has no password and cannot log in."""
    return service_account(session, PORTAL_USERNAME, "درگاه شهروندان")


def normalise_phone(text) -> str | None:
    """A mobile number as 09xxxxxxxxx (Persian digits, +98 and spaces accepted), None if empty.

    ValueError when something was typed that is not an Iranian mobile number.
    """
    compact = to_ascii_digits(re.sub(r"[\s\-()]", "", str(text or "")))
    if not compact:
        return None
    if compact.startswith("+98"):
        compact = "0" + compact[3:]
    elif compact.startswith("0098"):
        compact = "0" + compact[4:]
    if not re.fullmatch(r"09\d{9}", compact):
        raise ValueError(compact)
    return compact


def photo_type_of(data: bytes) -> str | None:
    """The image type of a photo's bytes (JPEG or PNG), or None for anything else."""
    for magic, mime in _PHOTO_MAGIC:
        if data.startswith(magic):
            return mime
    return None


def photo_bytes(session, request: CitizenRequest) -> bytes | None:
    """The photo a citizen filed: from the document storage, or from the row for a photo
    filed before attachments existed (migration 0018 left those where they were)."""
    if not request.photo_type:
        return None
    for attachment in attachments_of_instance(session, request.instance_id):
        if attachment.task_id is None and attachment.field_key == PHOTO_FIELD:
            return read_attachment(session, attachment)
    return request.photo


def _float_in(value, low: float, high: float):
    if value in (None, ""):
        return None
    # Persian keyboards type the decimal separator as "٫" (U+066B)
    number = float(to_ascii_digits(str(value).strip()).replace("٫", ".").replace("/", "."))
    if not low <= number <= high:
        raise ValueError(number)
    return number


def _check(fields: dict) -> tuple[dict, dict]:
    """Clean the filed fields; (clean, errors) with one English message per bad field."""
    errors, clean = {}, {}
    service = SERVICES_BY_CODE.get(str(fields.get("service_code") or ""))
    if service is None:
        errors["service_code"] = "Choose a kind of request."
    clean["service"] = service
    description = str(fields.get("description") or "").strip()
    if not description:
        errors["description"] = "Describe the request."
    elif len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = f"At most {DESCRIPTION_MAX_CHARS} characters."
    clean["description"] = description
    address = str(fields.get("address") or "").strip()
    if len(address) > ADDRESS_MAX_CHARS:
        errors["address"] = f"At most {ADDRESS_MAX_CHARS} characters."
    clean["address"] = address or None
    try:
        clean["lat"] = _float_in(fields.get("lat"), -90, 90)
        clean["lon"] = _float_in(fields.get("lon"), -180, 180)
        if (clean["lat"] is None) != (clean["lon"] is None):
            raise ValueError("half a point")
    except ValueError:
        errors["location"] = "The point on the map is not valid."
        clean["lat"] = clean["lon"] = None
    if not address and clean["lat"] is None and "location" not in errors:
        errors["address"] = "Give the address or mark the place on the map."
    name = str(fields.get("contact_name") or "").strip()
    if len(name) > NAME_MAX_CHARS:
        errors["contact_name"] = f"At most {NAME_MAX_CHARS} characters."
    clean["contact_name"] = name or None
    try:
        clean["contact_phone"] = normalise_phone(fields.get("contact_phone"))
    except ValueError:
        errors["contact_phone"] = "A mobile number of 11 digits starting with 09."
        clean["contact_phone"] = None
    email = str(fields.get("contact_email") or "").strip()
    if email and not _EMAIL.match(email):
        errors["contact_email"] = "This is not an e-mail address."
    clean["contact_email"] = email or None
    photo = fields.get("photo") or None
    clean["photo"], clean["photo_type"] = photo, None
    if photo is not None:
        if len(photo) > PHOTO_MAX_BYTES:
            errors["photo"] = "The photo is larger than 2 MB."
        else:
            clean["photo_type"] = photo_type_of(photo)
            if clean["photo_type"] is None:
                errors["photo"] = "The photo must be a JPEG or PNG image."
    media_url = str(fields.get("media_url") or "").strip()
    if media_url and (len(media_url) > 500 or not re.match(r"^https?://", media_url)):
        errors["media_url"] = "media_url must be an http(s) address of at most 500 characters."
    clean["media_url"] = media_url or None
    return clean, errors


# The 137 channel (programmes/messages137/channels.py) of each door a request comes in by.
MESSAGE_CHANNEL_OF = {"portal": "web", "open311": "api", "sms": "sms", "bot": "messenger",
                      "email": "email"}


def _start_data(service: Service, clean: dict, channel: str) -> dict:
    """The workflow's start data: what the first staff form shows, already filled in."""
    place = clean["address"] or f"{clean['lat']:.6f}, {clean['lon']:.6f}"
    if service.process_key == "citizen_message_137":
        data = {"channel": MESSAGE_CHANNEL_OF.get(channel, "api"), "category": service.code,
                "description": clean["description"], "location": place}
        if clean["contact_name"]:
            data["citizen_name"] = clean["contact_name"]
        if clean["contact_phone"]:
            data["citizen_phone"] = clean["contact_phone"]
        return data
    data = {"channel": "website", "description": clean["description"], "address": place,
            "complaint_type": service.code.removeprefix("complaint_"),
            "subject": clean["description"].split("\n", 1)[0][:120]}
    if clean["contact_name"]:
        data["complainant_name"] = clean["contact_name"]
    if clean["contact_phone"]:
        data["phone"] = clean["contact_phone"]
    return data


def file_request(session, fields: dict, district_code: str, channel: str = "portal",
                 api_key_id: int | None = None) -> tuple[CitizenRequest, str]:
    """File a citizen's request and start its procedure; (request, follow-up key).

    fields: service_code, description, address, lat, lon, contact_name, contact_phone,
    contact_email, photo (bytes), photo_name, media_url, description_public (the citizen's
    consent, "1"). A point inside a district's boundary picks that district. InvalidData lists every bad field; nothing is
    written then.
    """
    clean, errors = _check(fields)
    if clean["photo"] is not None and "photo" not in errors:
        try:  # the virus scan (documents), once the cheap checks passed
            check_upload(store_of(session), clean["photo"], "image/jpeg,image/png", PHOTO_MAX_BYTES)
        except UploadRefused as exc:
            errors["photo"] = exc.template
    district = _district_of(session, clean, district_code, errors)
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    service = clean["service"]
    actor = portal_actor(session)
    instance = start_instance_for(session, service.process_key, actor, district,
                                  _start_data(service, clean, channel),
                                  title=f"{service.name_fa}: {clean['description'][:80]}",
                                  tracking_prefix=service.tracking_prefix)
    follow_key = new_follow_key()
    request = citizen_request_for(session, instance)  # made as the instance started
    for name, value in dict(
            service_code=service.code, channel=channel, description=clean["description"],
            address=clean["address"], lat=clean["lat"], lon=clean["lon"],
            contact_name=clean["contact_name"], contact_phone=clean["contact_phone"],
            contact_email=clean["contact_email"], follow_key_sha256=follow_key_hash(follow_key),
            photo=None, photo_type=clean["photo_type"], media_url=clean["media_url"],
            api_key_id=api_key_id,
            description_public=service.public and str(fields.get("description_public") or "").lower() in CONSENTED,
            media_token=secrets.token_urlsafe(24) if clean["photo"] is not None else None).items():
        setattr(request, name, value)
    session.flush()
    if clean["photo"] is not None:  # the bytes go to the document storage, not the database
        add_attachment(session, instance, None, PHOTO_FIELD, fields.get("photo_name") or "photo",
                       clean["photo"], clean["photo_type"], actor)
    from programmes.citizens.notices import notice_filed  # the citizen's contact is known only now
    notice_filed(session, request, follow_key)
    return request, follow_key


def _district_of(session, clean: dict, district_code, errors: dict) -> District | None:
    """The district the point lies in (when boundaries exist), else the one chosen; errors filled."""
    if clean["lat"] is not None and boundaries.boundaries_exist(session):
        district = boundaries.district_at(session, clean["lat"], clean["lon"])
        if district is None:
            errors["location"] = OUTSIDE_CITY
        return district
    district = session.scalars(select(District).where(District.code == str(district_code or ""))).first()
    if district is None:
        errors["district"] = "Choose your district."
    return district


def new_follow_key() -> str:
    """A fresh follow-up key (shown once to the citizen; only its hash is kept)."""
    return "".join(secrets.choice(_FOLLOW_ALPHABET) for _ in range(FOLLOW_KEY_CHARS))


def follow_key_hash(text: str) -> str:
    """What is stored of a follow-up key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_follow_key(text) -> str:
    """A typed follow-up key or phone ending in canonical form (Persian digits, any case)."""
    return to_ascii_digits(re.sub(r"[\s\-]", "", str(text or ""))).upper()


def request_by_code(session, code_text) -> CitizenRequest | None:
    """The request a typed tracking code names, or None."""
    code = normalise_tracking_code(code_text)
    if code is None:
        return None
    return session.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).first()


def passes_follow_check(request: CitizenRequest, secret_text) -> bool:
    """True when the secret is the request's follow-up key or the last 4 digits of its phone."""
    secret = normalise_follow_key(secret_text)
    if not secret:
        return False
    if hmac.compare_digest(follow_key_hash(secret), request.follow_key_sha256):
        return True
    phone = request.contact_phone or ""
    return len(secret) == 4 and len(phone) >= 4 and hmac.compare_digest(secret, phone[-4:])


def find_followed_request(session, code_text, secret_text) -> CitizenRequest | None:
    """The request when the code and the check both match; None, saying nothing of which failed."""
    request = request_by_code(session, code_text)
    if request is None or not passes_follow_check(request, secret_text):
        return None
    return request


# ------------------------------------------------------------------ every filing's citizen side

STAFF_CHANNEL = "staff"  # registered by staff (phone, in person, letter): kept in step with the forms
MEETING_SERVICE = "meeting_request"


def _service_code(instance, data: dict) -> str:
    if instance.process_key == "complaints":
        return "complaint_employee" if data.get("complaint_type") == "employee" else "complaint_service"
    if instance.process_key == "public_meetings":
        return MEETING_SERVICE
    category = str(data.get("category") or "")
    return category if category in SERVICES_BY_CODE else (instance.process_key or "service")[:60]


def mobile_in(data: dict) -> str | None:
    """The citizen's mobile a form's data gives (citizen_phone or phone), or None."""
    try:
        return normalise_phone(data.get("citizen_phone") or data.get("phone"))
    except ValueError:
        return None  # a landline or a typo: no SMS, and no phone to check


def _filed_fields(instance) -> dict:
    """What the forms of a staff-registered filing say of the citizen and the request."""
    data = instance.data or {}
    text = str(data.get("description") or "").strip()
    if instance.process_key == "public_meetings" and data.get("subject"):
        text = f"{data['subject']}\n{text}".strip()
    name = data.get("citizen_name") or data.get("complainant_name") or data.get("applicant_name")
    place = data.get("location") or data.get("address")
    return {"service_code": _service_code(instance, data),
            "description": (text or instance.title or "")[:DESCRIPTION_MAX_CHARS],
            "address": str(place)[:ADDRESS_MAX_CHARS] if place else None,
            "contact_name": str(name)[:NAME_MAX_CHARS] if name else None,
            "contact_phone": mobile_in(data)}


def citizen_request_for(session, instance) -> CitizenRequest:
    """The citizen side of a tracked instance: its row, made now from the instance's data if it
    has none yet (a filing staff registered: no follow-up key, the phone's last digits open it)."""
    request = session.scalars(select(CitizenRequest).where(
        CitizenRequest.instance_id == instance.id)).first()
    if request is not None:
        return request
    request = CitizenRequest(
        instance_id=instance.id, instance=instance, tracking_code=instance.tracking_code,
        channel=STAFF_CHANNEL, district_id=instance.district_id,
        follow_key_sha256=secrets.token_hex(32),  # no key was issued: only the phone opens it
        api_token=secrets.token_urlsafe(24), satisfaction_answered=False, **_filed_fields(instance))
    session.add(request)
    session.flush()
    return request


def keep_citizen_request(session, instance, _completed, _opened, _started: bool = False) -> None:
    """After every step of a tracked instance: its citizen side exists from the moment its code
    does, and one staff registered follows the forms (the phone typed at intake, corrected later)."""
    if not instance.tracking_code:
        return
    request = citizen_request_for(session, instance)
    if request.channel != STAFF_CHANNEL:
        return  # the citizen's own words (portal, Open311, a Mardom Salam form) stay as filed
    for name, value in _filed_fields(instance).items():
        if getattr(request, name) != value:
            setattr(request, name, value)
