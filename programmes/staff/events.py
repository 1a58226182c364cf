"""Which events tell which staff: the tasks a step opens (offered, or an escalation), a task
handed to someone, tasks due soon and overdue (scheduler), and the daily digest (scheduler).

Event keys make each event one notification per person (notifications.staff.notify_users):
"offered:<task>" (also for a reassignment), "escalation:<task>", "due_soon:<task>",
"overdue:<task>", "digest:<local date>".
"""
from datetime import datetime, time, timedelta

from sqlalchemy import exists, select

from engine import engine_of, opened_in_transaction
from models import District, HumanTask, clock
from models.staff_notifications import StaffNotification
from models.unique_writes import write_once
from notifications.staff import notify_users, outbox_recipients, settings_of
from people.access import users_offered
from workcal import calendar as wc
from workcal.jalali import format_solar_date, format_solar_datetime
from workcal.store import calendar_for, zone_of

# The follow-up tasks an escalation timer opens: the 137 cycle's deputy at 72 working hours,
# manager and inspection office at 96 (processes/citizen_message_137.bpmn), and the mayor's
# bureau when a Mardom Salam classification is late (processes/mardom_salam.bpmn).
ESCALATION_TASKS = frozenset({
    ("citizen_message_137", "Task_deputy_followup"),
    ("citizen_message_137", "Task_manager_followup"),
    ("citizen_message_137", "Task_inspection_followup"),
    ("citizen_message_137", "Task_planned_work_deputy"),
    ("complaints", "Task_followup_overdue"),
    ("mardom_salam", "Task_classify_overdue"),
})
# A task overdue for longer than this when first seen (e.g. the day this feature is switched
# on) is left to the digest instead of sending one message per old task.
OVERDUE_LOOKBACK = timedelta(days=7)
# How far ahead (calendar time) due-soon looks at most: a working-hours window can span Nowruz.
DUE_SOON_HORIZON = timedelta(days=21)
MAX_TASKS_PER_RUN = 500
DIGEST_ITEMS = 20  # tasks listed per section of a digest (the counts are whole)


def _task_url(session, task) -> str:
    return engine_of(session).public_url(f"/tasks/{task.id}")


def _due_text(session, due_at) -> str | None:
    return format_solar_datetime(due_at, zone_of(session)) if due_at else None


def _params(session, task) -> dict:
    """What the in-app text and the messages say of a task (kept with the notification)."""
    instance = task.instance
    return {"task_name": task.name, "instance_title": instance.title or task.name,
            "tracking_code": instance.tracking_code,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "district_name": task.district.name_fa if task.district else None}


def _tell(session, task, kind: str, users=None, no_email_to=frozenset(), new_event: bool = False) -> int:
    """Tell the people a task is offered to (or these users) of one event; return how many.
    new_event: the task was opened in this transaction (nobody can have been told of it)."""
    made = notify_users(
        session, users_offered(session, task) if users is None else users, kind,
        f"{kind}:{task.id}", _params(session, task), task=task, district_id=task.district_id,
        context={"task_url": _task_url(session, task), "due_text": _due_text(session, task.due_at)},
        no_email_to=frozenset(no_email_to), new_event=new_event)
    return len(made)


def notify_step(session, instance, completed, opened, started: bool = False) -> None:
    """Tell whoever each task this step opened is offered to: an escalation for the follow-up
    tasks of ESCALATION_TASKS, else "offered" (the starter is not told of the first task).
    Nothing is flushed here: the step's rows and these go to the database together. Who was
    told already is asked only of a task written before this transaction (the hook run again)."""
    with session.no_autoflush:
        for task in opened:
            if (task.process_key, task.task_spec) in ESCALATION_TASKS:
                # The district managers' e-mail of the 137 cycle (escalation_to_manager) went
                # to them in this step: the in-app notification only, not a second e-mail.
                _tell(session, task, "escalation",
                      no_email_to=outbox_recipients(session, instance.id, "escalation_to_manager"),
                      new_event=opened_in_transaction(session, task))
                continue
            users = users_offered(session, task)
            if started:
                users = [user for user in users if user.id != instance.started_by_id]
            _tell(session, task, "offered", users, new_event=opened_in_transaction(session, task))


def notify_assigned(session, task) -> int:
    """Tell the person a task was handed to (reassigned), unless they were told of it already."""
    return _tell(session, task, "offered")


def _not_told(kind: str):
    return ~exists().where(StaffNotification.task_id == HumanTask.id, StaffNotification.kind == kind)


def notify_due_soon(session, now: datetime | None = None) -> int:
    """Tell of ready tasks due within STAFF_DUE_SOON_WORKING_HOURS working hours of their
    district's calendar; return how many people were told."""
    now = now or clock.now()
    naive_now = wc.to_utc(now).replace(tzinfo=None)
    hours = settings_of(session).due_soon_working_hours
    told = 0
    for district_id in session.scalars(select(District.id).order_by(District.id)):
        horizon = wc.to_utc(wc.add_working_hours(calendar_for(session, district_id), now, hours))
        horizon = min(horizon.replace(tzinfo=None), naive_now + DUE_SOON_HORIZON)
        tasks = session.scalars(select(HumanTask).where(
            HumanTask.status == "ready", HumanTask.district_id == district_id,
            HumanTask.due_at > naive_now, HumanTask.due_at <= horizon, _not_told("due_soon"))
            .order_by(HumanTask.due_at, HumanTask.id).limit(MAX_TASKS_PER_RUN)).all()
        for task in tasks:
            told += _tell(session, task, "due_soon")
    return told


def notify_overdue(session, now: datetime | None = None) -> int:
    """Tell of ready tasks whose due moment has passed (at most OVERDUE_LOOKBACK ago); return
    how many people were told."""
    naive_now = wc.to_utc(now or clock.now()).replace(tzinfo=None)
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at <= naive_now,
        HumanTask.due_at > naive_now - OVERDUE_LOOKBACK, _not_told("overdue"))
        .order_by(HumanTask.due_at, HumanTask.id).limit(MAX_TASKS_PER_RUN)).all()
    return sum(_tell(session, task, "overdue") for task in tasks)


def _home_district(user) -> int | None:
    """The district whose calendar a user's day follows: their only district, else the city's."""
    districts = {grant.district_id for grant in user.grants}
    return districts.pop() if len(districts) == 1 else None


def _digest_item(session, task, now_naive) -> dict:
    return {"task_id": task.id, "task_name": task.name,
            "instance_title": task.instance.title or task.name,
            "tracking_code": task.instance.tracking_code, "due_at": task.due_at.isoformat(),
            "due_text": _due_text(session, task.due_at), "task_url": _task_url(session, task),
            "overdue": task.due_at <= now_naive}


def send_digests(session, now: datetime | None = None) -> int:
    """At the start of the working day (each person's district calendar), tell each person with
    work due today or overdue what it is, once a day; return how many digests were made."""
    now = wc.to_utc(now or clock.now())
    now_naive = now.replace(tzinfo=None)
    tz = zone_of(session)
    today = now.astimezone(tz).date()
    end_of_today = wc.to_utc(datetime.combine(today + timedelta(days=1), time(0), tz)).replace(tzinfo=None)
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at.is_not(None), HumanTask.due_at < end_of_today)
        .order_by(HumanTask.due_at, HumanTask.id)).all()
    work: dict[int, tuple[object, list]] = {}
    offered_to: dict[tuple, list] = {}  # (role, district, assignee) -> users: one query each
    for task in tasks:
        key = (task.role, task.district_id, task.assignee_id)
        if key not in offered_to:
            offered_to[key] = users_offered(session, task)
        for user in offered_to[key]:
            work.setdefault(user.id, (user, []))[1].append(task)
    made = 0
    day_text = format_solar_date(today)
    for user, user_tasks in work.values():
        calendar = calendar_for(session, _home_district(user))
        intervals = wc.day_intervals(calendar, today)
        if not intervals or not intervals[0][0] <= now < intervals[-1][1]:
            continue  # not a working day for them, or the day has not begun (or is over)
        items = [_digest_item(session, task, now_naive) for task in user_tasks]
        overdue = [item for item in items if item["overdue"]]
        due_today = [item for item in items if not item["overdue"]]
        # A city-wide role may have hundreds: the counts, and the first of each list.
        params = {"day": today.isoformat(), "overdue_count": len(overdue),
                  "due_today_count": len(due_today), "overdue": overdue[:DIGEST_ITEMS],
                  "due_today": due_today[:DIGEST_ITEMS]}

        def _digest(user=user, params=params):
            rows = notify_users(
                session, [user], "digest", f"digest:{today.isoformat()}", params,
                context={"day_text": day_text, "inbox_url": engine_of(session).public_url("/")},
                district_id=_home_district(user))
            session.flush()
            return rows
        # In a savepoint: another scheduler's digest of the same person and day (staff_notifications:
        # user_id, event_key unique) written first makes this one a no-op.
        made += len(write_once(session, _digest, []))
    return made


__all__ = ["ESCALATION_TASKS", "notify_step", "notify_assigned", "notify_due_soon",
           "notify_overdue", "send_digests"]
