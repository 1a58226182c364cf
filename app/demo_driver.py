"""The demo work's driver: one procedure's cases run step by step in the past on a clock of
this context only, as the demo users (app/demo_work.py says why)."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from engine import complete_task, fire_next_due_timers, start_instance
from models import HumanTask, Instance, Timer, clock
from people.accounts import find_district, find_user
from programmes.citizens.requests import SERVICES_BY_CODE, file_request
from programmes.mardom_salam.schedule import parse_time
from workcal import jalali
from workcal.calendar import is_working_day
from workcal.store import calendar_for, zone_of


class DemoWork:
    """The steps of the demo cases, each at a moment of this context's clock."""

    def __init__(self, session, set_moment, now: datetime, first_date: str, time_of_day: str):
        self.session, self.set_moment, self.now = session, set_moment, now  # now: naive UTC
        self.first_date, self.time_of_day = first_date, time_of_day  # the Mardom Salam series
        self.tz = zone_of(session)
        self.today = jalali.local_date(now, self.tz)
        self.cases = 0

    # ---------------------------------------------------------------- time

    def user(self, username):
        return find_user(self.session, username)

    def district(self, code):
        return find_district(self.session, code)

    def day_back(self, working_days: int, code: str = "d1") -> date:
        """The local date that many working days before today (0: today, whatever it is)."""
        cal = calendar_for(self.session, self.district(code).id)
        day, counted = self.today, 0
        while counted < working_days:
            day -= timedelta(days=1)
            if is_working_day(cal, day):
                counted += 1
        return day

    def moment(self, working_days: int, at: str, code: str = "d1") -> datetime:
        """Naive UTC of a local time on the day `working_days` back, never later than a minute ago."""
        day = self.day_back(working_days, code)
        moment = jalali.utc_of(day, parse_time(at), self.tz)
        return min(moment, self.now - timedelta(minutes=1))

    def at(self, moment: datetime) -> None:
        """Move this context's clock to moment, firing on the way what fell due by then."""
        self.fire_due(moment)

    def fire_due(self, moment: datetime) -> None:
        """Fire the timers due by moment, each at its own due time (a punctual scheduler)."""
        while True:
            due = self.session.scalar(select(func.min(Timer.due_at)).where(
                Timer.status == "waiting", Timer.due_at <= moment))
            if due is None:
                break
            self.set_moment(due)
            fire_next_due_timers(self.session, now=due)
        self.set_moment(moment)

    def iso(self, days_from_today: int) -> str:
        return (self.today + timedelta(days=days_from_today)).isoformat()

    def letter_number(self, prefix: str) -> str:
        """A letter number of this Solar Hijri year, e.g. ۲۴۵/خ/۱۴۰۵."""
        return f"{prefix}/{jalali.to_persian_digits(jalali.solar_parts(self.today)[0])}"

    # ---------------------------------------------------------------- steps

    def exists(self, process_key: str, title: str) -> bool:
        return self.session.scalar(select(Instance.id).where(
            Instance.process_key == process_key, Instance.title == title).limit(1)) is not None

    def start(self, key, username, code, title, data=None) -> Instance | None:
        """A new case, or None when it was loaded before."""
        if self.exists(key, title):
            return None
        self.cases += 1
        return start_instance(self.session, key, self.user(username), self.district(code).id,
                              data, title=title)

    def file(self, service_code, code, fields) -> Instance | None:
        """A citizen's request filed on the portal, or None when it was loaded before."""
        title = f"{SERVICES_BY_CODE[service_code].name_fa}: {fields['description'][:80]}"
        if self.exists(SERVICES_BY_CODE[service_code].process_key, title):
            return None
        self.cases += 1
        request, _ = file_request(self.session, {"service_code": service_code, **fields}, code)
        return request.instance

    def do(self, instance, task_spec, username, data=None, nth: int = 0) -> HumanTask:
        """Complete the open task of this element (the nth one of a multi-instance) as username."""
        rows = self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.task_spec == task_spec,
            HumanTask.status == "ready").order_by(HumanTask.id)).all()
        if len(rows) <= nth:
            raise LookupError(f"demo: no open {task_spec} in {instance.process_key} "
                              f"(open: {[t.task_spec for t in self.open(instance)]})")
        return complete_task(self.session, rows[nth].id, self.user(username), data or {})

    def open(self, instance) -> list[HumanTask]:
        return list(self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "ready")))
