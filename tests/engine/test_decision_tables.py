"""Decision tables (engine.decisions, modeling.decisions.check_decisions): each hit policy the
shipped tables and the studio offer, the FEEL cells they are written in, and every problem of a
broken table at once, pinned on its cell."""
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from babel.messages.pofile import read_po

from engine.decisions.evaluate import DecisionError, decide
from engine.decisions.tables import read_decisions
from modeling import decisions

ROOT = Path(__file__).resolve().parents[2]
HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="t" namespace="x">'


def table(policy: str, rules: list[tuple[str, str]], *, aggregation: str = "", values: str = "",
          in_type: str = "number", out_type: str = "string") -> dict:
    """A one-input, one-output table `t` with these (input cell, output cell) rules."""
    rows = "".join(f'<rule id="R{i}"><inputEntry id="I{i}"><text>{escape(a)}</text></inputEntry>'
                   f'<outputEntry id="O{i}"><text>{escape(b)}</text></outputEntry></rule>'
                   for i, (a, b) in enumerate(rules, start=1))
    allowed = f"<outputValues><text>{values}</text></outputValues>" if values else ""
    xml = (f'{HEAD}<decision id="t" name="T"><decisionTable id="DT" hitPolicy="{policy}"'
           f'{f" aggregation={chr(34)}{aggregation}{chr(34)}" if aggregation else ""}>'
           f'<input id="In" label="Amount"><inputExpression id="IE" typeRef="{in_type}"><text>amount</text>'
           f'</inputExpression></input><output id="Out" name="result" typeRef="{out_type}">{allowed}</output>'
           f"{rows}</decisionTable></decision></definitions>")
    found, problems = read_decisions(xml.encode())
    assert problems == [], [p.message for p in problems]
    return found[0]


BANDS = [("< 10", '"small"'), ("[10..100]", '"medium"'), ("> 50", '"large"')]


def test_first_takes_the_first_matching_rule_in_table_order():
    decided = decide(table("FIRST", BANDS), {"amount": 60})
    assert (decided.matched_rules, decided.matched_indexes, decided.output) == (["R2"], [2], {"result": "medium"})


def test_unique_refuses_two_matches_and_gives_no_output_without_a_match():
    with pytest.raises(DecisionError, match="is UNIQUE but rules 2, 3 all match"):
        decide(table("UNIQUE", BANDS), {"amount": 60})
    assert decide(table("UNIQUE", BANDS[:2]), {"amount": 500}).output is None


def test_collect_gives_every_match_in_order_and_aggregates_when_asked():
    decided = decide(table("COLLECT", BANDS), {"amount": 60})
    assert decided.output == [{"result": "medium"}, {"result": "large"}] and decided.matched_indexes == [2, 3]
    numbers = [("> 0", "1"), ("> 5", "10"), ("> 50", "100")]
    assert decide(table("COLLECT", numbers, aggregation="SUM", out_type="number"), {"amount": 60}).output == {
        "result": 111}
    assert decide(table("COLLECT", numbers, aggregation="COUNT", out_type="number"), {"amount": 6}).output == {
        "result": 2}
    assert decide(table("COLLECT", numbers, aggregation="MAX", out_type="number"), {"amount": 6}).output == {
        "result": 10}


def test_priority_takes_the_match_whose_output_comes_first_in_the_allowed_values():
    ranked = table("PRIORITY", BANDS, values='"large","medium","small"')
    assert decide(ranked, {"amount": 60}).output == {"result": "large"}
    assert decide(ranked, {"amount": 20}).matched_rules == ["R2"]


def test_any_accepts_matches_that_agree_and_refuses_ones_that_do_not():
    agree = table("ANY", [("> 0", '"yes"'), ("> 5", '"yes"')])
    assert decide(agree, {"amount": 9}).output == {"result": "yes"}
    with pytest.raises(DecisionError, match="different outputs"):
        decide(table("ANY", BANDS), {"amount": 60})


def test_text_lists_negation_and_null_cells():
    words = table("FIRST", [('"a","b"', '"ab"'), ('not("c")', '"not c"'), ("-", "null")],
                  in_type="string")
    assert decide(words, {"amount": "b"}).output == {"result": "ab"}
    assert decide(words, {"amount": "x"}).output == {"result": "not c"}
    assert decide(words, {"amount": "c"}).output == {"result": None}
    assert decide(words, {"amount": None}).output == {"result": "not c"}  # null is not "c"


def test_a_missing_input_and_a_wrong_type_say_which_input_and_why():
    bands = table("FIRST", BANDS)
    with pytest.raises(DecisionError, match=r'needs the input amount \("Amount"\), which the data lacks'):
        decide(bands, {"other": 1})
    with pytest.raises(DecisionError, match=r"must be a number, but it is '60'"):
        decide(bands, {"amount": "60"})
    with pytest.raises(DecisionError, match="must be a number, but it is True"):
        decide(bands, {"amount": True})


def test_check_decisions_finds_every_problem_at_once_on_its_element():
    xml = (f'{HEAD}<decision id="d" name="D"><decisionTable id="DT" hitPolicy="SOMETIMES">'
           '<input id="In_a" label="A"><inputExpression id="IE_a" typeRef="number"><text>a + 1</text></inputExpression></input>'
           '<input id="In_b" label="B"><inputExpression id="IE_b" typeRef="date"><text>b</text></inputExpression></input>'
           '<output id="Out" label="Result" typeRef="string"/>'
           '<rule id="R1"><inputEntry id="C1"><text>&gt; "x"</text></inputEntry><inputEntry id="C2"><text>-</text></inputEntry>'
           '<outputEntry id="C3"><text>unquoted words</text></outputEntry></rule>'
           '</decisionTable></decision></definitions>').encode()
    problems = decisions.check_decisions(xml)
    assert sorted((p.element_id, p.template) for p in problems) == sorted([
        ("d", decisions.tables.BAD_HIT_POLICY), ("In_a", decisions.tables.INPUT_NOT_NAME),
        ("In_b", decisions.tables.BAD_TYPE), ("Out", decisions.tables.OUTPUT_NO_NAME),
        ("C1", decisions.tables.CELL_WRONG_TYPE), ("C3", decisions.tables.CELL_UNREADABLE)])


def test_a_file_that_is_not_dmn_or_has_a_doctype_is_refused_without_parsing_entities():
    assert [p.template for p in decisions.check_decisions(b"<bpmn/>")] == [decisions.tables.NOT_DMN]
    hostile = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + HEAD.encode() + b"</definitions>"
    [problem] = decisions.check_decisions(hostile)
    assert problem.template == decisions.tables.NOT_READABLE and "DOCTYPE" in problem.message


def test_the_shipped_tables_are_valid():
    shipped = sorted((ROOT / "processes" / "decisions").glob("*.dmn"))
    assert shipped
    for path in shipped:
        assert decisions.check_decisions(path.read_bytes()) == [], path.name


def test_every_message_of_the_decision_tables_has_a_persian_translation():
    with open(ROOT / "app/translations/fa/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing = [m for m in decisions.TEMPLATES if catalog.get(m) is None or not catalog.get(m).string]
    assert missing == []
