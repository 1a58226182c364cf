"""The oversight dashboard's figures (issue 17), aggregated in SQL (GROUP BY), never by a loop
over instances or tasks, so they stay fast at 100,000 instances (bench/dashboard.py).

- Open work: the ready tasks of the task index (human_tasks), grouped by district and role
  (`OPEN_WORK_GROUPS`: a unit is one more entry there); for each group how many, how many are
  overdue (past `due_at`) and their age in working days of the district's calendar since the
  task was created, in buckets [0, 1), [1, 3), [3, 10) and 10 or more. A working day is the
  calendar's full day (7 h by default), as the 137 scores count days late. A 137 message at
  intake is due MESSAGE_INTAKE_HOURS after receipt (`intake_due_at`), so one nobody registered
  counts as overdue work of the intake operators of its district.
- The 137 messages (process citizen_message_137) received in the last 8 Solar Hijri weeks
  (Saturday to Friday, in the city's time zone), with the definitions of
  programmes/messages137/scores.py: answered on the spot = closed without an executive reply
  task (answered when closed); referred = answered once every reply task of its rounds is
  completed (answered at the last reply); closed = the instance completed. Hours are clock
  hours from receipt, as the sources measure them (the 137 centre works around the clock:
  Qom's 24/48/72 hours, Mashhad's "85-90 % within 3 days"). A message counts towards "within
  N hours" once N hours have passed since receipt, or earlier if it was already answered (or
  closed) within them, so this week's messages do not drag the share down before their time.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Float, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import District, HumanTask, Instance
from programmes.messages137.scores import PROCESS_KEY, REPLY_TASK, working_day_hours
from workcal.calendar import day_intervals, to_utc
from workcal.jalali import local_date, utc_of
from workcal.store import calendar_for, zone_of

AGE_BUCKETS = ("lt1", "1to3", "3to10", "gt10")
AGE_LIMITS = (1, 3, 10)  # working days: the lower bounds of the buckets after the first
ANSWER_HOURS = (24, 48, 72)
CLOSE_HOURS = 72  # Mashhad's "within 3 days"
TREND_WEEKS = 8
SATURDAY = 5  # date.weekday(): a Solar Hijri week starts on Saturday
MAX_SCAN_DAYS = 3700

# What open work is grouped by: name -> column of human_tasks. Adding a unit is one entry. The
# query groups in this order, role first: the order of the partial index over ready tasks
# (ix_human_tasks_ready_role_district), which then delivers the groups without sorting.
OPEN_WORK_GROUPS = {"role": HumanTask.role, "district": HumanTask.district_id,
                    "unit": HumanTask.unit_id}
# 'ready' written into the SQL, not bound: SQLite uses a partial index (WHERE status = 'ready')
# only when the query's own text implies its condition (bench/dashboard.py: 30x slower bound).
READY = literal_column("'ready'")


class seconds_between(FunctionElement):
    """SQL: seconds from the first datetime to the second (NULL if either is NULL)."""
    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"date_part('epoch', ({b}) - ({a}))"  # double precision (EXTRACT gives numeric)


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND((julianday({b}) - julianday({a})) * 86400.0)"


# ------------------------------------------------------------------ working time backwards

def working_moment_before(calendar, end: datetime, hours: float) -> datetime:
    """The latest moment (naive UTC) with `hours` of the calendar's working time between it and end."""
    end = to_utc(end)
    remaining = timedelta(hours=hours)
    if remaining <= timedelta():
        return end.replace(tzinfo=None)
    day = end.astimezone(calendar.tz).date()
    for _ in range(MAX_SCAN_DAYS):
        for a, b in reversed(day_intervals(calendar, day)):
            if a >= end:
                continue
            b = min(b, end)
            if remaining <= b - a:
                return (b - remaining).astimezone(timezone.utc).replace(tzinfo=None)
            remaining -= b - a
        day -= timedelta(days=1)
    raise ValueError(f"the calendar has no working time within {MAX_SCAN_DAYS} days")


def _district_ids(session, district_ids) -> list[int]:
    if district_ids is not None:
        return sorted(district_ids)
    return list(session.scalars(select(District.id).order_by(District.id)))


def age_boundaries(session, now: datetime, district_ids=None) -> dict[int, tuple[datetime, ...]]:
    """Per district: the moments 1, 3 and 10 working days before now (naive UTC)."""
    bounds, by_calendar = {}, {}
    for district_id in _district_ids(session, district_ids):
        calendar = calendar_for(session, district_id)
        # Districts differ only by their entries: walk back once per distinct calendar.
        key = (calendar.entries, calendar.full_day, calendar.tz)
        if key not in by_calendar:
            day = working_day_hours(calendar)
            by_calendar[key] = tuple(working_moment_before(calendar, now, k * day) for k in AGE_LIMITS)
        bounds[district_id] = by_calendar[key]
    return bounds


def _bound(bounds: dict, index: int, district_column):
    """One boundary as SQL: a constant when every district shares it, else a CASE on the district."""
    values = {district: moments[index] for district, moments in bounds.items()}
    if len(set(values.values())) <= 1:
        return literal(next(iter(values.values()), datetime(1, 1, 1)))
    return case(values, value=district_column)


def _age_conditions(bounds: dict, created, district_column) -> dict[str, object]:
    """bucket -> SQL condition on a task's creation moment."""
    one, three, ten = (_bound(bounds, i, district_column) for i in range(3))
    return {"lt1": created > one, "1to3": and_(created <= one, created > three),
            "3to10": and_(created <= three, created > ten), "gt10": created <= ten}


def open_task_condition(session, now: datetime, district_ids=None, role: str | None = None,
                        overdue: bool = False, age: str | None = None, task=HumanTask,
                        unit_id: int | None = None):
    """SQL condition on human_tasks: a ready task (of the role, routed to the unit, overdue, in
    the age bucket)."""
    conditions = [task.status == READY]
    if unit_id is not None:
        conditions.append(task.unit_id == unit_id)
    if district_ids is not None:
        conditions.append(task.district_id.in_(sorted(district_ids)))
    if role:
        conditions.append(task.role == role)
    if overdue:
        conditions.append(and_(task.due_at.isnot(None), task.due_at < now))
    if age:
        bounds = age_boundaries(session, now, district_ids)
        conditions.append(_age_conditions(bounds, task.created_at, task.district_id)[age])
    return and_(*conditions)


# ------------------------------------------------------------------ open work

@dataclass
class OpenWork:
    """The open tasks of one group (a district and a role): how many, overdue, by age."""
    keys: dict
    open: int = 0
    overdue: int = 0
    age: dict = field(default_factory=lambda: dict.fromkeys(AGE_BUCKETS, 0))

    def add(self, other: "OpenWork") -> None:
        """Add another group's counts to this one (a total)."""
        self.open += other.open
        self.overdue += other.overdue
        for bucket in AGE_BUCKETS:
            self.age[bucket] += other.age[bucket]

    def as_dict(self) -> dict:
        """The figures as JSON-ready data."""
        return {**self.keys, "open": self.open, "overdue": self.overdue, "age": dict(self.age)}


def open_work(session, now: datetime, district_ids=None,
              group_by: tuple[str, ...] = ("district", "role", "unit")) -> list[OpenWork]:
    """Ready tasks grouped by group_by (names of OPEN_WORK_GROUPS), in one GROUP BY query."""
    unknown = set(group_by) - set(OPEN_WORK_GROUPS)
    if unknown:
        raise ValueError(f"open work cannot be grouped by {sorted(unknown)}")
    columns = [column.label(name) for name, column in OPEN_WORK_GROUPS.items() if name in group_by]
    bounds = age_boundaries(session, now, district_ids)
    ages = _age_conditions(bounds, HumanTask.created_at, HumanTask.district_id)
    count_if = lambda condition: func.sum(case((condition, 1), else_=0))
    query = (select(*columns, func.count().label("open"),
                    count_if(HumanTask.due_at < now).label("overdue"),  # NULL: no due date, never overdue
                    *(count_if(ages[b]).label(f"age_{b}") for b in AGE_BUCKETS))
             .where(HumanTask.status == READY).group_by(*columns).order_by(*columns))
    if district_ids is not None:
        query = query.where(HumanTask.district_id.in_(sorted(district_ids)))
    out = []
    for row in session.execute(query).mappings():
        out.append(OpenWork({name: row[name] for name in group_by}, row["open"], int(row["overdue"] or 0),
                            {b: int(row[f"age_{b}"] or 0) for b in AGE_BUCKETS}))
    return out


# ------------------------------------------------------------------ the 137 messages

@dataclass
class MessageFigures:
    """The 137 messages received in a span: answered within 24/48/72 h, closed within 3 days."""
    received: int = 0
    answered: int = 0
    closed: int = 0
    within: dict = field(default_factory=lambda: {h: 0 for h in ANSWER_HOURS})
    judged: dict = field(default_factory=lambda: {h: 0 for h in ANSWER_HOURS})
    closed_within: int = 0
    close_judged: int = 0

    def add(self, other: "MessageFigures") -> None:
        """Add another span's or district's figures to these (a total)."""
        self.received += other.received
        self.answered += other.answered
        self.closed += other.closed
        for h in ANSWER_HOURS:
            self.within[h] += other.within[h]
            self.judged[h] += other.judged[h]
        self.closed_within += other.closed_within
        self.close_judged += other.close_judged

    def answered_rate(self, hours: int) -> float | None:
        """Share answered within hours of the messages that can be judged (None: none)."""
        return self.within[hours] / self.judged[hours] if self.judged[hours] else None

    @property
    def closed_rate(self) -> float | None:
        """Share closed within 3 days of the messages that can be judged (None: none)."""
        return self.closed_within / self.close_judged if self.close_judged else None

    def as_dict(self) -> dict:
        """The figures as JSON-ready data, percentages rounded to 0.1."""
        percent = lambda rate: None if rate is None else round(100 * rate, 1)
        return {"received": self.received, "answered": self.answered, "closed": self.closed,
                "answered_within": {f"{h}h": {"count": self.within[h], "of": self.judged[h],
                                              "percent": percent(self.answered_rate(h))}
                                    for h in ANSWER_HOURS},
                "closed_within_3_days": {"count": self.closed_within, "of": self.close_judged,
                                         "percent": percent(self.closed_rate)}}


def week_starts(now: datetime, tz, weeks: int = TREND_WEEKS) -> list[date]:
    """The Saturdays that begin the last `weeks` Solar Hijri weeks (this one last), local dates."""
    today = local_date(now, tz)
    this_week = today - timedelta(days=(today.weekday() - SATURDAY) % 7)
    return [this_week - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]


def _per_message(now: datetime, bounds: list[datetime], district_ids):
    """One row per 137 message received since bounds[0]: its district, week (index of the last
    bound it is not before), receipt, and seconds from receipt to its answer and to its closure
    (NULL: not yet), each computed once here for the aggregate above it."""
    replies = func.count(HumanTask.instance_id)  # not id: the join is read from an index alone
    outstanding = func.sum(case((HumanTask.status == "ready", 1), else_=0))
    answered_at = case((replies == 0, Instance.completed_at),
                       (outstanding == 0, func.max(HumanTask.completed_at)), else_=None)
    week = case(*((Instance.started_at >= bounds[i], i) for i in range(len(bounds) - 1, 0, -1)), else_=0)
    query = (select(Instance.district_id, week.label("week"), Instance.started_at,
                    seconds_between(Instance.started_at, answered_at).label("answered_s"),
                    seconds_between(Instance.started_at, Instance.completed_at).label("closed_s"))
             .select_from(Instance)
             .outerjoin(HumanTask, and_(HumanTask.instance_id == Instance.id,
                                        HumanTask.task_spec == REPLY_TASK,
                                        HumanTask.status != "cancelled"))
             .where(Instance.process_key == PROCESS_KEY, Instance.started_at >= bounds[0],
                    Instance.started_at < now)
             .group_by(Instance.id, Instance.district_id, Instance.started_at, Instance.completed_at))
    if district_ids is not None:
        query = query.where(Instance.district_id.in_(sorted(district_ids)))
    return query.subquery("message")


def message_figures(session, now: datetime, district_ids=None, weeks: int = TREND_WEEKS
                    ) -> tuple[list[date], dict[tuple[int, int], MessageFigures]]:
    """(week starts, {(district id, week index): figures}) of the last weeks, in one query."""
    tz = zone_of(session)
    starts = week_starts(now, tz, weeks)
    m = _per_message(now, [utc_of(day, tz=tz) for day in starts], district_ids)
    count_if = lambda condition: func.count(case((condition, 1)))
    columns = [func.count(m.c.answered_s).label("answered"), func.count(m.c.closed_s).label("closed")]
    for h in ANSWER_HOURS:
        columns.append(count_if(m.c.answered_s <= h * 3600).label(f"within_{h}"))
        columns.append(count_if(or_(m.c.started_at <= now - timedelta(hours=h),
                                    m.c.answered_s <= h * 3600)).label(f"judged_{h}"))
    columns.append(count_if(m.c.closed_s <= CLOSE_HOURS * 3600).label("closed_within"))
    columns.append(count_if(or_(m.c.started_at <= now - timedelta(hours=CLOSE_HOURS),
                                m.c.closed_s <= CLOSE_HOURS * 3600)).label("close_judged"))
    query = (select(m.c.district_id, m.c.week, func.count().label("received"), *columns)
             .group_by(m.c.district_id, m.c.week))
    figures = {}
    for row in session.execute(query).mappings():
        n = lambda key: int(row[key] or 0)
        figures[(row["district_id"], row["week"])] = MessageFigures(
            n("received"), n("answered"), n("closed"),
            {h: n(f"within_{h}") for h in ANSWER_HOURS}, {h: n(f"judged_{h}") for h in ANSWER_HOURS},
            n("closed_within"), n("close_judged"))
    return starts, figures


# ------------------------------------------------------------------ the whole dashboard

@dataclass
class Dashboard:
    """What the page and the API show: open work and the 137 figures of some districts."""
    now: datetime
    districts: list  # District rows shown
    open_work: list[OpenWork]              # per district, role and unit (None: not routed)
    open_by_district: dict[int, OpenWork]  # totals
    open_total: OpenWork
    weeks: list[date]
    messages_by_district: dict[int, MessageFigures]  # the whole 8 weeks
    messages_by_week: list[MessageFigures]           # all shown districts, oldest week first
    messages_total: MessageFigures


def build_dashboard(session, now: datetime, district_ids=None) -> Dashboard:
    """Every figure of the dashboard for the districts (None: all), as of now (naive UTC)."""
    query = select(District).order_by(District.code)
    if district_ids is not None:
        query = query.where(District.id.in_(sorted(district_ids)))
    districts = list(session.scalars(query))
    work = open_work(session, now, district_ids)
    by_district = {d.id: OpenWork({"district": d.id}) for d in districts}
    total = OpenWork({})
    for row in work:  # one row per district, role and unit: a few hundred at most
        by_district.setdefault(row.keys["district"], OpenWork({"district": row.keys["district"]})).add(row)
        total.add(row)
    weeks, figures = message_figures(session, now, district_ids)
    per_district = {d.id: MessageFigures() for d in districts}
    per_week = [MessageFigures() for _ in weeks]
    overall = MessageFigures()
    for (district_id, week), row in figures.items():
        per_district.setdefault(district_id, MessageFigures()).add(row)
        per_week[week].add(row)
        overall.add(row)
    return Dashboard(now, districts, work, by_district, total, weeks, per_district, per_week, overall)
