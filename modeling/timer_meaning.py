"""What a diagram's timers mean, in a process owner's words: "P2D" is "۲ روز", "R/P2D" is
"هر ۲ روز", add_working_days(now(), 2) is "۲ روز کاری", a cycle every_working_days(2) is
"هر ۲ روز کاری", a date is a Solar Hijri date.

Read statically from the expression (nothing runs); an expression over the case data is
"computed at run time". A text no timer can read has no meaning here: modeling.rules says
what is wrong with it.
"""
import ast
import re
from datetime import datetime

from lxml import etree

from workcal.jalali import format_solar_datetime, to_persian_digits
from workcal.working_time import working_cycle

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
KINDS = ("timeDate", "timeDuration", "timeCycle")
RUN_TIME = ("هنگام اجرا محاسبه می‌شود", "computed at run time")

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)
# (Persian word, English singular) for each part of an ISO 8601 duration, in order.
_UNITS = (("سال", "year"), ("ماه", "month"), ("هفته", "week"), ("روز", "day"),
          ("ساعت", "hour"), ("دقیقه", "minute"), ("ثانیه", "second"))
# Helpers of workcal.working_time whose second argument is an amount from now.
_HELPERS = {"add_working_days": ("روز کاری", "working day"),
            "add_working_hours": ("ساعت کاری", "working hour"),
            "add_jalali_months": ("ماه شمسی", "Solar Hijri month")}


def _amount(number, fa_word: str, en_word: str) -> tuple[str, str]:
    shown = f"{number:g}" if isinstance(number, float) else str(number)
    return (f"{to_persian_digits(shown, decimal_sign=True)} {fa_word}",
            f"{shown} {en_word}{'' if number == 1 else 's'}")


def duration_meaning(text: str) -> tuple[str, str] | None:
    """An ISO 8601 duration ("P2D", "PT1H30M") in words, Persian and English; None if unreadable."""
    found = _DURATION.match(text.strip())
    if not found or not any(found.groups()) or text.strip().upper().endswith("T"):
        return None
    parts = [_amount(int(n), *unit) for n, unit in zip(found.groups(), _UNITS) if n]
    return " و ".join(fa for fa, _en in parts), ", ".join(en for _fa, en in parts)


def _date_meaning(text: str) -> tuple[str, str] | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        solar = format_solar_datetime(moment)  # local time of the city's zone
    except (ValueError, OverflowError):  # not a date, or one the calendars cannot say
        return None
    return to_persian_digits(solar), solar


def _repeated(times: int, every: tuple[str, str]) -> tuple[str, str]:
    """"هر ..." / "every ...", with "n بار، " / "n times, " before it when the count is limited."""
    fa, en = f"هر {every[0]}", f"every {every[1]}"
    if times > 0:
        fa, en = f"{to_persian_digits(str(times))} بار، {fa}", f"{times} times, {en}"
    return fa, en


def _cycle_meaning(text: str) -> tuple[str, str] | None:
    working = working_cycle(text)  # every_working_days(n)'s text, "R/WD<n>"
    if working is not None:
        return _repeated(working[0], _amount(working[1], "روز کاری", "working day"))
    parts = text.strip().split("/")
    repeat = re.fullmatch(r"R(\d*)", parts[0].upper()) if parts else None
    durations = [p for p in parts[1:] if p.upper().startswith("P")]
    if not repeat or len(parts) not in (2, 3) or len(durations) != 1:
        return None
    every = duration_meaning(durations[0])
    if every is None:
        return None
    fa, en = f"هر {every[0]}", f"every {every[1]}"
    if repeat.group(1):
        count = repeat.group(1)
        fa, en = f"{to_persian_digits(count)} بار، {fa}", f"{count} times, {en}"
    return fa, en


def _text_meaning(kind: str, text: str) -> tuple[str, str] | None:
    if kind == "timeCycle":
        return _cycle_meaning(text)
    if text.strip().upper().startswith("P"):
        return duration_meaning(text)
    return _date_meaning(text)


def _working_cycle_call(body) -> tuple[str, str] | None:
    """every_working_days(2) or every_working_days(2, 3) (whole constants) in words."""
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name)
            and body.func.id == "every_working_days" and 1 <= len(body.args) <= 2 and not body.keywords):
        return None
    numbers = [arg.value for arg in body.args if isinstance(arg, ast.Constant)
               and isinstance(arg.value, int) and not isinstance(arg.value, bool) and arg.value >= 1]
    if len(numbers) != len(body.args):
        return None
    return _repeated(numbers[1] if len(numbers) == 2 else -1, _amount(numbers[0], "روز کاری", "working day"))


def _call_meaning(body) -> tuple[str, str] | None:
    """add_working_days(now(), 2) and its kind: an amount from now, read off the call."""
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id in _HELPERS
            and len(body.args) == 2 and not body.keywords):
        return None
    start, amount = body.args
    from_now = (isinstance(start, ast.Call) and isinstance(start.func, ast.Name)
                and start.func.id == "now" and not start.args)
    if not from_now or not isinstance(amount, ast.Constant) or not isinstance(amount.value, (int, float)) \
            or isinstance(amount.value, bool):
        return None
    return _amount(amount.value, *_HELPERS[body.func.id])


def timer_meaning(kind: str, source: str) -> tuple[str, str] | None:
    """(Persian, English) meaning of a timer expression of this kind (timeDate, timeDuration,
    timeCycle); RUN_TIME when only running it tells; None when empty or unreadable."""
    if not (source or "").strip():
        return None
    try:
        body = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the problem says why
        return None
    if isinstance(body, ast.Constant):
        return _text_meaning(kind, body.value) if isinstance(body.value, str) else None
    if isinstance(body, ast.Name) and _DURATION.match(body.id):
        return None  # a bare P1D: a problem, not a meaning
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id == "every_working_days":
        return _working_cycle_call(body) or RUN_TIME if kind == "timeCycle" else None
    return _call_meaning(body) or RUN_TIME


def timer_meanings(root) -> list[dict]:
    """Every timer of a parsed diagram with its meaning: [{element_id, kind, expression,
    meaning_fa, meaning_en}] in file order (timers without a readable meaning are left out)."""
    found = []
    for definition in root.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        for child in definition:
            kind = etree.QName(child).localname if isinstance(child.tag, str) else ""
            meaning = timer_meaning(kind, child.text or "") if kind in KINDS else None
            if meaning is not None:
                found.append({"element_id": event.get("id"), "kind": kind,
                              "expression": (child.text or "").strip(),
                              "meaning_fa": meaning[0], "meaning_en": meaning[1]})
    return found
