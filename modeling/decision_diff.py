"""What changed between two versions of a DMN file's decision tables: columns, hit policy and
rules added, removed or changed (matched by their ids, which dmn-js keeps), read from the XML
by engine.decisions.tables (the reader deploy uses, with its safe XML settings)."""
from dataclasses import dataclass, field

from engine.decisions.tables import read_decisions
from models.errors import InvalidData

UNREADABLE = "Version {which} cannot be compared: {detail}"


@dataclass
class Column:
    """An input or output column: its id, kind ("input"/"output"), label and expression or name."""
    id: str
    kind: str
    label: str
    expression: str
    type_ref: str


@dataclass
class Rule:
    """A rule: its id, place (1-based), cell texts by column id and its annotation."""
    id: str
    index: int
    cells: dict[str, str]
    description: str


@dataclass
class Table:
    """One decision table of a file."""
    decision_id: str
    name: str
    hit_policy: str
    columns: list[Column]
    rules: list[Rule]


@dataclass
class RuleChange:
    """A rule added, removed or changed; `cells` are (column label, before, after) that differ."""
    change: str
    rule_id: str
    old_index: int | None
    new_index: int | None
    cells: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class TableDiff:
    """The differences of one decision table between two versions."""
    decision_id: str
    name: str
    change: str  # "added", "removed", "changed" or "same"
    hit_policy: tuple[str, str] | None = None
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # (change, kind, label)
    rules: list[RuleChange] = field(default_factory=list)


def _table(found: dict) -> Table:
    columns = ([Column(c["id"] or f"input{n}", "input", c["label"], c["expression"], c["type"] or "")
                for n, c in enumerate(found["inputs"], start=1)]
               + [Column(c["id"] or f"output{n}", "output", c["label"], c["name"], c["type"] or "")
                  for n, c in enumerate(found["outputs"], start=1)])
    rules = []
    for rule in found["rules"]:
        texts = list(rule["inputs"]) + list(rule["outputs"])
        rules.append(Rule(id=rule["id"] or f"rule{rule['index']}", index=rule["index"],
                          cells={c.id: (t or "").strip() for c, t in zip(columns, texts)},
                          description=rule.get("description") or ""))
    policy = found["hit_policy"] + (f" {found['aggregation']}" if found.get("aggregation") else "")
    return Table(found["id"] or "", found.get("name") or "", policy, columns, rules)


def read_tables(xml: bytes | str, which: str = "") -> list[Table]:
    """The decision tables of a DMN file, in file order; InvalidData if it has problems."""
    found, problems = read_decisions(xml)
    if problems:
        raise InvalidData(UNREADABLE, which=which, detail=problems[0].message)
    return [_table(table) for table in found]


def _column_name(column: Column) -> str:
    return f"{column.label} ({column.expression})" if column.expression and column.expression != column.label else column.label or column.id


def _compare_table(old: Table, new: Table) -> TableDiff:
    diff = TableDiff(decision_id=new.decision_id, name=new.name or old.name, change="same")
    if old.hit_policy != new.hit_policy:
        diff.hit_policy = (old.hit_policy, new.hit_policy)
    old_columns, new_columns = {c.id: c for c in old.columns}, {c.id: c for c in new.columns}
    for column in new.columns:
        before = old_columns.get(column.id)
        if before is None:
            diff.columns.append(("added", column.kind, _column_name(column)))
        elif (before.label, before.expression, before.type_ref) != (column.label, column.expression, column.type_ref):
            diff.columns.append(("changed", column.kind, f"{_column_name(before)} → {_column_name(column)}"))
    diff.columns += [("removed", c.kind, _column_name(c)) for c in old.columns if c.id not in new_columns]
    names = {**{c.id: _column_name(c) for c in old.columns}, **{c.id: _column_name(c) for c in new.columns}}
    order = [c.id for c in new.columns] + [c.id for c in old.columns if c.id not in new_columns]
    old_rules = {r.id: r for r in old.rules}
    new_ids = {r.id for r in new.rules}
    for rule in new.rules:
        before = old_rules.get(rule.id)
        if before is None:
            diff.rules.append(RuleChange("added", rule.id, None, rule.index,
                                         [(names[c], "", rule.cells.get(c, "")) for c in order if rule.cells.get(c)]))
            continue
        cells = [(names[c], before.cells.get(c, ""), rule.cells.get(c, "")) for c in order
                 if before.cells.get(c, "") != rule.cells.get(c, "")]
        if before.description != rule.description:
            cells.append(("", before.description, rule.description))
        if cells:
            diff.rules.append(RuleChange("changed", rule.id, before.index, rule.index, cells))
    diff.rules += [RuleChange("removed", r.id, r.index, None,
                              [(names[c], r.cells.get(c, ""), "") for c in order if r.cells.get(c)])
                   for r in old.rules if r.id not in new_ids]
    if diff.hit_policy or diff.columns or diff.rules:
        diff.change = "changed"
    return diff


def compare_decisions(old_xml: bytes | str, new_xml: bytes | str) -> list[TableDiff]:
    """Each decision table of either file with what changed from the old to the new one; a
    table's label column is (label, before, after); annotations have an empty label."""
    old, new = {t.decision_id: t for t in read_tables(old_xml, "a")}, read_tables(new_xml, "b")
    diffs = []
    for table in new:
        before = old.pop(table.decision_id, None)
        if before is None:
            diffs.append(TableDiff(table.decision_id, table.name, "added", rules=[
                RuleChange("added", r.id, None, r.index) for r in table.rules]))
        else:
            diffs.append(_compare_table(before, table))
    diffs += [TableDiff(t.decision_id, t.name, "removed") for t in old.values()]
    return diffs
