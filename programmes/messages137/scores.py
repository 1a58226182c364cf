"""District scores of the 137 cycle, computed from the task index (human_tasks) and instances.

The messages of a period are those received (instances.started_at) in it, dates inclusive in
the city's time zone (TIMEZONE); their outcome is read as of the period's end, or now if sooner (`as_of`). No
workflow state nor instance data is loaded: each message is judged by its task rows.

- answered on the spot: closed with no executive-unit reply task (the operator answered); a
  round sent to the office automation counts as a reply task (_add_automation_rounds);
- open: not yet answered by the operator nor by the executive unit (a reply task still ready,
  or the intake task not done); overdue: that reply is past its due date (`reply_due_at`), or
  the intake is past its own (`intake_due_at`, MESSAGE_INTAKE_HOURS after receipt): a message
  nobody registered costs its district like a late reply;
- answered on time / late: referred and every referral round replied; late when any round's
  reply came after its due date (a message sent back by the follow-up unit gets a new round).
  So received = on the spot + on time + late + open. A replied message waiting for the
  feedback call counts as answered; it is closed when its instance completes.
- median time to close: 137 hours (MESSAGE_CLOCK: calendar hours, or working hours of the
  district's calendar) from receipt to closure, of the messages closed by as_of;
- SLA (sources 003/004): answered within the category's hours = on the spot, or every reply
  by its due date (`reply_due_at` is the category's hours after referral), of the messages
  that can be judged (answered, or past a due date); closed within 3 days = closed within 72
  hours of receipt, of those closed or received 72 hours before as_of (Mashhad: 85-90 %);
- determination (Qom 004): a reply that plans the work (what, by which date) is the
  determination: on time like any reply; the planned work then has its own follow-up task
  (Task_confirm_planned_work, due at the end of the planned date). Planned = messages with
  such a task; determined on time = those whose replies all came by their due dates; done on
  the planned date = its work confirmed done by that due date without a
  new date (one follow-up task per reply); planned overdue = a follow-up still open past it;
- satisfaction: feedback calls done, and the satisfied ones: a call not followed by a field
  investigation task (the process creates one exactly when the citizen is not satisfied);
- penalty: each reply (or intake) past its due date costs SCORE_PENALTY_PER_OVERDUE_DAY points
  per working day late (any part of a working day counts as one, a late reply at least one),
  whether answered late or still open; score = -penalty (0 is best).

By channel (channel_scores): the same judgement of each message, counted per channel it came
by (instances.channel, the codes of message_channels; "" for a message not yet registered),
so the centre sees which doors are answered in time: received, answered in time (on the spot
or on time), late, open, open and overdue.

Ranking: score (highest first), then the share answered on time (on the spot + on time, of
all answered; a district that answered none comes after), then fewer open overdue messages,
then more messages received, then the district code: every district gets its own rank. A
district that received no message in the period is not ranked (rank 0) and is listed last.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from statistics import median

from sqlalchemy import select

from models import District, Event, HumanTask, Instance, MessageChannel, ServiceCall, utcnow

from engine import engine_of
from programmes.messages137.score_cards import DistrictScore, LateReply  # noqa: F401 (re-exported)
from workcal.store import calendar_for, using_calendar, zone_of
from workcal.calendar import to_utc
from workcal.jalali import utc_bounds
from workcal.working_time import working_hours_between

PROCESS_KEY = "citizen_message_137"
REGISTER_TASK = "Task_register_message"
REPLY_TASK = "Task_executive_reply"
FEEDBACK_TASK = "Task_feedback_call"
INVESTIGATION_TASK = "Task_field_investigation"
PLANNED_TASK = "Task_confirm_planned_work"
# A referral sent to the office automation (MESSAGE_137_REFERRAL_TARGET) is a reply round too:
# its call row, and the automation's answer (a message_received event), stand for the reply task.
AUTOMATION_CALL = "Service_refer_to_automation"
AUTOMATION_ANSWER = "office_automation_answer"
TASK_SPECS = (REGISTER_TASK, REPLY_TASK, FEEDBACK_TASK, INVESTIGATION_TASK, PLANNED_TASK)
CLOSE_HOURS = 72  # Mashhad's "within 3 days"
DEFAULT_PENALTY_PER_DAY = 1.0
_CHUNK = 500


@dataclass
class _Row:
    spec: str
    status: str
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None


def as_of_moment(period_start: date, period_end: date, now: datetime | None = None,
                 tz: tzinfo | None = None) -> datetime:
    """The moment outcomes are read at (naive UTC): the period's end (its days in the zone tz,
    by default Asia/Tehran), or now (aware or naive UTC) if sooner."""
    now = to_utc(now).replace(tzinfo=None) if now is not None else utcnow()
    return min(utc_bounds(period_start, period_end, tz)[1], now)


def _messages(session, start: datetime, end: datetime, district_id: int | None):
    query = select(Instance.id, Instance.district_id, Instance.tracking_code, Instance.started_at,
                   Instance.completed_at).where(Instance.process_key == PROCESS_KEY,
                                                Instance.started_at >= start, Instance.started_at < end)
    if district_id is not None:
        query = query.where(Instance.district_id == district_id)
    return session.execute(query.order_by(Instance.started_at, Instance.id)).all()


def _task_rows(session, ids: list[int]) -> dict[int, list[_Row]]:
    rows: dict[int, list[_Row]] = {}
    for chunk in (ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        for instance_id, *values in session.execute(select(
                HumanTask.instance_id, HumanTask.task_spec, HumanTask.status, HumanTask.created_at,
                HumanTask.due_at, HumanTask.completed_at).where(
                HumanTask.instance_id.in_(chunk), HumanTask.task_spec.in_(TASK_SPECS))
                .order_by(HumanTask.created_at, HumanTask.id)):
            rows.setdefault(instance_id, []).append(_Row(*values))
        _add_automation_rounds(session, chunk, rows)
    return rows


def _add_automation_rounds(session, ids: list[int], rows: dict[int, list[_Row]]) -> None:
    """A reply row for each referral round sent to the office automation: created with its
    call, due at the round's reply_due_at, done when the automation's answer came; a round the
    unit answered in its inbox first (MESSAGE_137_REFERRAL_TARGET=both) has its task's row."""
    calls: dict[int, list] = {}
    for call in session.execute(select(
            ServiceCall.instance_id, ServiceCall.created_at, ServiceCall.status, ServiceCall.params)
            .where(ServiceCall.instance_id.in_(ids), ServiceCall.task_spec == AUTOMATION_CALL)
            .order_by(ServiceCall.created_at, ServiceCall.id)):
        calls.setdefault(call.instance_id, []).append(call)
    if not calls:
        return  # most cities, most messages: one cheap query
    answers: dict[int, list[datetime]] = {}
    for instance_id, at, data in session.execute(select(Event.instance_id, Event.at, Event.data).where(
            Event.instance_id.in_(list(calls)), Event.type == "message_received").order_by(Event.seq)):
        if (data or {}).get("name") == AUTOMATION_ANSWER:
            answers.setdefault(instance_id, []).append(at)
    for instance_id, rounds in calls.items():
        task_rows = rows.setdefault(instance_id, [])
        for index, call in enumerate(rounds):
            if call.status == "cancelled":
                continue  # withdrawn before it was made: the inbox reply answered that round
            ends = rounds[index + 1].created_at if index + 1 < len(rounds) else None
            within = lambda at: at >= call.created_at - timedelta(minutes=1) and (ends is None or at < ends)  # noqa: E731
            if any(r.spec == REPLY_TASK and r.status != "cancelled" and within(r.created_at)
                   for r in task_rows):
                continue  # sent to both: the inbox task stands for the round until the answer withdraws it
            answered = next((at for at in answers.get(instance_id, []) if within(at)), None)
            task_rows.append(_Row(REPLY_TASK, "completed" if answered else "ready", call.created_at,
                                  _due_at((call.params or {}).get("reply_due_at")), answered))
        task_rows.sort(key=lambda r: r.created_at)


def _due_at(text) -> datetime | None:
    """reply_due_at (ISO, with its zone) as naive UTC."""
    try:
        return to_utc(datetime.fromisoformat(str(text))).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None


def _days_late(hours_late: float, day_hours: float) -> int:
    return max(1, math.ceil(hours_late / day_hours - 1e-9))


def _late(score: DistrictScore, message, row: _Row, done, as_of: datetime, day_hours: float) -> None:
    """Count a reply (or intake) past its due date: days late and the drill-down entry."""
    instance_id, _, tracking_code, started_at, _ = message
    if row.due_at is None:
        return
    if done(row) and row.completed_at > row.due_at:
        late_hours, replied_at = working_hours_between(row.due_at, row.completed_at), row.completed_at
    elif not done(row) and row.due_at < as_of:
        late_hours, replied_at = working_hours_between(row.due_at, as_of), None
    else:
        return
    days = _days_late(late_hours, day_hours)
    score.working_days_late += days
    score.late_replies.append(LateReply(instance_id, tracking_code, started_at, row.due_at,
                                        replied_at, days))


def _judge(score: DistrictScore, message, rows: list[_Row], as_of: datetime, day_hours: float) -> None:
    """Add one message to its district's figures (the district's calendar is the active one)."""
    _, _, _, started_at, completed_at = message
    done = lambda r: r.status == "completed" and r.completed_at is not None and r.completed_at < as_of
    rows = [r for r in rows if r.created_at < as_of and r.status != "cancelled"]
    replies = [r for r in rows if r.spec == REPLY_TASK]
    intakes = [r for r in rows if r.spec == REGISTER_TASK]
    closed = completed_at is not None and completed_at < as_of
    score.received += 1
    for row in intakes + replies:
        _late(score, message, row, done, as_of, day_hours)
    outstanding = [r for r in replies if not done(r)]
    intake_overdue = any(not done(r) and r.due_at is not None and r.due_at < as_of for r in intakes)
    score.intake_overdue += intake_overdue
    if not replies:
        if closed:
            score.answered_on_spot += 1
        else:
            score.open += 1  # the intake is not done yet
            score.open_overdue += intake_overdue
    elif outstanding:
        score.open += 1
        if any(r.due_at is not None and r.due_at < as_of for r in outstanding):
            score.open_overdue += 1
    elif any(r.due_at is not None and r.completed_at > r.due_at for r in replies):
        score.answered_late += 1
    else:
        score.answered_on_time += 1
    _judge_sla(score, started_at, completed_at, replies, closed, intake_overdue, done, as_of)
    _judge_planned(score, [r for r in rows if r.spec == PLANNED_TASK], replies, done, as_of)
    calls = sum(1 for r in rows if r.spec == FEEDBACK_TASK and done(r))
    investigations = sum(1 for r in rows if r.spec == INVESTIGATION_TASK)
    score.feedback_calls += calls
    score.satisfied += max(0, calls - investigations)
    if closed:
        score.closed += 1


def _judge_sla(score, started_at, completed_at, replies, closed, intake_overdue, done, as_of) -> None:
    """Answered within the category's hours; closed within 3 days (only once they can be judged)."""
    if not replies:  # answered on the spot, or still at intake: judged once past its due date
        on_time, judged = closed, closed or intake_overdue
    else:
        due = [r.due_at for r in replies if r.due_at is not None]
        on_time = all(done(r) and (r.due_at is None or r.completed_at <= r.due_at) for r in replies)
        judged = on_time or any(d < as_of for d in due) or any(
            done(r) and r.due_at is not None and r.completed_at > r.due_at for r in replies)
    if judged:
        score.sla_judged += 1
        score.within_sla += bool(on_time)
    limit = started_at + timedelta(hours=CLOSE_HOURS)
    closed_in_time = closed and completed_at <= limit
    if closed_in_time or limit <= as_of:
        score.close_judged += 1
        score.closed_within_3_days += bool(closed_in_time)


def _judge_planned(score, planned: list[_Row], replies: list[_Row], done, as_of) -> None:
    """A determination: made on time; its planned work done on its date, or open past it."""
    if not planned:
        return
    score.planned += 1
    score.determined_on_time += all(done(r) and (r.due_at is None or r.completed_at <= r.due_at)
                                    for r in replies)
    last = planned[-1]
    if done(last) and len(planned) <= len(replies) and all(
            done(r) and (r.due_at is None or r.completed_at <= r.due_at) for r in planned):
        score.planned_done_on_date += 1
    if not done(last) and last.due_at is not None and last.due_at < as_of:
        score.planned_overdue += 1


def rank(scores: list[DistrictScore]) -> list[DistrictScore]:
    """Sort by score and the documented tie-breakers; rank 1 = best, 0 = no message received."""
    scores.sort(key=lambda s: (s.received == 0, -s.score,
                               -(s.on_time_rate if s.on_time_rate is not None else -1),
                               s.open_overdue, -s.received, s.code))
    for position, score in enumerate(scores, start=1):
        score.rank = position if score.received else 0
    return scores


@dataclass
class ChannelScore:
    """The messages of one channel in one period and how they were answered."""
    code: str  # "" : not recorded (a message not yet registered)
    title_fa: str
    title_en: str
    received: int = 0
    answered_in_time: int = 0  # on the spot, or every reply by its due date
    answered_late: int = 0
    open: int = 0
    open_overdue: int = 0


def district_scores(session, period_start: date, period_end: date, now: datetime | None = None,
                    penalty_per_day: float = DEFAULT_PENALTY_PER_DAY,
                    district_id: int | None = None) -> list[DistrictScore]:
    """The figures of every district (or one) for a period (dates inclusive), ranked."""
    return _scored(session, period_start, period_end, now, penalty_per_day, district_id, None)


def scores_and_channels(session, period_start: date, period_end: date, now: datetime | None = None,
                        penalty_per_day: float = DEFAULT_PENALTY_PER_DAY,
                        district_id: int | None = None) -> tuple[list[DistrictScore], list[ChannelScore]]:
    """district_scores and, from the same pass over the messages, the figures per channel
    (the channels with messages, in the channel table's order; unknown codes after them)."""
    by_channel: dict[str, DistrictScore] = {}
    ranking = _scored(session, period_start, period_end, now, penalty_per_day, district_id, by_channel)
    known = {c.code: c for c in session.scalars(select(MessageChannel).order_by(
        MessageChannel.position, MessageChannel.id))}
    order = list(known) + sorted(code for code in by_channel if code not in known)
    channels = []
    for code in order:
        figures = by_channel.get(code)
        if figures is None:
            continue
        row = known.get(code)
        channels.append(ChannelScore(code, row.title_fa if row else code, row.title_en if row else code,
                                     figures.received, figures.answered_on_spot + figures.answered_on_time,
                                     figures.answered_late, figures.open, figures.open_overdue))
    return ranking, channels


def _channels_of(session, ids: list[int]) -> dict[int, str]:
    channels: dict[int, str] = {}
    for chunk in (ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        channels.update(session.execute(select(Instance.id, Instance.channel).where(
            Instance.id.in_(chunk))).all())
    return {instance_id: channel or "" for instance_id, channel in channels.items()}


def _scored(session, period_start, period_end, now, penalty_per_day, district_id,
            by_channel: dict | None) -> list[DistrictScore]:
    tz = zone_of(session)
    start, end = utc_bounds(period_start, period_end, tz)
    as_of = as_of_moment(period_start, period_end, now, tz)
    districts = select(District).order_by(District.code)
    if district_id is not None:
        districts = districts.where(District.id == district_id)
    scores = {d.id: DistrictScore(d.id, d.code, d.name_fa, d.name_en) for d in session.scalars(districts)}
    messages = [m for m in _messages(session, start, end, district_id) if m.district_id in scores]
    rows = _task_rows(session, [m.id for m in messages])
    channel_of = _channels_of(session, [m.id for m in messages]) if by_channel is not None else {}
    hours_to_close: dict[int, list[float]] = {}
    message_hours = engine_of(session).message_clock.message_hours_between
    for district, score in scores.items():
        calendar = calendar_for(session, district)
        day_hours = working_day_hours(calendar)
        with using_calendar(calendar):
            for message in (m for m in messages if m.district_id == district):
                _judge(score, message, rows.get(message.id, []), as_of, day_hours)
                if by_channel is not None:
                    code = channel_of.get(message.id, "")
                    figures = by_channel.setdefault(code, DistrictScore(0, code, code, code))
                    _judge(figures, message, rows.get(message.id, []), as_of, day_hours)
                if message.completed_at is not None and message.completed_at < as_of:
                    hours_to_close.setdefault(district, []).append(
                        message_hours(message.started_at, message.completed_at))
        closing = hours_to_close.get(district)
        score.median_hours_to_close = round(median(closing), 1) if closing else None
        score.score = round(-penalty_per_day * score.working_days_late, 2) + 0.0
    return rank(list(scores.values()))


def working_day_hours(calendar) -> float:
    """Hours of the calendar's full working day (7 by default): a working day's length."""
    start, end = calendar.full_day
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60 or 7.0
