"""What a timer means, read statically from its expression, in Persian and English."""
import pytest

from modeling.timer_meaning import RUN_TIME, timer_meaning, timer_meanings
from modeling.validation import check_diagram, timers_of
from engine.spiff.xmlsafe import parse_bpmn_xml
from tests.engine.diagram_problems_support import diagram


@pytest.mark.parametrize("kind, source, persian, english", [
    ("timeDuration", '"P2D"', "۲ روز", "2 days"),
    ("timeDuration", '"P1D"', "۱ روز", "1 day"),
    ("timeDuration", "'PT1H30M'", "۱ ساعت و ۳۰ دقیقه", "1 hour, 30 minutes"),
    ("timeDuration", '"P1W"', "۱ هفته", "1 week"),
    ("timeDuration", '"P1Y2M"', "۱ سال و ۲ ماه", "1 year, 2 months"),
    ("timeCycle", '"R/P2D"', "هر ۲ روز", "every 2 days"),
    ("timeCycle", '"R3/PT1H"', "۳ بار، هر ۱ ساعت", "3 times, every 1 hour"),
    ("timeCycle", '"R2/2026-03-21T06:30:00+00:00/P1D"', "۲ بار، هر ۱ روز", "2 times, every 1 day"),
    ("timeDuration", "add_working_days(now(), 2)", "۲ روز کاری", "2 working days"),
    ("timeDate", "add_working_hours(now(), 1.5)", "۱٫۵ ساعت کاری", "1.5 working hours"),
    ("timeDate", "add_jalali_months(now(), 1)", "۱ ماه شمسی", "1 Solar Hijri month"),
    ("timeDate", '"2026-03-21T06:30:00+00:00"', "۱۴۰۵/۰۱/۰۱ ۱۰:۰۰", "1405/01/01 10:00"),
    ("timeDate", "answer_due_at", *RUN_TIME),
    ("timeDuration", "add_working_days(received_at, 2)", *RUN_TIME),
    ("timeDuration", "reply_deadline_hours(category)", *RUN_TIME),
])
def test_a_timer_expression_reads_as(kind, source, persian, english):
    assert timer_meaning(kind, source) == (persian, english)


@pytest.mark.parametrize("kind, source", [
    ("timeDuration", ""), ("timeDuration", "P1D"), ("timeDuration", '"P1X"'), ("timeCycle", '"P1D"'),
    ("timeDate", '"tomorrow"'), ("timeDuration", "now("), ("timeDuration", "12"),
    ("timeDate", '"0001-01-01T00:00:00+14:00"'), ("timeDuration", "(" * 500 + ")" * 500),
    ("timeDuration", '"\x00"'), ("timeDuration", '"R/P2D"'),
])
def test_an_empty_or_unreadable_timer_has_no_meaning_its_problem_says_why(kind, source):
    assert timer_meaning(kind, source) is None


def test_every_timer_of_a_diagram_is_listed_with_its_element():
    xml, _ = diagram("hostile script", "parse error", "empty timer", "bare P1D")
    found = timer_meanings(parse_bpmn_xml(xml.encode()).getroot())
    assert [(t["element_id"], t["meaning_fa"]) for t in found] == [("Timer_script", "۱ روز"),
                                                                   ("Timer_call", "۲ روز")]


def test_a_timer_with_a_problem_gets_no_meaning_its_problem_speaks():
    xml, _ = diagram("hostile script", "parse error")
    xml = xml.replace('"P2D"', "1/0")  # a constant that fails: a timer problem
    problems = check_diagram(None, xml)
    assert ("timer", "Timer_call") in {(p.kind, p.element_id) for p in problems}
    assert [t["element_id"] for t in timers_of(xml, problems)] == ["Timer_script"]
