"""Persian first, English second: locale choice, Solar Hijri dates, Persian digits."""
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request, session
from flask_babel import Babel, get_locale, gettext, ngettext
from flask_login import current_user

from formjs.readable import ENGLISH, PERSIAN, Style
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
    params = {k: localize_digits(v) if isinstance(v, int) else v for k, v in error.params.items()}
    return gettext(template).format(**params)


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


STATUS_LABELS = {"running": N_("Running"), "completed": N_("Completed"), "error": N_("Error")}
EVENT_LABELS = {
    "instance_started": N_("Instance started"), "task_completed": N_("Task completed"),
    "task_claimed": N_("Task claimed"), "task_unclaimed": N_("Task released"),
    "task_reassigned": N_("Task reassigned"), "timer_fired": N_("Timer fired"), "message_received": N_("Message received"),
    "instance_completed": N_("Instance finished"), "instance_error": N_("Instance stopped with an error"),
    "survey_answer_received": N_("Answer received through the public link"),
    "tracking_code_issued": N_("Tracking code issued"),
    "instance_migrated": N_("Moved to another version"),
}


def status_label(status: str) -> str:
    """An instance status in the page's language."""
    return gettext(STATUS_LABELS.get(status, status))


def event_label(event_type: str) -> str:
    """An event type in the page's language."""
    return gettext(EVENT_LABELS.get(event_type, event_type))


def init_i18n(app) -> None:
    """Flask-Babel with Persian default and the template helpers."""
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["jdate"] = format_datetime
    app.jinja_env.filters["digits"] = localize_digits
    # `|tojson` in pages keeps Persian readable instead of \u0645... (still HTML-safe).
    app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    app.jinja_env.globals.update(is_rtl=is_rtl, get_locale=get_locale, role_title=role_title, solar_hijri_date=solar_hijri_date,
                             status_label=status_label, event_label=event_label)
