""""Try it" for a decision table as it stands in the editor (not yet deployed): read the XML as
deploy does, run one decision over typed inputs, store nothing."""
from engine.decisions.evaluate import DecisionError, decide
from engine.decisions.tables import read_decisions
from models.errors import InvalidData, NotFound
from models.messages import Message

NO_SUCH_DECISION = "The file has no decision table {decision}."
HAS_PROBLEMS = "Fix the table's problems before trying it."
NOT_TAKEN = "The decision cannot be taken: {detail}"
TEMPLATES = (NO_SUCH_DECISION, HAS_PROBLEMS, NOT_TAKEN)


def _nested(inputs: dict) -> dict:
    """Inputs named by a dotted path (request.category, as an input column may read) as the
    nested objects the decision reads."""
    data: dict = {}
    for name, value in inputs.items():
        parts = str(name).split(".")
        holder = data
        for part in parts[:-1]:
            if not isinstance(holder.get(part), dict):
                holder[part] = {}
            holder = holder[part]
        holder[parts[-1]] = value
    return data


def try_decision(xml: bytes | str, decision_id: str, inputs: dict) -> dict:
    """{matched_rules, matched_indexes, output} of one decision of a DMN file over the inputs;
    InvalidData for a file with problems or a missing or mistyped input, NotFound for an
    unknown decision id."""
    found, problems = read_decisions(xml)
    if problems:
        raise InvalidData(HAS_PROBLEMS)
    table = next((t for t in found if t["id"] == decision_id), None)
    if table is None:
        raise NotFound(NO_SUCH_DECISION, decision=decision_id)
    try:
        return decide(table, _nested(inputs)).as_dict(None)
    except DecisionError as exc:
        message = exc.args[0] if exc.args else str(exc)
        if isinstance(message, Message):
            raise InvalidData(message.template, {"inputs": str(message)}, **message.params) from None
        raise InvalidData(NOT_TAKEN, {"inputs": str(message)}, detail=str(message)) from None


def decision_ids(xml: bytes | str) -> list[str]:
    """The ids of the decision tables a DMN file holds without problems, in file order."""
    return [table["id"] for table in read_decisions(xml)[0]]
