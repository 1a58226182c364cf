"""The 137 referral to the office automation (MESSAGE_137_REFERRAL_TARGET, issue 22): what the
diagram sends it. The call itself is the service task Service_refer_to_automation (connector
office_automation); the answer comes back signed as the message office_automation_answer."""
from datetime import date

from connectors import find_connector, save_connector
from models import District
from models.errors import InvalidData

MESSAGE_KEY = "citizen_message_137"


def note_district_code(session, instance, data: dict, prefix=None) -> None:
    """A 137 message carries its district's code in its data (sent with a referral to the
    office automation, which files letters by district)."""
    if instance.process_key != MESSAGE_KEY or instance.district_id is None:
        return
    district = session.get(District, instance.district_id)
    if district is not None:
        data.setdefault("district_code", district.code)


ANSWER_MESSAGE = "office_automation_answer"
_TEXT_LIMITS = {"reply_text": 4000, "planned_work": 2000}


def automation_reply(answer) -> dict:
    """The office automation's answer (the message's payload) in the keys of the executive
    unit's reply form (message_reply): reply_kind, reply_text, planned_work, planned_date.
    A determination needs the work and a plain date (YYYY-MM-DD); without them the answer is
    taken as resolving the message, with its text."""
    answer = answer if isinstance(answer, dict) else {}
    text = {key: str(answer.get(key) or "").strip()[:limit] for key, limit in _TEXT_LIMITS.items()}
    planned_date = _plain_date(answer.get("planned_date"))
    if answer.get("reply_kind") == "scheduled" and text["planned_work"] and planned_date:
        return {"reply_kind": "scheduled", "reply_text": text["reply_text"],
                "planned_work": text["planned_work"], "planned_date": planned_date}
    return {"reply_kind": "resolved", "reply_text": text["reply_text"],
            "planned_work": None, "planned_date": None}


def check_automation_answer(session, instance, payload: dict) -> None:
    """InvalidData unless the answer can stand for the unit's reply: a text for the citizen,
    and for a determination the work and its date (the reply form's rules)."""
    text = payload.get("reply_text")
    if not isinstance(text, str) or not text.strip() or len(text) > _TEXT_LIMITS["reply_text"] \
            or _has_control_characters(text):
        raise InvalidData("reply_text: the answer to the citizen, at most 4000 characters, no control characters.",
                          {"reply_text": "required"})
    kind = payload.get("reply_kind", "resolved")
    if kind not in ("resolved", "scheduled"):
        raise InvalidData("reply_kind is resolved or scheduled.", {"reply_kind": "resolved or scheduled"})
    work = payload.get("planned_work")
    if kind == "scheduled" and (not isinstance(work, str) or not work.strip()
                                or len(work) > _TEXT_LIMITS["planned_work"] or _has_control_characters(work)
                                or _plain_date(payload.get("planned_date")) is None):
        raise InvalidData("A determination (reply_kind scheduled) needs planned_work and "
                          "planned_date (YYYY-MM-DD).", {"planned_date": "YYYY-MM-DD"})


def _has_control_characters(text: str) -> bool:
    """True for characters below space other than line breaks and tabs (they reach SMS and pages)."""
    return any(ord(c) < 32 and c not in "\n\r\t" for c in text)


def _plain_date(value) -> str | None:
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


SCRIPT_HELPERS = {"automation_reply": automation_reply}
MESSAGE_CHECKS = {ANSWER_MESSAGE: check_automation_answer}

CONNECTOR = "office_automation"  # the connector the shipped diagram's service task names
# A placeholder until an administrator sets the automation's address (/admin/connectors):
# the .invalid domain never resolves, so a call made before that fails and becomes an incident.
PLACEHOLDER = {"name": CONNECTOR, "kind": "http", "title": "اتوماسیون اداری (نشانی را تنظیم کنید)",
               "parameters": "tracking_code, category, description, district, unit, reply_due_at",
               "method": "POST", "base_url": "https://office-automation.invalid",
               "path_template": "/api/referrals", "expected_statuses": "200,201,202",
               "response_mapping": "automation_letter_number=letter_number", "timeout_seconds": "10"}


def ensure_automation_connector(session) -> bool:
    """Create the placeholder connector office_automation unless one exists (flask setup), so
    the shipped 137 diagram passes the studio's check of its service task; True if created."""
    if find_connector(session, CONNECTOR) is not None:
        return False
    save_connector(session, PLACEHOLDER)
    return True
