"""The register of quality records (section 7-2 of procedure P-__-0-2-01).

Each completed form whose key appears here becomes a stored quality record, kept until
`retention_until` and then archived or destroyed by rule. "__" in a code stands for the
district number, filled in when a record is shown.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from engine import decide_newest
from models import QualityRecord
from models.shredding import reveal_personal, seal_personal
from workcal.jalali import add_jalali_months, local_date
from workcal.store import zone_of


@dataclass(frozen=True)
class RecordType:
    code: str
    title_fa: str
    title_en: str
    retention_months: int
    place_fa: str
    responsible_role: str
    medium: str            # "paper" or "electronic"
    form_key: str          # forms/<form_key>.form.json produces this record
    disposal: str = "destroy"  # what happens when the period ends: "archive" or "destroy"
    # Forms whose completion later in the same instance is appended to this record's
    # "followup" list (a follow-up form shows the case's progress); they produce no record.
    followup_forms: tuple[str, ...] = ()
    # One record per instance: the form completed again (a rework after "return for
    # correction") revises it. False for forms collected many times in one instance (each
    # paper survey form typed in is a record of its own).
    revised: bool = True


REGISTER = (
    RecordType("F-__-0-2-01", "فرم نظرسنجی از شهروندان", "Citizen survey form", 12,
               "واحد روابط عمومی", "pr_head", "paper", "citizen_survey", revised=False),
    RecordType("F-__-0-2-02", "فرم نظرسنجی از مراجعین منطقه", "District visitors survey form", 12,
               "واحد روابط عمومی", "pr_head", "paper", "visitor_survey",
               revised=False),
    RecordType("F-__-0-2-03", "جدول چکیده نتایج نظرسنجی از شهروندان", "Summary of citizen survey results",
               60, "واحد روابط عمومی", "pr_head", "electronic", "survey_summary", "archive"),
    RecordType("F-__-0-2-04", "طرح پیشنهادی افکارسنجی از شهروندان", "Proposed opinion-poll plan", 60,
               "واحد روابط عمومی", "pr_head", "paper", "poll_plan", "archive"),
    RecordType("F-__-0-2-05", "جدول چکیده نتایج افکارسنجی", "Summary of opinion-poll results", 60,
               "واحد روابط عمومی", "pr_head", "electronic", "poll_summary", "archive"),
    RecordType("F-__-0-2-06", "گزارش نتایج حاصل از افکارسنجی شهروندان", "Report of opinion-poll results", 60,
               "واحد مرتبط با نتیجه افکارسنجی", "department_head", "paper", "poll_report", "archive"),
    RecordType("F-__-0-2-07", "درخواست دیدار شهروند با شهردار", "Citizen's request to meet the mayor",
               6, "حوزه شهردار", "mayor_office_head", "paper", "meeting_request"),
    RecordType("F-__-0-2-08", "فهرست ملاقات مردمی با شهردار منطقه", "List of public meetings with the district mayor",
               6, "حوزه شهردار", "mayor_office_head", "paper", "meeting_list"),
    RecordType("F-__-0-2-09", "لیست ملاقات‌های مردمی در مساجد سطح منطقه", "List of public meetings in the district's mosques",
               12, "واحد روابط عمومی", "pr_head", "paper", "mosque_meeting_list"),
    RecordType("F-__-0-2-10", "برنامه زمان‌بندی نشست‌های خبری شهردار منطقه", "Schedule of the mayor's press conferences",
               12, "واحد روابط عمومی", "pr_head", "electronic", "press_schedule"),
    RecordType("F-__-0-2-11", "فراخوان برگزاری نشست خبری", "Press conference invitation", 12,
               "واحد روابط عمومی", "pr_head", "paper", "press_invitation"),
    RecordType("F-__-0-2-12", "لیست حاضرین در نشست خبری", "Press conference attendance list", 12,
               "واحد روابط عمومی", "pr_head", "paper", "press_attendance"),
    RecordType("F-__-0-2-13", "گزارش برگزاری نشست خبری", "Press conference report", 24,
               "واحد روابط عمومی", "pr_head", "paper", "press_report"),
    RecordType("F-__-0-2-14", "فرم تهیه خبر", "News preparation form", 6,
               "واحد روابط عمومی", "pr_head", "paper", "news_preparation"),
    RecordType("F-__-0-2-15", "نامه اعلام متن جوابیه به جراید", "Letter with a rebuttal text to the press",
               12, "واحد روابط عمومی", "pr_head", "paper", "press_rebuttal"),
    RecordType("F-__-0-2-16", "جدول خلاصه اخبار منطقه در جراید", "Summary of district news in the press",
               60, "واحد روابط عمومی", "pr_head", "paper", "press_monitoring", "archive"),
    RecordType("F-__-0-2-17", "درخواست اطلاع‌رسانی به شهروندان منطقه", "Request to inform the district's citizens",
               12, "واحد روابط عمومی", "pr_head", "paper", "inform_request"),
    RecordType("F-__-0-2-18", "فرم ثبت متقاضیان ملاقات / جلسه با مدیر منطقه",
               "Register of applicants to meet the district manager", 6, "حوزه شهردار",
               "mayor_office_head", "paper", "meeting_applicants"),
    RecordType("F-__-0-5-01", "فرم پیگیری شکایت شهروندان", "Citizen complaint follow-up form", 24,
               "واحد ارزیابی عملکرد و پاسخگویی به شکایات", "complaints_expert", "paper", "complaint_register",
               followup_forms=("complaint_examination", "complaint_review", "complaint_overdue",
                               "complaint_order_report", "complaint_announcement")),
    RecordType("F-__-0-5-02", "گزارش دوره‌ای رسیدگی به شکایات شهروندان", "Periodic report of complaint handling",
               60, "واحد ارزیابی عملکرد و پاسخگویی به شکایات", "complaints_expert", "electronic", "complaint_report",
               "archive"),
)

RECORDS_BY_CODE = {record.code: record for record in REGISTER}
RECORDS_BY_FORM = {record.form_key: record for record in REGISTER}
RECORDS_BY_FOLLOWUP_FORM = {form: record for record in REGISTER for form in record.followup_forms}


def record_type_for_form(form_key: str | None) -> RecordType | None:
    """The quality record a form produces, or None."""
    return RECORDS_BY_FORM.get(form_key or "")


def record_type_followed_by(form_key: str | None) -> RecordType | None:
    """The record whose follow-up a form adds to (in the same instance), or None."""
    return RECORDS_BY_FOLLOWUP_FORM.get(form_key or "")


RETENTION_DECISION = "record_retention"  # processes/decisions/record_retention.dmn


def retention_months(session, record_type: RecordType) -> int:
    """How many months a record of this type is kept: the decision table record_retention
    (a process owner edits and deploys it), else the register's own period."""
    decided = decide_newest(session, RETENTION_DECISION, {"record_code": record_type.code})
    months = (decided or {}).get("retention_months")
    return int(months) if isinstance(months, (int, float)) and months > 0 else record_type.retention_months


def retention_until(created_at: datetime | date, record_type: RecordType, tz=None,
                    months: int | None = None) -> date:
    """The last day a record must be kept: its period counted in Solar Hijri months from the
    local day it was made (a moment is naive UTC; tz: the city's zone, the default otherwise),
    as the register's periods are (a 24-month record of 15 Esfand 1403 is kept until 15 Esfand
    1405)."""
    created = local_date(created_at, tz) if isinstance(created_at, datetime) else created_at
    return add_jalali_months(created, record_type.retention_months if months is None else months)


def district_code(code: str, district_number: str | int) -> str:
    """A register code with the district filled in: F-__-0-2-01 → F-03-0-2-01."""
    return code.replace("__", f"{int(district_number):02d}" if str(district_number).isdigit()
                        else str(district_number))


def follow_up_record(session, task, user, data: dict, now) -> QualityRecord | None:
    """Append a completed step to its instance's follow-up record (F-__-0-5-01), if any."""
    record_type = record_type_followed_by(task.form_key)
    if record_type is None:
        return None
    with session.no_autoflush:  # the record was kept by an earlier step: nothing to flush first
        record = current_record(session, task.instance_id, record_type.code)
    if record is None or record.disposed_at is not None:
        return None  # an archived or destroyed record is never written again
    step = {"task": task.task_spec, "name": task.name, "form": task.form_key,
            "at": now.isoformat(timespec="seconds"), "by": user.username,
            "due_at": task.due_at.isoformat(timespec="seconds") if task.due_at else None,
            "data": seal_personal(session, task.instance_id, data)}
    # A new dict: the JSON column does not notice changes made inside the stored one.
    previous = record.data or {}
    record.data = {**previous, "followup": [*previous.get("followup", []), step]}
    return record


def record_data(session, record: QualityRecord) -> dict:
    """A record's data as shown: its citizen's personal data opened, or "destroyed" (models
    .shredding.DESTROYED) once the record's case key was destroyed."""
    return reveal_personal(session, record.instance_id, record.data or {})


def current_record(session, instance_id: int | None, code: str) -> QualityRecord | None:
    """The current (not superseded) revision of an instance's record of a code, or None."""
    if instance_id is None:
        return None
    return session.scalars(select(QualityRecord).where(
        QualityRecord.code == code, QualityRecord.instance_id == instance_id,
        QualityRecord.superseded_at.is_(None))
        .order_by(QualityRecord.id.desc()).limit(1)).first()


def record_revisions(session, record: QualityRecord) -> list[QualityRecord]:
    """Every revision of the record a row belongs to (same instance and code), newest first."""
    record_type = RECORDS_BY_CODE.get(record.code)
    # A form collected many times in one instance (revised=False) has rows that stay apart.
    if record.instance_id is None or record_type is None or not record_type.revised:
        return [record]
    return list(session.scalars(select(QualityRecord).where(
        QualityRecord.code == record.code, QualityRecord.instance_id == record.instance_id)
        .order_by(QualityRecord.revision.desc(), QualityRecord.id.desc())))


def keep_record(session, task, user, data: dict, now) -> QualityRecord | None:
    """Store the quality record a completed form produces, with its retention date; a form
    completed again in the same instance (a rework) adds a revision and supersedes the last."""
    record_type = record_type_for_form(task.form_key)
    if record_type is None:
        return None
    data = seal_personal(session, task.instance_id, data)  # the citizen's data under the case's key
    with session.no_autoflush:
        previous = current_record(session, task.instance_id, record_type.code) \
            if record_type.revised else None
        earlier = record_revisions(session, previous) if previous is not None else []
    record = QualityRecord(code=record_type.code, instance_id=task.instance_id, human_task_id=task.id,
                           district_id=task.district_id, data=data, created_at=now,
                           created_by_id=user.id,
                           retention_until=retention_until(now, record_type, zone_of(session),
                                                           retention_months(session, record_type)),
                           revision=1, legal_hold=False)
    if previous is not None:
        record.revision = previous.revision + 1
        record.legal_hold = bool(previous.legal_hold)  # a hold covers the record, every revision
        if previous.data and "followup" in previous.data:  # the case's progress stays with it
            record.data = {**data, "followup": previous.data["followup"]}
        # Revisions are kept as long as the current one: they are its history.
        for older in earlier:
            if older.retention_until is None or older.retention_until < record.retention_until:
                older.retention_until = record.retention_until
        previous.superseded_at, previous.superseded_by = now, record
    session.add(record)
    return record


def record_completed_task(session, task, user, data: dict, now) -> dict:
    """A completed task's record, or its entry in the follow-up record it belongs to; what the
    task_completed event notes of it."""
    record = keep_record(session, task, user, data, now)
    if record is not None:
        return {"record": record.code, **({"revision": record.revision} if record.revision > 1 else {})}
    followed = follow_up_record(session, task, user, data, now)
    return {"followup_of": followed.code} if followed is not None else {}
