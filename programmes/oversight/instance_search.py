"""Finding instances (/instances and GET /api/v1/instances): filters, a search box, pages.

parse_filters reads what a page or the API was asked (text parameters) into InstanceFilters,
refusing a malformed one with InvalidData (a Persian message at the page); search_instances
gives one page of the instances the user may see (people.access.instance_scope_clause: their
districts, confidential cases only as its rules say), newest first, and how many match.

The search box takes a tracking code (its exact row), a phone number (its keyed token), or
words: each word must match a word of the instance's search text (a prefix of it) or a word of
its citizen's name (a keyed token): engine.runtime.search_index writes both. PostgreSQL
matches the GIN-indexed tsvector; SQLite searches the text with LIKE.

Pages are keyset pages over the id (after=<the last id shown>, before=<the first id shown>),
so the hundredth page costs what the first does; the count stops at COUNT_LIMIT.
"""
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import and_, exists, func, literal, or_, select

from engine import query_terms
from models import District, HumanTask, Instance, ProcessVersion, utcnow
from models.errors import InvalidData
from people import access
from people.organisation import find_unit
from programmes.messages137.tracking import normalise_tracking_code
from programmes.oversight.dashboard import AGE_BUCKETS, open_task_condition
from workcal import jalali

STATUSES = ("running", "completed", "error", "suspended", "cancelled")
PER_PAGE, MAX_PER_PAGE = 25, 100
# "More than 1,000 found": counting stops there (a broad search's exact count would read the
# whole table); up to there the count also tells how to read the page (search_instances).
COUNT_LIMIT = 1000
MAX_ID = 2**31 - 1
MAX_QUERY_CHARS, MAX_CODE_CHARS = 200, 120
_CODE = re.compile(r"^[\w.\-]+$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_DAY_TEMPLATE = "Write the date as a Solar Hijri day, for example 1405/09/01."
# The parameters read, in the order a page's form and links carry them.
PARAMETERS = ("q", "process", "version", "district", "unit", "status", "channel", "category",
              "started_from", "started_to", "ended_from", "ended_to", "overdue", "open", "role",
              "age")
_ALIASES = {"since": "started_from", "until": "started_to"}  # the dashboard's drill-down links


@dataclass(frozen=True)
class InstanceFilters:
    """What to find; every field None or empty means no condition."""
    text: str = ""
    tracking_code: str | None = None
    process: str | None = None
    version: int | None = None
    district: District | None = None
    unit: object = None  # a people Unit: an open task routed to it
    status: str | None = None
    channel: str | None = None
    category: str | None = None
    started_from: date | None = None  # Gregorian days, inclusive (Solar Hijri on the page)
    started_to: date | None = None
    ended_from: date | None = None
    ended_to: date | None = None
    overdue: bool = False
    open: bool = False
    role: str | None = None
    age: str | None = None
    given: dict = field(default_factory=dict)  # the parameters as asked, for links and forms

    def is_empty(self) -> bool:
        return not self.given


@dataclass
class InstancePage:
    """One page of found instances, newest first, and where the pages around it start."""
    rows: list
    total: int
    total_is_capped: bool  # more than COUNT_LIMIT match (total is COUNT_LIMIT then)
    per_page: int
    next_after: int | None = None  # the link to the next (older) page: after=<this id>
    previous_before: int | None = None  # the link to the previous (newer) page: before=<this id>


def _refuse(template: str, field_name: str, **params):
    raise InvalidData(template, {field_name: template}, **params)


def _text(args, name: str, limit: int = MAX_CODE_CHARS) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    value = str(value).strip()
    if _CONTROL.search(value):
        _refuse("The request contains control characters (such as NUL) that no text may "
                "hold; remove them and send it again.", name)
    if len(value) > limit:
        _refuse("The search text is too long: at most {limit} characters.", name, limit=limit)
    return value or None


def _number(value, name: str, low: int = 1, high: int = MAX_ID) -> int:
    text = jalali.to_ascii_digits(str(value)).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        _refuse("The number {name} is out of range.", name, name=name)
    return int(text)


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return jalali.parse_solar_date(value)
    except ValueError:
        _refuse(_DAY_TEMPLATE, name)


def _yes(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def parse_filters(session, args) -> InstanceFilters:
    """The filters of a request's parameters (a mapping of text); InvalidData for a bad one."""
    args = {(_ALIASES.get(k, k)): v for k, v in dict(args).items()
            if _ALIASES.get(k, k) in PARAMETERS and v not in (None, "")}
    text = _text(args, "q", MAX_QUERY_CHARS) or ""
    values = {name: _text(args, name) for name in PARAMETERS if name != "q"}
    given = {name: value for name, value in (("q", text), *values.items()) if value}
    found = InstanceFilters(text=text, given=given,
                            tracking_code=normalise_tracking_code(text) if text else None,
                            process=values["process"], channel=values["channel"],
                            category=values["category"], role=values["role"],
                            overdue=_yes(values["overdue"]), open=_yes(values["open"]))
    for name in ("process", "channel", "category", "role"):
        if values[name] and not _CODE.match(values[name]):
            _refuse("This code is not valid: use letters, digits and dashes only.", name)
    if values["version"]:
        if not values["process"]:
            _refuse("Choose a process to see one of its versions.", "version")
        found = replace(found, version=_number(values["version"], "version"))
    if values["district"]:
        district = session.scalars(select(District).where(District.code == values["district"])).first()
        if district is None:
            _refuse("There is no district with this code.", "district")
        found = replace(found, district=district)
    if values["unit"]:
        unit = find_unit(session, values["unit"])
        if unit is None:
            _refuse("Unknown unit.", "unit")
        found = replace(found, unit=unit)
    if values["status"]:
        if values["status"] not in STATUSES:
            _refuse("Unknown status: choose running, completed, error, suspended or cancelled.",
                    "status")
        found = replace(found, status=values["status"])
    if values["age"]:
        if values["age"] not in AGE_BUCKETS:
            _refuse("Unknown age: choose one of the dashboard's age columns.", "age")
        found = replace(found, age=values["age"])
    days = {name: _day(values[name], name)
            for name in ("started_from", "started_to", "ended_from", "ended_to")}
    for first, last in (("started_from", "started_to"), ("ended_from", "ended_to")):
        if days[first] and days[last] and days[first] > days[last]:
            _refuse("The first day of the period is after its last day.", last)
    found = replace(found, **days)
    if text and not found.tracking_code and not query_terms(session, text):
        _refuse("Type a word, a phone number or a tracking code to search for.", "q")
    return found


def parse_page(args, default_per_page: int = PER_PAGE) -> tuple[int | None, int | None, int]:
    """(after, before, per_page) of a request's paging parameters; InvalidData for a bad one."""
    after = _number(args["after"], "after") if args.get("after") else None
    before = _number(args["before"], "before") if args.get("before") and after is None else None
    per_page = _number(args["per_page"], "per_page", 1, MAX_PER_PAGE) if args.get("per_page") \
        else default_per_page
    return after, before, per_page


def _period(column, first: date | None, last: date | None, tz) -> list:
    conditions = []
    if first is not None:
        conditions.append(column >= jalali.utc_of(first, tz=tz))
    if last is not None:
        conditions.append(column < jalali.utc_bounds(last, last, tz)[1])
    return conditions


def _text_condition(session, filters: InstanceFilters):
    if filters.tracking_code:
        return Instance.tracking_code == filters.tracking_code
    terms = query_terms(session, filters.text)
    if session.get_bind().dialect.name == "postgresql":
        # Each word is [^\W_]+ and each token hex: nothing to quote in the tsquery.
        query = " & ".join("(" + " | ".join(
            f"'{term}'" if term.startswith("zq") else f"'{term}':*" for term in group) + ")"
            for group in terms)
        return Instance.search_vector.op("@@")(func.to_tsquery("simple", query))
    document = literal(" ") + func.coalesce(Instance.search_text, "")
    return and_(*(or_(*(document.like(f"% {term}%") for term in group)) for group in terms))


def filter_conditions(session, filters: InstanceFilters, now: datetime | None = None,
                      tz=None) -> list:
    """SQL conditions on instances for the filters (the user's scope is search_instances');
    days are read in the time zone tz (the city's by default)."""
    now, tz = now or utcnow(), jalali.local_zone(tz)
    conditions = []
    if filters.text:
        conditions.append(_text_condition(session, filters))
    if filters.process:
        conditions.append(Instance.process_key == filters.process)
    if filters.version is not None:
        conditions.append(Instance.process_version_id.in_(select(ProcessVersion.id).where(
            ProcessVersion.process_key == filters.process, ProcessVersion.version == filters.version)))
    if filters.district is not None:
        conditions.append(Instance.district_id == filters.district.id)
    if filters.status:
        conditions.append(Instance.status == filters.status)
    if filters.channel:
        conditions.append(Instance.channel == filters.channel)
    if filters.category:
        conditions.append(Instance.category == filters.category)
    conditions += _period(Instance.started_at, filters.started_from, filters.started_to, tz)
    conditions += _period(Instance.completed_at, filters.ended_from, filters.ended_to, tz)
    if filters.open or filters.overdue or filters.role or filters.age or filters.unit is not None:
        district_ids = {filters.district.id} if filters.district is not None else None
        task = open_task_condition(session, now, district_ids, role=filters.role,
                                   overdue=filters.overdue, age=filters.age,
                                   unit_id=filters.unit.id if filters.unit is not None else None)
        conditions.append(exists().where(HumanTask.instance_id == Instance.id, task))
    return conditions


def search_instances(session, user, filters: InstanceFilters, after: int | None = None,
                     before: int | None = None, per_page: int = PER_PAGE,
                     now: datetime | None = None, tz=None) -> InstancePage:
    """One page of the instances the user may see that match the filters, newest first:
    those older than `after`, or the page newer than `before`; with the count of all matches."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    where = [access.instance_scope_clause(user), *filter_conditions(session, filters, now, tz)]
    matched = select(Instance.id).where(*where).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matched))
    # Few matches (a phone, a name, a rare word): read them all through their own indexes and
    # sort them. Ordering by the bare id would let PostgreSQL walk the primary key backwards
    # hoping to meet 26 matches soon, i.e. read the whole table for one phone number.
    # Many matches: that walk meets them at once.
    key = Instance.id if total > COUNT_LIMIT else Instance.id + 0
    query = select(Instance).where(*where)
    if before is not None:
        rows = list(session.scalars(query.where(Instance.id > before)
                                    .order_by(key.asc()).limit(per_page + 1)))
        newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        older = True
    else:
        if after is not None:
            query = query.where(Instance.id < after)
        rows = list(session.scalars(query.order_by(key.desc()).limit(per_page + 1)))
        older = len(rows) > per_page
        rows = rows[:per_page]
        newer = after is not None
    return InstancePage(rows=rows, total=min(total, COUNT_LIMIT), total_is_capped=total > COUNT_LIMIT,
                        per_page=per_page,
                        next_after=rows[-1].id if rows and older else None,
                        previous_before=rows[0].id if rows and newer else None)
