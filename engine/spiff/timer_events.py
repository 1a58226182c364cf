"""SpiffWorkflow's timer events on the application's clock, accepting a datetime as a due moment.

SpiffWorkflow 3.2 compares timers with datetime.now() and wants a timer expression to give
ISO 8601 text. Here timers read models.clock (so a test that moves the clock moves them) and a
timeDate or timeDuration expression may also give a datetime (add_working_days(now(), 10));
it is stored as ISO text, as SpiffWorkflow stores its own. A timeCycle may also repeat every n
working days of the instance's calendar (every_working_days(n) gives "R/WD<n>", which no ISO
reader knows): each next firing is n working days after the last. The parsed specs get these classes
(the parser-class table of engine.spiff.parsing.CityBpmnParser); the serializer writes them under SpiffWorkflow's type names
and reads those back as these classes (register_clock_timers), so stored states stay standard.
"""
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              DurationTimerEventDefinition,
                                                              TimeDateEventDefinition,
                                                              TimerEventDefinition)

from models import clock
from workcal.working_time import add_working_days, working_cycle


def timer_value(value):
    """A timer expression's value as SpiffWorkflow stores it: a datetime becomes ISO text (naive = UTC)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        return moment.isoformat()
    return value


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A timer at a date and time (timeDate), on the application's clock."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = timer_value(my_task.workflow.script_engine.evaluate(my_task, self.expression))
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) < clock.now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    """A timer after a duration (timeDuration, or a due datetime), on the application's clock."""

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            value = timer_value(my_task.workflow.script_engine.evaluate(my_task, self.expression))
            if isinstance(value, str) and value.strip().upper().startswith("P"):
                start = clock.now()
                parsed = TimerEventDefinition.parse_iso_duration(value)
                value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            event_value = value
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) < clock.now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A repeating timer (timeCycle), on the application's clock."""

    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = _working_cycle_value(expression) or _cycle_value(expression)
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < clock.now():
                event_value["next"] = _after(next_event, event_value)
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _cycle_value(expression) -> dict:
    """An ISO 8601 recurring interval's first firing, count and period."""
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
    parts = expression.upper().replace("--", "/").strip("R").split("/")
    if len(parts) == 2 and parts[1].startswith("P"):
        start = clock.now() + duration  # "R3/PT1H": from now, which upstream reads off the OS
    return {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}


def _working_cycle_value(expression) -> dict | None:
    """every_working_days(n)'s cycle ("R/WD2"): first firing n working days from now on the
    active calendar (the instance's district), then every n working days; None for ISO text."""
    cycle = working_cycle(expression)
    if cycle is None:
        return None
    cycles, days = cycle
    return {"cycles": cycles, "next": add_working_days(clock.now(), days).isoformat(),
            "duration": 0, "working_days": days}


def _after(fired: datetime, event_value: dict) -> str:
    """The firing after this one: a period later, or n working days later."""
    if event_value.get("working_days"):
        return add_working_days(fired, event_value["working_days"]).isoformat()
    return (fired + timedelta(seconds=event_value["duration"])).isoformat()


CLOCK_TIMERS = {TimeDateEventDefinition: ClockTimeDateEventDefinition,
                DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
                CycleTimerEventDefinition: ClockCycleTimerEventDefinition}


def timer_text_ok(kind: str, value: str) -> bool:
    """Whether SpiffWorkflow reads this text as a timer of this kind (timeDate, timeDuration,
    timeCycle): ISO 8601 durations, recurring intervals or moments; a timeDuration may also
    name its due moment."""
    try:
        if kind == "timeCycle":
            if working_cycle(value) is None:  # every_working_days(n) gives "R/WD<n>"
                TimerEventDefinition.parse_iso_recurring_interval(value)
        elif kind == "timeDuration" and value.strip().upper().startswith("P"):
            TimerEventDefinition.parse_iso_duration(value)
        else:
            TimerEventDefinition.get_datetime(value)
        return True
    except Exception:  # noqa: BLE001 - SpiffWorkflow says "Invalid duration" with a bare Exception
        return False


def _with_clock_timers(parser_class):
    """A subclass of one of SpiffWorkflow's event parsers that builds the clock timers."""

    class ClockTimerParser(parser_class):
        def parse_timer_event(self, event):
            parsed = super().parse_timer_event(event)
            return CLOCK_TIMERS[type(parsed)](parsed.name, parsed.expression,
                                              description=parsed.description)

    ClockTimerParser.__name__ = ClockTimerParser.__qualname__ = f"Clock{parser_class.__name__}"
    return ClockTimerParser


def with_clock_timers(parser_classes: dict) -> dict:
    """SpiffWorkflow's parser-class table (OVERRIDE_PARSER_CLASSES) with every event parser
    building timers on the application's clock."""
    return {tag: (_with_clock_timers(parser) if hasattr(parser, "parse_timer_event") else parser, spec)
            for tag, (parser, spec) in parser_classes.items()}


def register_clock_timers(registry) -> None:
    """Serialize the clock timers under SpiffWorkflow's type names, and restore those as them."""
    for upstream, replacement in CLOCK_TIMERS.items():
        TimerConditionalEventDefinitionConverter(replacement, registry, typename=upstream.__name__)
