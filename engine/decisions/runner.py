"""The decision source of a step: business-rule tasks of an instance take their decisions
from the versions it is pinned to (engine.decisions.store), through engine.spiff.decision_task."""
from contextlib import contextmanager
from pathlib import Path

from engine.decisions.evaluate import DecisionError, decide, result_data
from engine.decisions.store import version_for
from engine.decisions.tables import read_decisions
from engine.spiff import decision_task
from engine.spiff.decision_task import DecisionTaskFailed, current_source
from models.messages import Message


@contextmanager
def deciding(session, instance=None):
    """Within the block, business-rule tasks decide with this instance's decision versions
    (the newest when instance is None)."""
    def source(decision_id: str, version: int | None, data: dict):
        try:
            found = version_for(session, decision_id, version=version, instance=instance)
            decided = decide(found.table, data)
            outputs = result_data(found.table, decided)
        except DecisionError as exc:
            raise DecisionTaskFailed(str(exc)) from None
        return outputs, decided.as_dict(found.version)

    token = current_source.set(source)
    try:
        yield
    finally:
        current_source.reset(token)


@contextmanager
def deciding_with(tables: dict):
    """Within the block, business-rule tasks decide with these tables (decision id -> table;
    a trial of a diagram on the tables shipped in files, before anything is deployed)."""
    def source(decision_id: str, _version: int | None, data: dict):
        table = tables.get(decision_id)
        if table is None:
            raise DecisionTaskFailed(str(Message('Decision "{decision}" is not deployed', decision=decision_id)))
        try:
            decided = decide(table, data)
            return result_data(table, decided), decided.as_dict(None)
        except DecisionError as exc:
            raise DecisionTaskFailed(str(exc)) from None

    token = current_source.set(source)
    try:
        yield
    finally:
        current_source.reset(token)


SHIPPED_DIR = Path(__file__).resolve().parents[2] / "processes" / "decisions"


def shipped_tables(directory: Path = SHIPPED_DIR) -> dict:
    """decision id -> table of the tables shipped in files (processes/decisions/*.dmn)."""
    found = {}
    for path in sorted(Path(directory).glob("*.dmn")):
        for table in read_decisions(path.read_bytes())[0]:
            found.setdefault(table["id"], table)
    return found


def _shipped_source(decision_id: str, version, data: dict):
    """Decide with the shipped files: a workflow run in memory, outside any step."""
    tables = shipped_tables()
    with deciding_with(tables):
        return current_source.get()(decision_id, version, data)


decision_task.fallback_source = _shipped_source
