"""Periodic report of complaint handling (F-__-0-5-02), computed from the follow-up forms.

A complaint is an instance with a follow-up record F-__-0-5-01 (kept when the complaint is
registered; its later steps are appended to it, see records.quality.follow_up_record). The
report of a district and a period (dates inclusive, in the city's time zone: TIMEZONE) counts:

- received: complaints registered in the period, by type (service/employee) and by channel;
- answered: complaints whose result was announced to the complainant in the period, by type,
  justified or not (the last examination), within the deadline or late, average days from
  registration to announcement;
- open / overdue: complaints registered and not yet announced at the end of the period, and
  those of them past their deadline.

A period not over yet is counted up to now (data["as_of"], data["complete"] False).

The deadline is the due date of the complaint's first examination task (answer_due_at of the
diagram: 10 working days from receipt on the district's working calendar, the moment of its
boundary timer); a complaint with no such date gets DEFAULT_ANSWER_DAYS from its registration.

One report per district and period: generating it again replaces the figures of the same
record (data["revision"] counts the generations). The natural period is a Solar Hijri month.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select

from models import District, HumanTask, QualityRecord, utcnow

from models.errors import InvalidData
from models.unique_writes import write_once
from records.quality import RECORDS_BY_CODE, retention_until
from workcal.jalali import (format_solar_month, local_date, previous_solar_month, solar_month_bounds,
                            solar_month_of, utc_bounds)
from workcal.store import zone_of
from people.permissions import may

FOLLOWUP_CODE = "F-__-0-5-01"
REPORT_CODE = "F-__-0-5-02"
EXAMINATION_FORM = "complaint_examination"
ANNOUNCEMENT_FORM = "complaint_announcement"
COMPLAINT_TYPES = ("service", "employee")
CHANNELS = ("in_person", "phone", "letter", "website", "137")
DEFAULT_ANSWER_DAYS = 10


# --- The period (Solar Hijri months: workcal.jalali) ---------------------------------------

def period_label(period_start: date, period_end: date) -> str:
    """1405/08 when the period is exactly a Solar Hijri month, else ''."""
    month = solar_month_of(period_start)
    return format_solar_month(*month) if solar_month_bounds(*month) == (period_start, period_end) else ""


# --- The figures ----------------------------------------------------------------------------

@dataclass
class _Case:
    registered_at: datetime
    complaint_type: str
    channel: str
    deadline: datetime
    answered_at: datetime | None
    justified: str | None


def _last_examination(record: QualityRecord) -> dict:
    steps = [s for s in (record.data or {}).get("followup", []) if s.get("form") == EXAMINATION_FORM]
    return steps[-1].get("data", {}) if steps else {}


def _cases(session, district_id: int, start: datetime, end: datetime) -> list[_Case]:
    """Complaints of the district registered before `end` and not answered before `start`."""
    answered_before = select(HumanTask.id).where(
        HumanTask.instance_id == QualityRecord.instance_id, HumanTask.form_key == ANNOUNCEMENT_FORM,
        HumanTask.status == "completed", HumanTask.completed_at < start).exists()
    records = session.scalars(select(QualityRecord).where(
        QualityRecord.code == FOLLOWUP_CODE, QualityRecord.district_id == district_id,
        QualityRecord.instance_id.isnot(None), QualityRecord.created_at < end,
        ~answered_before)).all()
    deadlines, answers = {}, {}
    ids = [r.instance_id for r in records]
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(select(
            HumanTask.instance_id, HumanTask.form_key, HumanTask.status, HumanTask.due_at,
            HumanTask.completed_at).where(HumanTask.instance_id.in_(chunk), HumanTask.form_key.in_(
                (EXAMINATION_FORM, ANNOUNCEMENT_FORM))))
        for instance_id, form_key, status, due_at, completed_at in rows:
            if form_key == EXAMINATION_FORM and due_at is not None:
                deadlines[instance_id] = min(due_at, deadlines.get(instance_id, due_at))
            elif form_key == ANNOUNCEMENT_FORM and status == "completed" and completed_at:
                answers[instance_id] = min(completed_at, answers.get(instance_id, completed_at))
    cases = []
    for record in records:
        data = record.data or {}
        cases.append(_Case(
            registered_at=record.created_at, complaint_type=str(data.get("complaint_type") or ""),
            channel=str(data.get("channel") or ""),
            deadline=deadlines.get(record.instance_id,
                                   record.created_at + timedelta(days=DEFAULT_ANSWER_DAYS)),
            answered_at=answers.get(record.instance_id),
            justified=_last_examination(record).get("justified")))
    return cases


def _count_by(cases, attribute: str, keys) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    for case in cases:
        value = getattr(case, attribute) or "other"
        counts[value] = counts.get(value, 0) + 1
    return counts


def _as_of(period_start: date, period_end: date, now: datetime | None, tz: tzinfo) -> datetime:
    """The moment open complaints are counted at: the period's end, or now if sooner."""
    return min(utc_bounds(period_start, period_end, tz)[1], now or utcnow())


def complaint_figures(session, district_id: int, period_start: date, period_end: date,
                      now: datetime | None = None) -> dict:
    """The figures of the report of one district and period (dates inclusive, local time)."""
    tz = zone_of(session)
    start, end = utc_bounds(period_start, period_end, tz)
    as_of = _as_of(period_start, period_end, now, tz)
    cases = _cases(session, district_id, start, end)
    received = [c for c in cases if start <= c.registered_at < as_of]
    answered = [c for c in cases if c.answered_at is not None and start <= c.answered_at < as_of]
    still_open = [c for c in cases if c.registered_at < as_of
                  and (c.answered_at is None or c.answered_at >= as_of)]
    days = [(c.answered_at - c.registered_at).total_seconds() / 86400 for c in answered]
    return {
        "received": len(received),
        "received_by_type": _count_by(received, "complaint_type", COMPLAINT_TYPES),
        "received_by_channel": _count_by(received, "channel", CHANNELS),
        "answered": len(answered),
        "answered_by_type": _count_by(answered, "complaint_type", COMPLAINT_TYPES),
        "justified": sum(1 for c in answered if c.justified == "yes"),
        "not_justified": sum(1 for c in answered if c.justified == "no"),
        "answered_on_time": sum(1 for c in answered if c.answered_at <= c.deadline),
        "answered_late": sum(1 for c in answered if c.answered_at > c.deadline),
        "average_days_to_answer": round(sum(days) / len(days), 1) if days else None,
        "open": len(still_open),
        "overdue": sum(1 for c in still_open if c.deadline < as_of),
    }


# --- The stored report --------------------------------------------------------------------

def _check_period(period_start: date, period_end: date, now: datetime | None, tz: tzinfo) -> None:
    if period_end < period_start:
        raise InvalidData("The period ends before it begins.", {"period": "ends before it begins"})
    if period_start > local_date(now or utcnow(), tz):
        raise InvalidData("The period has not begun yet.", {"period": "has not begun yet"})


def period_key(period_start: date, period_end: date) -> str:
    """The period as stored in quality_records.period_key: "2026-10-23/2026-11-21"."""
    return f"{period_start.isoformat()}/{period_end.isoformat()}"


def find_complaint_report(session, district_id: int, period_start: date,
                          period_end: date) -> QualityRecord | None:
    """The stored report of the district and period, or None."""
    return session.scalars(select(QualityRecord).where(
        QualityRecord.code == REPORT_CODE, QualityRecord.district_id == district_id,
        QualityRecord.instance_id.is_(None), QualityRecord.disposed_at.is_(None),
        QualityRecord.period_key == period_key(period_start, period_end))
        .order_by(QualityRecord.id)).first()


def generate_complaint_report(session, district_id: int, period_start: date, period_end: date,
                              user=None, now: datetime | None = None) -> QualityRecord:
    """Compute and store the report F-__-0-5-02 of a district and period; flush, no commit.

    The same district and period again replaces the figures of the same record (its
    revision goes up; created_at, and so the retention date, stay those of the first).
    """
    tz = zone_of(session)
    _check_period(period_start, period_end, now, tz)
    district = session.get(District, district_id)
    if district is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})
    now = now or utcnow()
    figures = complaint_figures(session, district_id, period_start, period_end, now)
    as_of = _as_of(period_start, period_end, now, tz)
    record = find_complaint_report(session, district_id, period_start, period_end)
    data = {"district": district.code,
            "period": {"start": period_start.isoformat(), "end": period_end.isoformat(),
                       "label": period_label(period_start, period_end)},
            "as_of": as_of.isoformat(timespec="seconds"),
            "complete": as_of >= utc_bounds(period_start, period_end, tz)[1],
            "generated_at": now.isoformat(timespec="seconds"),
            "generated_by": user.username if user is not None else None,
            "deadline_rule": f"due date of the first examination task (else {DEFAULT_ANSWER_DAYS} days)",
            "figures": figures}
    if record is None:
        record = QualityRecord(code=REPORT_CODE, instance_id=None, human_task_id=None,
                               district_id=district_id, created_at=now,
                               created_by_id=user.id if user is not None else None,
                               retention_until=retention_until(now, RECORDS_BY_CODE[REPORT_CODE]),
                               period_key=period_key(period_start, period_end))
        session.add(record)
        data["revision"] = 1
    else:
        data["revision"] = int((record.data or {}).get("revision", 1)) + 1
    record.data = data
    session.flush()
    return record


def generate_monthly_reports(session, now: datetime | None = None) -> list[tuple[str, QualityRecord]]:
    """The previous Solar Hijri month's report of every district, where missing or incomplete.

    A report generated on demand before the month was over is replaced; a complete one is
    kept, so the job may run daily and repeat safely. Returns (district code, record).
    """
    now = now or utcnow()
    period_start, period_end = solar_month_bounds(*previous_solar_month(local_date(now, zone_of(session))))
    made = []
    for district in session.scalars(select(District).order_by(District.id)):
        existing = find_complaint_report(session, district.id, period_start, period_end)
        if existing is None or not existing.data.get("complete"):
            # Another scheduler inserting the same report first (its unique index): a no-op.
            record = write_once(session, lambda district=district: generate_complaint_report(
                session, district.id, period_start, period_end, None, now))
            if record is not None:
                made.append((district.code, record))
    return made


def latest_complaint_reports(session, district_ids: set[int] | None, limit: int = 50):
    """The newest reports (by period) of these districts (None: every district)."""
    query = select(QualityRecord).where(QualityRecord.code == REPORT_CODE,
                                        QualityRecord.instance_id.is_(None),
                                        QualityRecord.disposed_at.is_(None))
    if district_ids is not None:
        query = query.where(QualityRecord.district_id.in_(district_ids or {-1}))
    records = list(session.scalars(query))  # a dozen a year per district
    records.sort(key=lambda r: ((r.data or {}).get("period", {}).get("start", ""), -r.district_id),
                 reverse=True)
    return records[:limit]


def can_generate_complaint_report(user, district_id: int) -> bool:
    """Complaints expert or PR head of the district, or central PR / inspection / admin city-wide."""
    return (may(user, "generate_complaint_reports_district", district_id)
            or may(user, "generate_complaint_reports_city"))
