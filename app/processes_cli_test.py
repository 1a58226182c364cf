"""`flask processes test [KEY]`: run the processes' BPMN unit cases (processes/tests/<key>.json,
modeling/process_cases.py) through the trial runner with this app's engine (its helpers and
calendar settings); nothing is written to the database. Exit 1 when a case fails or a diagram
in processes/ has none."""
import click
from flask import current_app
from flask.cli import with_appcontext

from engine import TrialSetup
from modeling.decisions import shipped_tables
from modeling.process_cases import keys_without_cases, load_cases, run_case


def register(group) -> None:
    """Add the `test` command to the `flask processes` group."""
    group.add_command(processes_test)


@click.command("test")
@click.argument("key", required=False)
@with_appcontext
def processes_test(key):
    """Run the BPMN unit cases of every process (or of KEY)."""
    setup = TrialSetup(engine=current_app.extensions["bpmn_engine"], decisions=shipped_tables())
    cases = load_cases(key)
    failed = 0
    for case in cases:
        try:
            _trial, failures = run_case(case, setup)
        except Exception as exc:  # noqa: BLE001 - a case that cannot run fails, the others go on
            failures = [f"{type(exc).__name__}: {exc}"]
        click.echo(f"{'ok  ' if not failures else 'FAIL'} {case.label}")
        for line in failures:
            click.echo(f"       {line}")
        failed += bool(failures)
    missing = [] if key else keys_without_cases()
    for process_key in missing:
        click.echo(f"FAIL {process_key}: no case in processes/tests/{process_key}.json")
    if key and not cases:
        click.echo(f"FAIL {key}: no case in processes/tests/{key}.json")
        failed += 1
    click.echo(f"{len(cases) - failed} of {len(cases)} cases passed")
    if failed or missing:
        raise SystemExit(1)
