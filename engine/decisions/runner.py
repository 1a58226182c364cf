"""The decision source of a step: business-rule tasks of an instance take their decisions
from the versions it is pinned to (engine.decisions.store), through engine.spiff.decision_task."""
from contextlib import contextmanager

from engine.decisions.evaluate import DecisionError, decide, result_data
from engine.decisions.store import version_for
from engine.spiff.decision_task import DecisionTaskFailed, current_source


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
