"""Which item of a multi-instance activity a task belongs to (its position and a readable
label), for the replay's steps: the items of a parallel multi-instance run side by side, so a
step inside one says whose it is and counts its passes per item."""
import json
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

LABEL_LENGTH = 80
# A multi-instance activity's property naming the key of its items whose value labels them,
# e.g. itemLabel = mayor_order on public_meetings' SubProcess_order_followup.
LABEL_PROPERTY = "itemLabel"


@dataclass(frozen=True)
class Item:
    """One item of a multi-instance activity: the activity's BPMN id, the item's position
    (1 = the first) and a label that tells it from the others."""
    activity: str
    number: int | None
    key: str | None  # the item's key when the collection is a mapping
    label: str


def item_of(task) -> Item | None:
    """The item of the innermost multi-instance activity the task runs in, or None."""
    current = task
    while current is not None:
        parent = current.parent
        if parent is None:  # the root of a sub-process: go on from the task that runs it
            workflow = current.workflow
            parent_id = workflow.parent_task_id
            current = workflow.top_workflow.get_task_from_id(parent_id) if parent_id else None
            continue
        spec = parent.task_spec
        if isinstance(spec, MultiInstanceTask) and current.task_spec.name == spec.task_spec:
            return _item(spec, current)
        current = parent
    return None


def _item(spec: MultiInstanceTask, child) -> Item:
    key_or_index = child.internal_data.get("key_or_index")
    if spec.input_item is not None and spec.input_item.bpmn_id in child.data:
        value = child.data[spec.input_item.bpmn_id]
    else:
        value = child.internal_data.get("item", key_or_index)
    number, key = None, None
    if isinstance(key_or_index, int):
        number = key_or_index + 1
    elif key_or_index is not None:
        key = str(key_or_index)
    elif isinstance(value, int):  # a loop cardinality: the item is its index
        number = value + 1
    return Item(spec.bpmn_id, number, key, item_label(value, _label_key(spec, child)))


def _label_key(spec, child) -> str | None:
    # The parser puts the activity's extensions on the spec of its items (" [child]").
    for task_spec in (child.task_spec, spec):
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        if (properties.get(LABEL_PROPERTY) or "").strip():
            return properties[LABEL_PROPERTY].strip()
    return None


def item_label(value, key: str | None = None) -> str:
    """A readable label of an item: of a record, the value under key (the activity's
    itemLabel property) or else its longest text; a text as it is; else the value as JSON;
    shortened."""
    if isinstance(value, dict) and key is not None and value.get(key) not in (None, ""):
        value = value[key]
    if isinstance(value, dict):
        texts = [v.strip() for v in value.values() if isinstance(v, str) and v.strip()]
        text = max(texts, key=len) if texts else json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= LABEL_LENGTH else text[:LABEL_LENGTH - 1] + "…"
