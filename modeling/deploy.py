"""Deploy BPMN files as immutable versions identified by their content hash."""
from pathlib import Path

from sqlalchemy import func, select

from models import ProcessVersion

from engine import append_operator_event
from engine.spiff.parsing import parse_definition
from modeling.decisions import deploy_called_decisions, deploy_decision_directory


def deploy_process(session, xml: bytes, user=None, filename: str | None = None,
                   reason: str = "") -> tuple[ProcessVersion, bool]:
    """Validate and deploy; return (version, created). An unchanged file makes no new version;
    a new one is written into the city-wide chain of operator actions (who, when, why)."""
    deploy_called_decisions(session, xml, user)  # the shipped tables its businessRuleTasks call
    parsed = parse_definition(xml, session=session)
    latest = session.scalars(select(ProcessVersion)
                             .where(ProcessVersion.process_key == parsed.process_key)
                             .order_by(ProcessVersion.version.desc()).limit(1)).first()
    if latest is not None and latest.content_sha256 == parsed.content_sha256:
        return latest, False
    version = ProcessVersion(
        process_key=parsed.process_key, version=(latest.version + 1) if latest else 1,
        name=parsed.name, content_sha256=parsed.content_sha256, bpmn_xml=parsed.xml,
        filename=filename, lanes=parsed.lanes, forms=parsed.forms,
        deployed_by_id=user.id if user is not None else None)
    session.add(version)
    session.flush()
    append_operator_event(session, "process_deployed", actor=user, reason=reason, data={
        "process_key": version.process_key, "version": version.version,
        "content_sha256": version.content_sha256, "filename": filename})
    return version, True


def deploy_directory(session, directory: Path, user=None) -> list[tuple[str, ProcessVersion, bool]]:
    """Deploy the decision tables of its decisions/ folder (*.dmn), then every .bpmn file of a
    directory, in name order."""
    if (Path(directory) / "decisions").is_dir():
        deploy_decision_directory(session, Path(directory) / "decisions", user)
    results = []
    for path in sorted(Path(directory).glob("*.bpmn")):
        version, created = deploy_process(session, path.read_bytes(), user, filename=path.name)
        results.append((path.name, version, created))
    return results


def list_processes(session) -> list[ProcessVersion]:
    """The latest version of every deployed process."""
    latest = (select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
              .group_by(ProcessVersion.process_key).subquery())
    return list(session.scalars(
        select(ProcessVersion).join(latest, (ProcessVersion.process_key == latest.c.process_key)
                                    & (ProcessVersion.version == latest.c.v))
        .order_by(ProcessVersion.process_key)))


def list_versions(session, process_key: str) -> list[ProcessVersion]:
    """All versions of one process, newest first."""
    return list(session.scalars(select(ProcessVersion)
                                .where(ProcessVersion.process_key == process_key)
                                .order_by(ProcessVersion.version.desc())))
