"""DMN decision tables: the one check, deploy as immutable versions, evaluate ("try it"), list.

check_decisions(xml) gives every problem of a DMN file at once, each a modeling.rules.Problem on
the DMN element it is about (a decision, a column, a rule's cell); deploy_decisions stores one
immutable version per decision whose content changed (an identical decision is not a new
version); evaluate_decision runs one (the newest or a given version). What runs inside
diagrams (businessRuleTask, with each instance's pinned versions) is engine.decisions.
"""
from pathlib import Path

from sqlalchemy import func, select

from engine import append_operator_event, parse_bpmn_xml
from engine.decisions import tables
from engine.decisions.evaluate import DecisionError, decide
from engine.decisions.runner import shipped_tables  # noqa: F401 - re-exported for trials
from engine.decisions.store import version_for
from models import DecisionVersion
from models.errors import InvalidData, NotFound
from modeling.rules import Problem

DECISIONS_DIR = Path(__file__).resolve().parent.parent / "processes" / "decisions"
TEMPLATES = tables.TEMPLATES
REFUSED = "The decision tables have problems; nothing was deployed."


def check_decisions(xml_bytes: bytes | str) -> list[Problem]:
    """Every problem of a DMN file, in file order; an empty list means it may be deployed."""
    _decisions, found = tables.read_decisions(xml_bytes)
    problems = [Problem("decision", p.template, dict(p.params), element_id=p.element_id, line=p.line)
                for p in found]
    problems.sort(key=lambda p: p.line or 0)
    return problems


def deploy_decisions(session, xml_bytes: bytes | str, user, *, file_name: str | None = None,
                     reason: str = "") -> DecisionVersion:
    """Deploy every decision of a DMN file; InvalidData listing the problems if any. Returns the
    version of the file's first decision (new, or the existing one if unchanged)."""
    problems = check_decisions(xml_bytes)
    if problems:
        raise InvalidData(REFUSED, {"problems": [p.as_dict() for p in problems]})
    decisions, _found = tables.read_decisions(xml_bytes)
    text = xml_bytes.decode("utf-8") if isinstance(xml_bytes, bytes) else xml_bytes
    first = None
    for table in decisions:
        version = _deploy_one(session, table, text, user, file_name, reason)
        first = first or version
    return first


def _deploy_one(session, table: dict, text: str, user, file_name, reason) -> DecisionVersion:
    latest = session.scalars(select(DecisionVersion)
                             .where(DecisionVersion.decision_key == table["id"])
                             .order_by(DecisionVersion.version.desc()).limit(1)).first()
    if latest is not None and latest.content_sha256 == table["content_sha256"]:
        return latest
    version = DecisionVersion(decision_key=table["id"], version=(latest.version + 1) if latest else 1,
                              name=table["name"][:300], content_sha256=table["content_sha256"],
                              dmn_xml=text, file_name=file_name, table=table,
                              deployed_by_id=user.id if user is not None else None)
    session.add(version)
    session.flush()
    append_operator_event(session, "decision_deployed", actor=user, reason=reason, data={
        "decision_key": version.decision_key, "version": version.version,
        "content_sha256": version.content_sha256, "file_name": file_name})
    return version


def deploy_decision_directory(session, directory: Path = DECISIONS_DIR, user=None) -> list[DecisionVersion]:
    """Deploy every .dmn file of a directory (the tables that ship: processes/decisions/)."""
    return [deploy_decisions(session, path.read_bytes(), user, file_name=path.name)
            for path in sorted(Path(directory).glob("*.dmn"))]


def evaluate_decision(session, decision_id: str, inputs: dict, *, version: int | None = None) -> dict:
    """Run a deployed decision over inputs: {version, matched_rules, matched_indexes, output};
    NotFound for an unknown decision or version, InvalidData for a missing or mistyped input."""
    try:
        found = version_for(session, decision_id, version=version)
    except DecisionError:
        if version is None:
            raise NotFound("Decision {key} is not deployed.", key=decision_id) from None
        raise NotFound("Decision {key} has no version {version}.", key=decision_id, version=version) from None
    try:
        return decide(found.table, inputs).as_dict(found.version)
    except DecisionError as exc:
        raise InvalidData("The inputs do not fit the decision: {detail}", {"inputs": str(exc)},
                          detail=str(exc)) from None


def list_decisions(session) -> list[DecisionVersion]:
    """The newest version of every deployed decision, by key."""
    latest = (select(DecisionVersion.decision_key, func.max(DecisionVersion.version).label("v"))
              .group_by(DecisionVersion.decision_key).subquery())
    return list(session.scalars(
        select(DecisionVersion).join(latest, (DecisionVersion.decision_key == latest.c.decision_key)
                                     & (DecisionVersion.version == latest.c.v))
        .order_by(DecisionVersion.decision_key)))


def decision_versions(session, decision_key: str) -> list[DecisionVersion]:
    """Every version of one decision, newest first."""
    return list(session.scalars(select(DecisionVersion)
                                .where(DecisionVersion.decision_key == decision_key)
                                .order_by(DecisionVersion.version.desc())))


def decision_version_xml(session, decision_key: str, version: int) -> str:
    """The DMN file a version was deployed in; NotFound if there is no such version."""
    found = session.scalars(select(DecisionVersion).where(
        DecisionVersion.decision_key == decision_key, DecisionVersion.version == version)).first()
    if found is None:
        raise NotFound("Decision {key} has no version {version}.", key=decision_key, version=version)
    return found.dmn_xml


def version_json(version: DecisionVersion) -> dict:
    """A version as the API and the studio list it."""
    table = version.table or {}
    return {"key": version.decision_key, "version": version.version, "name": version.name,
            "hit_policy": table.get("hit_policy"), "file_name": version.file_name,
            "content_sha256": version.content_sha256,
            "deployed_at": version.deployed_at.isoformat() if version.deployed_at else None,
            "inputs": [{"name": c["expression"], "label": c["label"], "type": c["type"]}
                       for c in table.get("inputs", [])],
            "outputs": [{"name": c["name"], "label": c["label"], "type": c["type"]}
                        for c in table.get("outputs", [])]}


CALLED_DECISION_MISSING = 'Business rule task "{name}" calls the decision {decision}, which is not deployed'
CALLS_NO_DECISION = 'Business rule task "{name}" names no decision; set its calledDecisionId'
TEMPLATES = TEMPLATES + (CALLED_DECISION_MISSING, CALLS_NO_DECISION, REFUSED)


def called_decisions(xml: bytes | str) -> list[tuple[str, str, str | None, int | None]]:
    """(task id, task name, decision id or None, line) of every businessRuleTask of a diagram."""
    try:
        root = parse_bpmn_xml(xml).getroot()
    except Exception:  # noqa: BLE001 - an unreadable diagram has its own problems
        return []
    found = []
    for task in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}businessRuleTask"):
        ids = task.xpath("*[local-name()='extensionElements']/*[local-name()='calledDecisionId']/text()")
        found.append((task.get("id"), " ".join((task.get("name") or task.get("id") or "").split()),
                      ids[0].strip() if ids and ids[0].strip() else None, task.sourceline))
    return found


def _shipped() -> dict[str, Path]:
    """decision id -> the shipped .dmn file (processes/decisions/) that defines it."""
    files = {}
    for path in sorted(DECISIONS_DIR.glob("*.dmn")):
        for table in tables.read_decisions(path.read_bytes())[0]:
            files.setdefault(table["id"], path)
    return files


def deployed_keys(session) -> set[str]:
    return set(session.scalars(select(DecisionVersion.decision_key).distinct()))


def decision_reference_problems(session, xml: bytes | str) -> list[Problem]:
    """A problem on each businessRuleTask naming no decision, or one neither deployed nor
    shipped with the system (processes/decisions/, deployed with the diagram)."""
    calls = called_decisions(xml)
    if not calls:
        return []
    known = (deployed_keys(session) if session is not None else set()) | set(_shipped())
    problems = []
    for task_id, name, decision, line in calls:
        if decision is None:
            problems.append(Problem("reference", CALLS_NO_DECISION, {"name": name}, element_id=task_id, line=line))
        elif decision not in known:
            problems.append(Problem("reference", CALLED_DECISION_MISSING, {"name": name, "decision": decision},
                                    element_id=task_id, line=line))
    return problems


def deploy_called_decisions(session, xml: bytes | str, user=None) -> None:
    """Deploy the shipped table of each decision a diagram calls that is not deployed yet."""
    calls = [decision for _t, _n, decision, _l in called_decisions(xml) if decision]
    missing = set(calls) - deployed_keys(session) if calls else set()
    if missing:
        shipped = _shipped()
        for path in sorted({shipped[d] for d in missing if d in shipped}):
            deploy_decisions(session, path.read_bytes(), user, file_name=path.name)

