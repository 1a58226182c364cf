"""A diagram's problems as the command line says them: English, then Persian, on the element."""
from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import localize_digits
from .api_views import translate_problem


def problem_lines(problem) -> str:
    """One problem of modeling.validation as two lines: where and the English, then the Persian."""
    where = " ".join(part for part in (problem.element_id or "-",
                                       f"(line {problem.line})" if problem.line else "") if part)
    with force_locale("fa"):
        persian = translate_problem(problem)
    return f"[{problem.kind}] {where}: {problem.message}\n    {persian}"


REFUSED = "%(count)s problem(s); nothing was deployed"


def refusal_line(count: int) -> str:
    """How many problems stopped the deploy, in English and Persian."""
    with force_locale("fa"):
        persian = _(REFUSED, count=localize_digits(count))
    return f"{REFUSED % {'count': count}} / {persian}"
