"""DMN 1.3 files read safely into decision tables (plain dicts), with every problem at once.

read_decisions(xml) -> (decisions, problems): each decision a dict the database keeps
(DecisionVersion.table) and evaluate.py runs; each problem on the DMN element it is about (the
decision, an input or output column, or a rule's cell) in a process owner's words.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree

from engine.decisions.feel import NAME, split_list, TYPES, FeelError, literal, parse_tests, test_values, type_ok
from engine.spiff.xmlsafe import dtd_line, safe_parser, xml_bytes
from models.messages import Message

DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/",   # DMN 1.3 (dmn-js)
                  "http://www.omg.org/spec/DMN/20180521/MODEL/",    # DMN 1.2
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")   # DMN 1.1
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
FEEL_LANGUAGES = ("", "feel", "https://www.omg.org/spec/DMN/20191111/FEEL/",
                  "http://www.omg.org/spec/FEEL/20140401")
MAX_BYTES = 2_000_000

NOT_READABLE = "The file cannot be read: {detail}"
NOT_DMN = "The file is not a DMN decision file (its root is {root})"
NO_DECISION = "The file has no decision"
NO_TABLE = 'Decision "{name}" has no decision table (only decision tables are supported)'
DUPLICATE_ID = 'The id "{id}" is used twice in the file'
BAD_HIT_POLICY = 'Decision "{name}": the hit policy {policy} is not supported (use one of {known})'
BAD_AGGREGATION = 'Decision "{name}": the aggregation {aggregation} is not supported (use one of {known})'
NO_INPUTS = 'Decision "{name}" has no input column'
NO_OUTPUTS = 'Decision "{name}" has no output column'
INPUT_NOT_NAME = 'Input "{label}": its expression {text} is not a data name (e.g. category or request.category)'
BAD_TYPE = 'Column "{label}" has no type or an unsupported one ({type}); use one of {known}'
BAD_LANGUAGE = 'Column "{label}": the expression language {language} is not supported; use FEEL'
OUTPUT_NO_NAME = 'Output "{label}" has no name; its name is the data key the result lands in'
OUTPUT_NAME_BAD = 'Output "{label}": the name {output} is not a valid data key'
CELL_COUNT = 'Rule {index} has {found} cells for {expected} columns'
CELL_UNREADABLE = 'Rule {index}, column "{label}": {detail}'
CELL_WRONG_TYPE = 'Rule {index}, column "{label}": {value} is not a {type}'
PRIORITY_NO_VALUES = 'Decision "{name}": the hit policy PRIORITY needs the allowed output values of its first output, in priority order'
TEMPLATES = (NOT_READABLE, NOT_DMN, NO_DECISION, NO_TABLE, DUPLICATE_ID, BAD_HIT_POLICY,
             BAD_AGGREGATION, NO_INPUTS, NO_OUTPUTS, INPUT_NOT_NAME, BAD_TYPE, BAD_LANGUAGE,
             OUTPUT_NO_NAME, OUTPUT_NAME_BAD, CELL_COUNT, CELL_UNREADABLE, CELL_WRONG_TYPE,
             PRIORITY_NO_VALUES)


@dataclass
class TableProblem:
    """One thing wrong with a DMN file, on its element (decision, column or cell) and line."""
    template: str
    params: dict = field(default_factory=dict)
    element_id: str | None = None
    line: int | None = None

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _text_of(element) -> str:
    if element is None:
        return ""
    found = _children(element, "text")
    return (found[0].text or "").strip() if found else ""


def _problem(template, element, **params) -> TableProblem:
    return TableProblem(template, params, element.get("id") if element is not None else None,
                        element.sourceline if element is not None else None)


def decision_sha256(element) -> str:
    """The identity of one decision's content: SHA-256 of its canonical XML."""
    return hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()


def read_decisions(xml: bytes | str) -> tuple[list[dict], list[TableProblem]]:
    """The decision tables of a DMN file and every problem found (decisions with problems are
    left out of the first list)."""
    try:
        root = parse_dmn_xml(xml)
    except FeelError as exc:
        return [], [TableProblem(NOT_READABLE, {"detail": exc.args[0]}, line=getattr(exc, "line", None))]
    if _local(root) != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        return [], [TableProblem(NOT_DMN, {"root": etree.QName(root).localname}, line=root.sourceline)]
    problems, seen = [], set()
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id and element_id in seen:
            problems.append(_problem(DUPLICATE_ID, element, id=element_id))
        elif element_id:
            seen.add(element_id)
    decisions = []
    elements = _children(root, "decision")
    if not elements:
        problems.append(TableProblem(NO_DECISION, line=root.sourceline))
    for element in elements:
        table, found = _read_decision(element)
        problems += found
        if not found:
            decisions.append(table)
    return decisions, problems


def _label(column) -> str:
    expression = _children(column, "inputExpression")
    return (column.get("label") or column.get("name")
            or (_text_of(expression[0]) if expression else "") or column.get("id") or "")


def _read_decision(element) -> tuple[dict, list[TableProblem]]:
    name = element.get("name") or element.get("id") or ""
    tables = _children(element, "decisionTable")
    if not tables:
        return {}, [_problem(NO_TABLE, element, name=name)]
    table_el, problems = tables[0], []
    policy = (table_el.get("hitPolicy") or "UNIQUE").upper()
    aggregation = (table_el.get("aggregation") or "").upper() or None
    if policy not in HIT_POLICIES:
        problems.append(_problem(BAD_HIT_POLICY, element, name=name, policy=policy,
                                 known=", ".join(HIT_POLICIES)))
    if aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
        problems.append(_problem(BAD_AGGREGATION, element, name=name, aggregation=aggregation,
                                 known=", ".join(AGGREGATIONS)))
    inputs, outputs = [], []
    for column in _children(table_el, "input"):
        expression = (_children(column, "inputExpression") or [None])[0]
        text = _text_of(expression)
        label = _label(column)
        type_ref = expression.get("typeRef") if expression is not None else None
        language = (expression.get("expressionLanguage") or "") if expression is not None else ""
        if language.lower() not in FEEL_LANGUAGES and language not in FEEL_LANGUAGES:
            problems.append(_problem(BAD_LANGUAGE, column, label=label, language=language))
        elif not NAME.match(text):
            problems.append(_problem(INPUT_NOT_NAME, column, label=label, text=text or '""'))
        if type_ref not in TYPES:
            problems.append(_problem(BAD_TYPE, column, label=label, type=type_ref or "-",
                                     known=", ".join(TYPES)))
        inputs.append({"id": column.get("id"), "label": label, "expression": text, "type": type_ref})
    for column in _children(table_el, "output"):
        label = column.get("label") or column.get("name") or column.get("id") or ""
        output_name = column.get("name") or ""
        type_ref = column.get("typeRef")
        if not output_name:
            problems.append(_problem(OUTPUT_NO_NAME, column, label=label))
        elif not NAME.match(output_name) or "." in output_name:
            problems.append(_problem(OUTPUT_NAME_BAD, column, label=label, output=output_name))
        if type_ref not in TYPES:
            problems.append(_problem(BAD_TYPE, column, label=label, type=type_ref or "-",
                                     known=", ".join(TYPES)))
        values = []
        allowed = _children(column, "outputValues")
        if allowed:
            try:
                values = [literal(v) for v in _split_values(_text_of(allowed[0]))]
            except FeelError as exc:
                problems.append(_problem(CELL_UNREADABLE, column, index="-", label=label, detail=str(exc)))
        outputs.append({"id": column.get("id"), "label": label, "name": output_name,
                        "type": type_ref, "values": values})
    if not inputs:
        problems.append(_problem(NO_INPUTS, element, name=name))
    if not outputs:
        problems.append(_problem(NO_OUTPUTS, element, name=name))
    if policy == "PRIORITY" and outputs and not outputs[0]["values"]:
        problems.append(_problem(PRIORITY_NO_VALUES, element, name=name))
    rules = []
    for index, rule in enumerate(_children(table_el, "rule"), start=1):
        rules.append(_read_rule(rule, index, inputs, outputs, problems))
    return {"id": element.get("id"), "name": name, "hit_policy": policy,
            "aggregation": aggregation, "inputs": inputs, "outputs": outputs,
            "rules": rules, "content_sha256": decision_sha256(element)}, problems


def _split_values(text: str) -> list[str]:
    return [part for part in split_list(text) if part]


def _read_rule(rule, index, inputs, outputs, problems) -> dict:
    input_cells, output_cells = _children(rule, "inputEntry"), _children(rule, "outputEntry")
    if len(input_cells) != len(inputs) or len(output_cells) != len(outputs):
        problems.append(_problem(CELL_COUNT, rule, index=index,
                                 found=len(input_cells) + len(output_cells),
                                 expected=len(inputs) + len(outputs)))
    for cell, column in zip(input_cells, inputs):
        try:
            values = test_values(parse_tests(_text_of(cell)))
        except FeelError as exc:
            problems.append(_problem(CELL_UNREADABLE, cell, index=index, label=column["label"], detail=str(exc)))
            continue
        for value in values:
            if column["type"] in TYPES and not type_ok(value, column["type"]):
                problems.append(_problem(CELL_WRONG_TYPE, cell, index=index, label=column["label"],
                                         value=repr(value), type=column["type"]))
    for cell, column in zip(output_cells, outputs):
        try:
            value = literal(_text_of(cell))
        except FeelError as exc:
            problems.append(_problem(CELL_UNREADABLE, cell, index=index, label=column["label"], detail=str(exc)))
            continue
        if column["type"] in TYPES and not type_ok(value, column["type"]):
            problems.append(_problem(CELL_WRONG_TYPE, cell, index=index, label=column["label"],
                                     value=repr(value), type=column["type"]))
    description = _children(rule, "description")
    return {"id": rule.get("id"), "index": index,
            "description": (description[0].text or "").strip() if description else "",
            "inputs": [_text_of(cell) for cell in input_cells],
            "input_ids": [cell.get("id") for cell in input_cells],
            "outputs": [_text_of(cell) for cell in output_cells],
            "output_ids": [cell.get("id") for cell in output_cells]}


def parse_dmn_xml(xml: bytes | str):
    """The root element of a DMN file, parsed as BPMN files are (engine.spiff.xmlsafe: no DTD,
    entities or network); FeelError (with .line) if it is refused."""
    data = xml_bytes(xml)
    if len(data) > MAX_BYTES:
        raise FeelError(Message("The file is too large ({size:,} bytes); the limit is {limit:,} bytes.",
                                size=len(data), limit=MAX_BYTES))
    if not data.strip():
        raise FeelError(Message("The file is empty."))
    if dtd_line(data):
        error = FeelError(Message("The file contains a DOCTYPE, which is refused; remove it."))
        error.line = dtd_line(data)
        raise error
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        error = FeelError(Message("The file is not well-formed XML: {detail}", detail=exc.msg))
        error.line = exc.lineno
        raise error from None
    if root.getroottree().docinfo.doctype:
        raise FeelError(Message("The file contains a DOCTYPE, which is refused; remove it."))
    return root


def decision_elements(xml: bytes | str) -> dict:
    """decision id -> its element, of a DMN file that read_decisions accepted."""
    return {d.get("id"): d for d in _children(parse_dmn_xml(xml), "decision")}
