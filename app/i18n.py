"""Persian first, English second: locale choice, Solar Hijri dates, Persian digits."""
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request, session
from flask_babel import Babel, get_locale, gettext, ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from formjs.readable import ENGLISH, PERSIAN, Style
from models.messages import Message
from workcal import jalali
from workcal.calendar import WorkingCalendar, is_working_day

LOCALES = ("fa", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """The language chosen in this session, else the user's, else Persian."""
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LOCALES) or "fa"
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "fa"  # the staff work in Persian; English is chosen explicitly


def compile_catalogs() -> None:
    """Compile .po files to .mo when the .mo is missing or older (no build step needed)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


def is_rtl() -> bool:
    """True when the page is Persian."""
    return str(get_locale()) == "fa"


def page_style(localize: bool = True) -> Style:
    """How the page's language writes form values (formjs.readable); localize=False keeps Latin
    digits, which spreadsheets read as numbers."""
    style = PERSIAN if is_rtl() else ENGLISH
    return style if localize else Style(style.persian, digits=False)


def localize_digits(value) -> str:
    """Persian digits in Persian, as they are in English."""
    text = "" if value is None else str(value)
    return jalali.to_persian_digits(text) if is_rtl() else text


def local_zone() -> tzinfo:
    """The city's time zone: the TIMEZONE setting, as the app's engine holds it."""
    return current_app.extensions["bpmn_engine"].calendars.tz


def format_datetime(value: datetime | None, with_time: bool = True) -> str:
    """A naive-UTC datetime as Solar Hijri local time in Persian, Gregorian in English."""
    if value is None:
        return ""
    tz = local_zone()
    if is_rtl():
        return localize_digits(jalali.format_solar_datetime(value, tz) if with_time
                               else jalali.format_solar_date(jalali.local_date(value, tz)))
    return jalali.local_time(value, tz).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def solar_hijri_date(iso_date) -> str:
    """An ISO date as Solar Hijri 1405/09/04 with Persian digits; other text unchanged."""
    try:
        day = datetime.strptime(str(iso_date), "%Y-%m-%d").date()
    except ValueError:
        return "" if iso_date is None else str(iso_date)
    return localize_digits(jalali.format_solar_date(day))


def _working_days(cal: WorkingCalendar, after: date, until: date) -> int:
    """How many working days of the calendar fall after one day, up to and including another."""
    return sum(1 for n in range(1, (until - after).days + 1)
               if is_working_day(cal, after + timedelta(days=n)))


def due_in_words(due_at: datetime | None, now: datetime, cal: WorkingCalendar) -> str:
    """When a task is due, relative to now in working days of its calendar: "2 working days left",
    "Due today", "3 days late" (working days too; at least one once the due day has passed)."""
    if due_at is None:
        return ""
    today, due_day = jalali.local_date(now, cal.tz), jalali.local_date(due_at, cal.tz)
    if due_day == today:
        return gettext("Due today")
    if due_day > today:
        left = _working_days(cal, today, due_day)
        return ngettext("%(days)s working day left", "%(days)s working days left", left,
                        days=localize_digits(left))
    late = max(1, _working_days(cal, due_day, today))
    return ngettext("%(days)s day late", "%(days)s days late", late, days=localize_digits(late))


def translate_error(error) -> str:
    """A WorkflowError's message in the page's language."""
    template = getattr(error, "template", None)
    if template is None:
        return str(error)
    params = {k: _error_param(v) for k, v in error.params.items()}
    return gettext(template).format(**params)


def _error_param(value):
    """A number in the page's digits; a day as Solar Hijri in Persian, ISO in English."""
    if isinstance(value, int):
        return localize_digits(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return localize_digits(jalali.format_solar_date(value)) if is_rtl() else value.isoformat()
    return value


_PERSIAN_LETTERS = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
FSI = "\u2068"  # first strong isolate: a name keeps its own direction (Persian or Latin)


def _isolated_value(value) -> str:
    """A value put into translated text: a name of Persian letters in a first-strong isolate,
    an id, code or technical detail left to right."""
    text = "" if value is None else str(value)
    if _PERSIAN_LETTERS.search(text):
        return f"{FSI}{text}{PDI}"
    return ltr(text) if text else ""


def say_value(value) -> str:
    """A value put into translated text in the page's language: a Message said, a number in
    the page's digits, a name or id isolated (in Persian)."""
    if isinstance(value, Message):
        return say(value)
    if not is_rtl():
        return "" if value is None else str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return localize_digits(value)
    return _isolated_value(value)


def say(message) -> str:
    """A models.messages.Message in the page's language (English: exactly its text); other
    values as they are. Nested Messages are said too, numbers in the page's digits, names
    and ids isolated so that they read the right way in right-to-left text."""
    if message is None:
        return ""
    if not isinstance(message, Message) or not is_rtl():
        return str(message)
    translated = gettext(message.template)
    if not message.params:
        return translated
    return translated.format(**{key: say_value(value) for key, value in message.params.items()})


def chain_explanation(problem) -> str:
    """An integrity problem's explanation (audit.chain_problem.ChainProblem) in the page's language:
    event types by their label, numbers in the page's digits, hashes isolated."""
    if problem.template is None:
        return problem.explanation
    params = {}
    for key, value in problem.params.items():
        if key == "type":
            params[key] = event_label(value)
        elif key == "day":
            params[key] = solar_hijri_date(value) if is_rtl() else value
        elif isinstance(value, int):
            params[key] = localize_digits(value)
        else:
            params[key] = ltr(value) if is_rtl() else value
    return gettext(problem.template).format(**params)


def role_title(code: str | None) -> str:
    """A role's title in the page's language (the roles in force: people.catalogue)."""
    from people.catalogue import roles_of
    from .db import db_session
    role = roles_of(db_session()).get(code)
    if role is None:
        return code or "—"
    return role.title_fa if is_rtl() else role.title_en


def N_(message: str) -> str:
    """Mark an English string for `pybabel extract`; gettext translates it where it is shown."""
    return message


STATUS_LABELS = {"running": N_("Running"), "completed": N_("Completed"), "error": N_("Error"),
                 "suspended": N_("Suspended"), "cancelled": N_("Cancelled")}
EVENT_LABELS = {
    "instance_started": N_("Instance started"), "task_completed": N_("Task completed"),
    "task_claimed": N_("Task claimed"), "task_unclaimed": N_("Task released"),
    "task_reassigned": N_("Task reassigned"), "timer_fired": N_("Timer fired"), "message_received": N_("Message received"),
    "instance_completed": N_("Instance finished"), "instance_error": N_("Instance stopped with an error"),
    "survey_answer_received": N_("Answer received through the public link"),
    "tracking_code_issued": N_("Tracking code issued"),
    "instance_migrated": N_("Moved to another version"),
    "timer_retry_scheduled": N_("The step after the timer failed; it will be tried again"),
    # A service task's call to another system (engine.runtime.service_calls).
    "service_call_queued": N_("Call to another system queued"),
    "service_call_attempted": N_("Another system called"),
    "service_task_completed": N_("Answer of the other system received"),
    "service_call_failed": N_("Every call to the other system failed"),
    # The operator's repairs (engine.runtime.incidents).
    "instance_retried": N_("Failed step retried"), "instance_data_set": N_("Case data changed"),
    "token_moved": N_("Token moved"), "instance_suspended": N_("Instance suspended"),
    "instance_resumed": N_("Instance resumed"), "instance_cancelled": N_("Instance cancelled"),
}


def status_label(status: str) -> str:
    """An instance status in the page's language."""
    return gettext(STATUS_LABELS.get(status, status))


def event_label(event_type: str) -> str:
    """An event type in the page's language."""
    return gettext(EVENT_LABELS.get(event_type, event_type))


# Unicode's left-to-right isolate, for codes where no element may go (an <option>'s text).
LRI, PDI = "\u2066", "\u2069"


def ltr(value) -> str:
    """A code isolated left to right inside plain text (LRI ... PDI)."""
    return f"{LRI}{'' if value is None else value}{PDI}"


def ltr_code(value) -> Markup:
    """A code (F-__-0-2-07, 137-050915-JAQGVP, a key) in a <bdi dir="ltr"> isolate."""
    return Markup('<bdi dir="ltr">%s</bdi>') % ("" if value is None else value)


# Codes that read backwards in right-to-left text: tracking codes (137-050915-JAQGVP) and the
# register's form codes (F-__-0-2-07, F-01-0-5-01, P-__-0-2-01).
CODES = re.compile(r"\b\d{3}-\d{6}-[0-9A-Z]{6}\b|\b[FP]-[_0-9]{2}-\d-\d-\d{2}\b")


def isolate_codes(text) -> Markup:
    """Text (escaped) with each code in it put in a <bdi dir="ltr"> isolate."""
    return Markup(CODES.sub(lambda m: str(ltr_code(m[0])), str(escape("" if text is None else text))))


def isolate_codes_text(text) -> str:
    """Plain text with each code in it isolated by LRI ... PDI (for <option> and <title>)."""
    return CODES.sub(lambda m: ltr(m[0]), "" if text is None else str(text))


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_IDENTIFIER = re.compile(r"^[!-~]+$")


def data_value(value) -> Markup:
    """A value of the workflow's data as the page's language writes it, with no form to label
    it (the auditor's step-through): dates in the calendar of the page, numbers in its digits,
    lists joined, keys, codes and choice values isolated left to right."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, bool):
        return escape(gettext("Yes") if value else gettext("No"))
    if isinstance(value, (int, float)):
        return escape(localize_digits(value))
    if isinstance(value, Mapping):
        return Markup(", " if not is_rtl() else "، ").join(
            ltr_code(k) + Markup(": ") + data_value(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return Markup(", " if not is_rtl() else "، ").join(data_value(v) for v in value)
    text = str(value)
    if _ISO_DATETIME.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return ltr_code(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return escape(format_datetime(moment))
    if _ISO_DATE.match(text):
        return escape(solar_hijri_date(text))
    if CODES.search(text):
        return isolate_codes(text)
    if _IDENTIFIER.match(text):
        return ltr_code(text)
    return escape(localize_digits(text))


DISPOSALS = {"archive": N_("archive"), "destroy": N_("destroy")}
_RULE = re.compile(r"^(?P<code>\S+): (?P<months>\d+) months, (?P<disposal>archive|destroy)$")
_HOLD_NOTE = re.compile(r"^Legal hold (?P<change>placed|released) by (?P<who>\S+) at (?P<at>\S+): (?P<reason>.*)$", re.S)


def retention_rule(text: str | None) -> Markup:
    """A retention rule as records.retention writes it ("F-__-0-2-07: 6 months, destroy") in
    the page's language, the code isolated."""
    found = _RULE.match(text or "")
    if found is None:
        return escape(text or "—")
    return ltr_code(found["code"]) + escape(": ") + escape(gettext(
        "%(months)s months, then %(disposal)s", months=localize_digits(found["months"]),
        disposal=gettext(DISPOSALS[found["disposal"]])))


def disposed_by(text: str | None) -> Markup:
    """Who disposed of a record, as the disposal log keeps it ("retention job", "user 7")."""
    if text == "retention job":
        return escape(gettext("the retention job"))
    found = re.fullmatch(r"user (\d+)", text or "")
    if found:
        return escape(gettext("user #%(id)s", id=localize_digits(found[1])))
    return ltr_code(text)


def hold_note(note: str | None) -> Markup:
    """A record's legal-hold note ("Legal hold placed by auditor at <ISO>: reason") in the
    page's language."""
    found = _HOLD_NOTE.match(note or "")
    if found is None:
        return escape(note or "")
    try:
        at = format_datetime(datetime.fromisoformat(found["at"]))
    except ValueError:
        at = found["at"]
    message = (N_("Legal hold placed by %(who)s on %(at)s: %(reason)s") if found["change"] == "placed"
               else N_("Legal hold released by %(who)s on %(at)s: %(reason)s"))
    text = str(escape(gettext(message, who="\0", at=at, reason=found["reason"])))
    return Markup(text.replace("\0", str(ltr_code(found["who"]))))


def init_i18n(app) -> None:
    """Flask-Babel with Persian default and the template helpers."""
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["jdate"] = format_datetime
    app.jinja_env.filters["digits"] = localize_digits
    app.jinja_env.filters["ltr"] = ltr
    app.jinja_env.filters["code"] = ltr_code
    app.jinja_env.filters["codes"] = isolate_codes
    app.jinja_env.filters["codes_text"] = isolate_codes_text
    app.jinja_env.filters["data_value"] = data_value
    # `|tojson` in pages keeps Persian readable instead of \u0645... (still HTML-safe).
    app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    app.jinja_env.globals.update(is_rtl=is_rtl, get_locale=get_locale, role_title=role_title, solar_hijri_date=solar_hijri_date,
                             status_label=status_label, event_label=event_label,
                             retention_rule=retention_rule, disposed_by=disposed_by, hold_note=hold_note,
                             chain_explanation=chain_explanation, say=say)
