"""Run a decision table (as tables.read_decisions gives it) over input data, by its hit policy.

UNIQUE: at most one rule may match; FIRST: the first match in table order; PRIORITY: the match
whose first output comes first in that output's allowed values; ANY: every match must give the
same output; COLLECT: every match, in order (with SUM, MIN, MAX or COUNT: one number);
RULE ORDER: every match, in order. A missing input or a value of the wrong type raises
DecisionError with a message a process owner reads, never a Python error.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.decisions.feel import FeelError, literal, matches, parse_tests, read_name, type_ok
from models.messages import Message

SINGLE = ("UNIQUE", "FIRST", "PRIORITY", "ANY")


class DecisionError(ValueError):
    """A decision could not be taken: a missing input, a wrong type, an ambiguous table."""


@dataclass
class Decided:
    """What a table decided: the matched rules (ids and 1-based indexes) and the output (a dict
    for single-hit policies, None when no rule matched; a list of dicts for COLLECT and RULE
    ORDER; a number for an aggregating COLLECT)."""
    matched_rules: list
    matched_indexes: list
    output: object

    def as_dict(self, version: int | None = None) -> dict:
        return {"version": version, "matched_rules": self.matched_rules,
                "matched_indexes": self.matched_indexes, "output": self.output}


def input_values(table: dict, data: dict) -> list:
    """The value of each input column in the data, type-checked."""
    values = []
    for column in table["inputs"]:
        try:
            value = read_name(data, column["expression"])
        except KeyError:
            raise DecisionError(Message(
                'Decision "{decision}" needs the input {name} ("{label}"), which the data lacks',
                decision=table["name"], name=column["expression"], label=column["label"])) from None
        if isinstance(value, float) and column["type"] in ("integer", "long") and value.is_integer():
            value = int(value)
        if not type_ok(value, column["type"]):
            raise DecisionError(Message(
                'Decision "{decision}": the input {name} ("{label}") must be a {type}, but it is {value}',
                decision=table["name"], name=column["expression"], label=column["label"],
                type=column["type"], value=repr(value)[:60]))
        values.append(value)
    return values


def _rule_matches(rule: dict, values: list, table: dict) -> bool:
    for text, value, column in zip(rule["inputs"], values, table["inputs"]):
        try:
            if not matches(parse_tests(text), value):
                return False
        except (FeelError, TypeError) as exc:
            raise DecisionError(Message('Decision "{decision}", rule {index}, column "{label}": {detail}',
                                        decision=table["name"], index=rule["index"],
                                        label=column["label"], detail=str(exc))) from None
    return True


def _output(rule: dict, table: dict) -> dict:
    return {column["name"]: literal(text) for text, column in zip(rule["outputs"], table["outputs"])}


def decide(table: dict, data: dict) -> Decided:
    """Evaluate the table over the data (a dict of the case's values)."""
    if not isinstance(data, dict):
        raise DecisionError(Message("The inputs of a decision must be an object of names and values"))
    values = input_values(table, data)
    matched = [rule for rule in table["rules"] if _rule_matches(rule, values, table)]
    policy = table["hit_policy"]
    if policy == "FIRST":
        matched = matched[:1]
    elif policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(Message('Decision "{decision}" is UNIQUE but rules {rules} all match',
                                    decision=table["name"],
                                    rules=", ".join(str(r["index"]) for r in matched)))
    elif policy == "ANY" and len({repr(_output(r, table)) for r in matched}) > 1:
        raise DecisionError(Message('Decision "{decision}" is ANY but rules {rules} match with '
                                    "different outputs", decision=table["name"],
                                    rules=", ".join(str(r["index"]) for r in matched)))
    elif policy == "PRIORITY" and matched:
        order = table["outputs"][0]["values"]
        first = table["outputs"][0]["name"]

        def rank(rule):
            value = _output(rule, table)[first]
            return order.index(value) if value in order else len(order)
        matched = [min(matched, key=rank)]
    elif policy == "ANY":
        matched = matched[:1]
    ids, indexes = [r["id"] for r in matched], [r["index"] for r in matched]
    if policy in SINGLE:
        return Decided(ids, indexes, _output(matched[0], table) if matched else None)
    outputs = [_output(rule, table) for rule in matched]
    aggregation = table.get("aggregation")
    if aggregation:
        name = table["outputs"][0]["name"]
        numbers = [o[name] for o in outputs if o[name] is not None]
        value = (len(numbers) if aggregation == "COUNT" else
                 (sum(numbers) if aggregation == "SUM" else
                  (min(numbers) if numbers and aggregation == "MIN" else
                   (max(numbers) if numbers else None))))
        return Decided(ids, indexes, {name: value})
    return Decided(ids, indexes, outputs)


def result_data(table: dict, decided: Decided) -> dict:
    """What lands in the case data: each output by its name (a list of values per output for
    COLLECT and RULE ORDER); DecisionError when a single-hit table matched no rule."""
    if isinstance(decided.output, dict):
        return dict(decided.output)
    if decided.output is None:
        raise DecisionError(Message('Decision "{decision}": no rule matches the inputs',
                                    decision=table["name"]))
    return {column["name"]: [o[column["name"]] for o in decided.output] for column in table["outputs"]}
