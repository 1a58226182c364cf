"""`flask scheduler run`: the scheduler as a process of its own (the `scheduler` role)."""
import logging

import click
from flask import current_app
from flask.cli import AppGroup

from .scheduler import run_scheduler

scheduler_cli = AppGroup("scheduler", help="Run the scheduler (timers, outbox, periodic jobs).")


@scheduler_cli.command("run")
def scheduler_run():
    """Fire timers, send the outbox and run the cron jobs until stopped (SIGTERM or Ctrl-C).

    Run as many as wanted, on one machine or several, against the same database; the web
    processes should then not run one too (SCHEDULER_IN_WEB=0, SCHEDULER_ENABLED=0).
    """
    if current_app.extensions.get("scheduler") is not None:
        raise click.ClickException("A scheduler already runs in this process (SCHEDULER_ENABLED=1); "
                                   "unset SCHEDULER_ENABLED for `flask scheduler run`.")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo("scheduler: running (stop with SIGTERM or Ctrl-C)")
    run_scheduler(current_app)
    click.echo("scheduler: stopped")
