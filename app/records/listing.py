"""Finding quality records: filters from a query string, the visible rows, one record."""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from formjs.forms import normalise_digits
from records.quality import RECORDS_BY_CODE, RecordType, district_code, record_revisions
from models import District, Instance, ProcessVersion, QualityRecord, User
from people import access
from workcal import jalali

from ..i18n import N_, local_zone

PER_PAGE = 50
FILTER_KEYS = ("code", "district", "process", "from", "to")
_DAY_RE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", re.ASCII)
_SOLAR_HIJRI_BEFORE = 1700  # a year below this is Solar Hijri (1403), above it Gregorian (2024)


class FilterError(ValueError):
    """A filter the user typed that cannot be applied; shown with app.i18n.translate_error."""

    def __init__(self, template: str, **params):
        super().__init__(template.format(**params))
        self.template, self.params = template, params


@dataclass
class RecordFilters:
    code: str | None = None
    district_id: int | None = None
    process_key: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    current_only: bool = True  # superseded revisions only show on their record's page


@dataclass
class RecordRow:
    """A record with what its list row and export line show beside it."""
    record: QualityRecord
    district: District | None
    process_key: str | None
    instance_title: str | None
    created_by: User | None

    @property
    def record_type(self) -> RecordType | None:
        return RECORDS_BY_CODE.get(self.record.code)

    @property
    def code(self) -> str:
        return record_code(self.record.code, self.district)


@dataclass
class Page:
    rows: list[RecordRow]
    total: int
    number: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, -(-self.total // self.per_page))


def record_code(code: str, district: District | None) -> str:
    """A register code with the district's number filled in (district d3 → F-03-…)."""
    if district is None:
        return code
    number = re.sub(r"\D", "", district.code)
    return district_code(code, number or district.code)


def filter_args(args: Mapping) -> dict:
    """The filter values as typed (trimmed, blanks dropped), to refill the form and links."""
    return {key: str(args.get(key)).strip() for key in FILTER_KEYS
            if args.get(key) and str(args.get(key)).strip()}


def parse_day(text: str) -> date:
    """A day typed as Solar Hijri 1403/05/20 (Persian or Latin digits) or Gregorian 2024-08-10."""
    match = _DAY_RE.fullmatch(normalise_digits(text.strip()))
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    if year < _SOLAR_HIJRI_BEFORE:
        return jalali.solar_to_gregorian(year, month, day)
    return date(year, month, day)


def visible_districts(session, user) -> list[District]:
    """The districts whose records the user may see, by code."""
    ids = access.district_ids_of(user)
    query = select(District).order_by(District.code)
    if ids is not None:
        query = query.where(District.id.in_(ids))
    return list(session.scalars(query))


def list_process_keys(session) -> list[str]:
    """The keys of every deployed process, sorted."""
    return sorted(session.scalars(select(ProcessVersion.process_key).distinct()))


def process_names(session) -> dict[str, str]:
    """process key -> the name of its latest deployed version."""
    rows = session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                           .order_by(ProcessVersion.id))
    return {key: name for key, name in rows}


def parse_filters(session, user, args: Mapping) -> RecordFilters:
    """RecordFilters from a query string; FilterError names the first value that is wrong."""
    raw = filter_args(args)
    filters = RecordFilters(process_key=raw.get("process"))
    if "code" in raw:
        if raw["code"] not in RECORDS_BY_CODE:
            raise FilterError(N_("Unknown record code {value}."), value=raw["code"])
        filters.code = raw["code"]
    if "district" in raw:
        allowed = {d.id for d in visible_districts(session, user)}
        text = normalise_digits(raw["district"])
        district_id = int(text) if text.isascii() and text.isdigit() else None
        if district_id not in allowed:  # another district's id is as unknown as a wrong one
            raise FilterError(N_("Unknown district."))
        filters.district_id = district_id
    for key, attribute in (("from", "date_from"), ("to", "date_to")):
        if key in raw:
            try:
                setattr(filters, attribute, parse_day(raw[key]))
            except ValueError:
                raise FilterError(N_("The date {value} is not valid: write it like 1403/05/20 "
                                     "or 2024-08-10."), value=raw[key]) from None
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterError(N_("The start date is after the end date."))
    return filters


def _local_midnight_utc(day: date) -> datetime:
    # Days are the staff's calendar days in the city's time zone; created_at is naive UTC.
    return jalali.utc_of(day, tz=local_zone())


def _filtered(query, user, filters: RecordFilters):
    query = query.where(access.record_scope_clause(user))
    if filters.current_only:
        query = query.where(QualityRecord.superseded_at.is_(None))
    if filters.code:
        query = query.where(QualityRecord.code == filters.code)
    if filters.district_id:
        query = query.where(QualityRecord.district_id == filters.district_id)
    if filters.process_key:
        query = query.where(Instance.process_key == filters.process_key)
    if filters.date_from:
        query = query.where(QualityRecord.created_at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        end = _local_midnight_utc(filters.date_to + timedelta(days=1))
        query = query.where(QualityRecord.created_at < end)
    return query


def _rows_query(user, filters: RecordFilters):
    query = (select(QualityRecord, District, Instance.process_key, Instance.title, User)
             .outerjoin(District, District.id == QualityRecord.district_id)
             .outerjoin(Instance, Instance.id == QualityRecord.instance_id)
             .outerjoin(User, User.id == QualityRecord.created_by_id))
    return _filtered(query, user, filters).order_by(QualityRecord.created_at.desc(),
                                                    QualityRecord.id.desc())


def list_records(session, user, filters: RecordFilters, page: int = 1) -> Page:
    """One page (PER_PAGE rows) of the records the user may see, newest first."""
    count = select(func.count(QualityRecord.id)).outerjoin(
        Instance, Instance.id == QualityRecord.instance_id)
    total = session.scalar(_filtered(count, user, filters))
    number = min(max(page, 1), max(1, -(-total // PER_PAGE)))
    result = session.execute(_rows_query(user, filters).limit(PER_PAGE)
                             .offset((number - 1) * PER_PAGE))
    return Page([RecordRow(*row) for row in result], total, number)


def iter_records(session, user, filters: RecordFilters):
    """Every record the user may see that matches, newest first (for exports)."""
    for row in session.execute(_rows_query(user, filters).execution_options(yield_per=500)):
        yield RecordRow(*row)


def list_revisions(session, record: QualityRecord) -> list[tuple[QualityRecord, User | None]]:
    """Every revision of a record with who made it, newest first."""
    revisions = record_revisions(session, record)
    ids = {r.created_by_id for r in revisions if r.created_by_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [(r, people.get(r.created_by_id)) for r in revisions]


def get_record(session, user, record_id: int) -> RecordRow | None:
    """One record with its district, process and author; None if absent or not the user's."""
    query = _rows_query(user, RecordFilters(current_only=False)).where(QualityRecord.id == record_id)
    row = session.execute(query).first()
    return RecordRow(*row) if row else None
