"""The database session of a `flask` command: open it, and commit the command's work or turn
its error into a ClickException (app/cli.py, app/people_cli.py)."""
import click
from flask import current_app
from flask_babel import force_locale

from models.errors import BpmnValidationError, WorkflowError
from people.accounts import AccountError
from people.organisation import UnitImportError
from people.passwords import WeakPassword

from .i18n import translate_error
from .organisation import problem_text_both


def command_session():
    return current_app.extensions["db_sessions"]()


def commit_or_fail(session, action):
    try:
        result = action(session)
        session.commit()
        return result
    except UnitImportError as exc:
        session.rollback()
        raise click.ClickException("\n".join(
            [exc.message, *(problem_text_both(p) for p in exc.problems)])) from exc
    except WeakPassword as exc:
        session.rollback()
        with force_locale("fa"):
            raise click.ClickException(f"{exc} / {translate_error(exc)}") from exc
    except (AccountError, BpmnValidationError, WorkflowError) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    finally:
        session.close()
