"""Measure what happens to the BPMN files of other modelling tools (../shared/corpus), before and after repair.

For every *.bpmn / *.xml file under the corpus that looks like BPMN, each stage is measured on the
file as it is ("before") and on repair_bpmn(file) ("after"):

  well-formed  the safe XML parser (engine.spiff.xmlsafe) reads it
  drawable     it has diagram interchange (a BPMNPlane with shapes) that bpmn-js can draw
  imports      it is a BPMN 2.0 definitions document (engine.spiff.xmlsafe.parse_bpmn_xml) and
               SpiffWorkflow's parser loads it (SpiffBpmnParser.add_bpmn_xml); the XSD is
               not required here
  validates    engine.spiff.parsing.parse_definition(check_forms=False) accepts it, with the rule
               "a user task's lane must name a role of this city" switched off (generic); the
               strict figure with that rule is printed too (validates-city)
  runs         an instance of the generic-valid spec starts and runs, with user/manual tasks
               completed with empty data, up to 50 rounds, until it waits (timer, message) or
               ends, without an error

Usage: python scripts/corpus_report.py [--corpus DIR] [--write docs/CORPUS.md] [--json out.json]
"""
import argparse
import collections
import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from engine.spiff import parsing  # noqa: E402
from engine.problems.explain import explain_exception  # noqa: E402
from engine.problems.elements import problem_kind  # noqa: E402
from modeling.repair import repair_bpmn  # noqa: E402
from models.errors import BpmnValidationError  # noqa: E402
from engine.spiff.trial_run import run_with_empty_data, spiff_loads  # noqa: E402
from engine.spiff.xmlsafe import safe_parser, parse_bpmn_xml  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
LABELS = ("before", "after", "executable")
STAGES = ("well_formed", "drawable", "imports", "validates", "validates_city", "runs")
MAX_ROUNDS = 50
FILE_SECONDS = 10


class FileTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def handler(signum, frame):
        raise FileTimeout(f"took longer than {seconds} s")
    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def corpus_files(corpus: Path) -> list[Path]:
    out = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix.lower() not in (".bpmn", ".xml") or not path.is_file():
            continue
        head = path.read_bytes()[:4000]
        if b"definitions" in head or b"BPMN" in head or path.suffix.lower() == ".bpmn":
            out.append(path)
    return out


def _first_problem(exc: BaseException, xml: bytes) -> tuple[str, str]:
    problems = explain_exception(exc, xml)
    first = problems[0] if problems else None
    message = str(first) if first else str(exc)
    return problem_kind(first) if first else "other", message


def _drawable(root) -> bool:
    """bpmn-js draws a file from its BPMNDiagram: there must be one, with a shape per flow node."""
    di = "http://www.omg.org/spec/BPMN/20100524/DI"
    bpmn = "http://www.omg.org/spec/BPMN/20100524/MODEL"
    if root.find(f"{{{di}}}BPMNDiagram") is None:
        return False
    shaped = {s.get("bpmnElement") for s in root.iter(f"{{{di}}}BPMNShape")}
    nodes = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(f"{{{bpmn}}}")
             and e.get("id") and etree.QName(e).localname.endswith(
                 ("Task", "task", "Event", "Gateway", "Process", "callActivity", "transaction"))]
    expanded = {s.get("bpmnElement") for s in root.iter(f"{{{di}}}BPMNShape") if s.get("isExpanded") == "true"}
    # What is inside a collapsed sub-process is not drawn on the main plane (bpmn-js drills down).
    inside_collapsed = lambda n: any(a.get("id") not in expanded for a in n.iterancestors()  # noqa: E731
                                     if etree.QName(a).localname in ("subProcess", "transaction", "adHocSubProcess"))
    # Only the processes a diagram shows (its plane's, or a pool's) are drawn; a called process
    # kept in the same file without a diagram of its own is not expected to be.
    shown = {p.get("bpmnElement") for p in root.iter(f"{{{di}}}BPMNPlane")}
    shown |= {p.get("processRef") for p in root.iter(f"{{{bpmn}}}participant")
              if p.get("processRef") and p.get("id") in shown | shaped}
    process_of = lambda n: next((a.get("id") for a in n.iterancestors()  # noqa: E731
                                 if etree.QName(a).localname == "process"), None)
    return all(n.get("id") in shaped or inside_collapsed(n) or process_of(n) not in shown
               for n in nodes)


def run_instance(parsed) -> None:
    """Start an instance and run it, completing user/manual tasks with empty data."""
    run_with_empty_data(parsed, MAX_ROUNDS)


def measure(xml: bytes) -> dict:
    """{stage: True/False} and, for the first failing stage, its problem kind and message."""
    result = {stage: False for stage in STAGES}
    result["kind"] = result["message"] = None

    def fail(kind, message):
        result["kind"], result["message"] = kind, message
        return result

    try:
        root = etree.fromstring(xml, safe_parser())
        result["well_formed"] = True
    except etree.XMLSyntaxError as exc:
        return fail("not well-formed", f"not well-formed XML: {exc.msg}")
    result["drawable"] = _drawable(root)
    try:
        tree = parse_bpmn_xml(xml)
        spiff_loads(tree)
        result["imports"] = True
    except Exception as exc:  # noqa: BLE001 - measuring what fails
        return fail(*_first_problem(exc, xml))
    try:
        with mock.patch.object(parsing, "role_for_lane", lambda lane: "any_role"):
            parsed = parsing.parse_definition(xml, check_forms=False)
        result["validates"] = True
    except Exception as exc:  # noqa: BLE001
        return fail(*_first_problem(exc, xml))
    try:
        parsing.parse_definition(xml, check_forms=False)
        result["validates_city"] = True
    except BpmnValidationError:
        pass
    try:
        run_instance(parsed)
        result["runs"] = True
    except Exception as exc:  # noqa: BLE001
        return fail(*_first_problem(exc, xml))
    return result


def measure_file(path: Path) -> dict:
    original = path.read_bytes()
    row = {"file": str(path)}
    for label, get_xml in (("before", lambda: original), ("after", lambda: repair_bpmn(original).xml),
                           ("executable", lambda: repair_bpmn(original, make_executable=True).xml)):
        try:
            with time_limit(FILE_SECONDS):
                xml = get_xml()
                row[label] = measure(xml)
        except FileTimeout as exc:
            row[label] = {**{s: False for s in STAGES}, "kind": "timeout", "message": str(exc)}
    try:
        row["notes"] = [list(n) for n in repair_bpmn(original).notes]
    except Exception as exc:  # noqa: BLE001
        row["notes"] = [[None, f"repair failed: {exc!r}"]]
    return row


def summarize(rows: list[dict]) -> dict:
    counts = {}
    for label in LABELS:
        counts[label] = {stage: sum(1 for r in rows if r[label][stage]) for stage in STAGES}
    reasons = {label: collections.Counter(r[label]["kind"] for r in rows if r[label]["kind"])
               for label in LABELS}
    return {"files": len(rows), "counts": counts, "reasons": reasons}


def print_table(summary: dict) -> None:
    print(f"{'stage':<16}{'before':>8}{'after':>8}{'+exec':>8}   of {summary['files']} files")
    for stage in STAGES:
        print(f"{stage:<16}" + "".join(f"{summary['counts'][label][stage]:>8}" for label in LABELS))
    for label in LABELS:
        print(f"\nfirst failure, {label} repair:")
        for kind, n in summary["reasons"][label].most_common():
            print(f"  {n:>4}  {kind}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--json", help="write every file's result to this JSON file")
    ap.add_argument("--write", help="write the counts into this Markdown file (between markers)")
    args = ap.parse_args(argv)
    started = time.monotonic()
    corpus = Path(args.corpus)
    rows = [measure_file(path) for path in corpus_files(corpus)]
    for row in rows:
        row["file"] = os.path.relpath(row["file"], corpus)
    summary = summarize(rows)
    print_table(summary)
    print(f"\n{time.monotonic() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    if args.write:
        write_markdown(Path(args.write), summary, rows)
    return 0


BEGIN, END = "<!-- corpus_report:begin -->", "<!-- corpus_report:end -->"


def write_markdown(path: Path, summary: dict, rows: list[dict]) -> None:
    lines = [BEGIN, "", f"| stage | before repair | after repair | after repair + executable |",
             "|---|---:|---:|---:|"]
    for stage in STAGES:
        lines.append(f"| {stage.replace('_', '-')} | " + " | ".join(
            str(summary["counts"][label][stage]) for label in LABELS) + " |")
    lines.append(f"\n(of {summary['files']} files)")
    for label, title in (("after", "after repair"), ("executable", "after repair + executable")):
        lines += ["", f"First failing stage {title}, by kind of problem:", "",
                  "| problem | files | example |", "|---|---:|---|"]
        examples = {}
        for r in rows:
            kind = r[label]["kind"]
            if kind and kind not in examples:
                examples[kind] = f"`{r['file']}`: {r[label]['message']}".replace("|", "\\|")[:220]
        for kind, n in summary["reasons"][label].most_common():
            lines.append(f"| {kind} | {n} | {examples.get(kind, '')} |")
    lines += ["", f"Files changed by the repair: {sum(1 for r in rows if r['notes'])} "
              f"({sum(len(r['notes']) for r in rows)} repairs).", "", END]
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text + "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
