"""What the organisation's CLI, admin pages and API share: the 137 categories a unit may answer
(the `category` choices of the message_intake form), periods typed as days, and the words of a
bad CSV line in Persian and English."""
from flask_babel import force_locale
from flask_babel import gettext as _

from formjs.forms import FormNotFound, load_form
from workcal import jalali

from .i18n import local_zone

INTAKE_FORM = "message_intake"


def _choices(components, key):
    for component in components or ():
        if component.get("key") == key and component.get("values"):
            return component["values"]
        found = _choices(component.get("components"), key)
        if found:
            return found
    return None


def message_categories(session) -> dict[str, str]:
    """{value: label} of the 137 categories (the intake form's latest version)."""
    try:
        schema = load_form(INTAKE_FORM, session=session)
    except (FormNotFound, ValueError):
        return {}
    return {item["value"]: item.get("label", item["value"])
            for item in _choices(schema.get("components"), "category") or ()}


def parse_period(from_text: str | None, until_text: str | None):
    """(valid_from, valid_until) in naive UTC of days typed as 1405/09/15 or 2026-12-06: from the
    start of the first day to the end of the last (None for an empty one); ValueError."""
    tz = local_zone()
    start = jalali.utc_of(jalali.parse_day(from_text), tz=tz) if (from_text or "").strip() else None
    end = None
    if (until_text or "").strip():
        end = jalali.utc_bounds(jalali.parse_day(until_text), jalali.parse_day(until_text), tz=tz)[1]
    if start is not None and end is not None and end <= start:
        raise ValueError("the last day comes before the first")
    return start, end


def problem_text(problem) -> str:
    """A bad CSV line's fault in the page's language (people.organisation.LineProblem)."""
    return _("line %(line)s: ", line=problem.line) + _(problem.template).format(**problem.params)


def problem_text_both(problem) -> str:
    """A bad CSV line's fault in English and Persian, for the command line."""
    english = f"line {problem.line}: {problem.message}"
    with force_locale("fa"):
        return f"{english} / {problem_text(problem)}"
