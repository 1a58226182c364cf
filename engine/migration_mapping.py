"""The activity mapping of a move to another version: old BPMN id -> new BPMN id (None: to
nothing). Proposed automatically (the same id, else the one element of the same name and kind,
else nothing), edited by the operator, checked here, and the only thing the move aligns open
elements by (engine.spiff.version_switch): never by position.
"""
from engine.spiff.version_switch import Element, version_elements
from models.errors import InvalidData

NO_SUCH_ELEMENT = "Element {element} does not exist in version {version}."
NO_SUCH_SOURCE = "Element {element} does not exist in the instances being moved."


def propose_mapping(old: list[Element], new: list[Element]) -> dict[str, str | None]:
    """For each old element: the same id, else the single new one with its name and kind, else None."""
    by_id = {e.id: e for e in new}
    mapping = {}
    for element in old:
        if element.id in by_id:
            mapping[element.id] = element.id
            continue
        alike = [e for e in new if e.name == element.name and e.kind == element.kind]
        mapping[element.id] = alike[0].id if len(alike) == 1 else None
    return mapping


def check_mapping(mapping: dict, target, sources: list[Element] | None = None) -> dict[str, str | None]:
    """The mapping with empty targets as None; InvalidData naming an element the target lacks
    (or, given the sources, an old element no instance being moved has)."""
    known = {e.id for e in version_elements(target)}
    cleaned = {}
    for old_id, new_id in (mapping or {}).items():
        old_id, new_id = str(old_id).strip(), (str(new_id).strip() if new_id else None) or None
        if sources is not None and old_id not in {e.id for e in sources}:
            raise InvalidData(NO_SUCH_SOURCE, element=old_id)
        if new_id is not None and new_id not in known:
            raise InvalidData(NO_SUCH_ELEMENT, element=new_id, version=target.version)
        cleaned[old_id] = new_id
    return cleaned


def used_mapping(mapping: dict, open_ids) -> dict[str, str | None]:
    """What an instance's event records: its open elements' entries and every renaming
    (an identity entry aligns as no entry does, so it is left out)."""
    return {k: v for k, v in mapping.items() if v != k or k in open_ids}
