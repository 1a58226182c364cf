"""The decision-table editor in Chromium (issue 23): a process owner opens a deployed table from
the studio's list in Persian, edits a cell, sees the validation problem pinned on that cell and
listed beside the table, tries inputs and sees the matched rule marked with its output, and
deploys the edited table as a new version that the engine then uses."""
from pathlib import Path

import pytest

from live_server import log_in, wait_for_js
from modeling import decisions
from models import User
from sqlalchemy import select

pytestmark = pytest.mark.browser

DEADLINE = (Path(__file__).resolve().parents[1] / "fixtures" / "decisions" / "studio_deadline.dmn").read_bytes()
KEY = "studio_deadline"
RED, GREEN = "rgb(220, 53, 69)", "rgb(209, 231, 221)"


def deploy_table(app):
    session = app.extensions["db_sessions"]()
    try:
        owner = session.scalars(select(User).where(User.username == "process_owner")).one()
        decisions.deploy_decisions(session, DEADLINE, owner, file_name="studio_deadline.dmn")
        session.commit()
    finally:
        session.close()


def evaluate(app, category):
    session = app.extensions["db_sessions"]()
    try:
        return decisions.evaluate_decision(session, KEY, {"category": category})
    finally:
        session.close()


def run_action(page, name):
    page.evaluate("document.body.dataset.decisionAction = ''")
    page.locator(f"[data-testid=decision-{name}]").click()
    wait_for_js(page, "['ok', 'failed'].includes(document.body.dataset.decisionAction)")
    return page.evaluate("document.body.dataset.decisionAction")


def set_cell(page, element_id, text):
    cell = page.locator(f'[data-element-id="{element_id}"] [contenteditable]')
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.locator("[data-testid=decision-key]").click()  # leave the cell: the change is committed
    wait_for_js(page, f"""() => {{
        const cell = document.querySelector('[data-element-id="{element_id}"]');
        return cell && cell.textContent.trim() === {text!r};
    }}""")


def style_of(page, selector, prop):
    return page.evaluate(f"getComputedStyle(document.querySelector('{selector}'))['{prop}']")


def test_open_edit_validate_try_and_deploy_a_decision_table(app, page):
    deploy_table(app)
    log_in(page, "process_owner")
    page.goto("/studio/")
    page.locator("[data-testid=studio-decisions-link]").click()
    page.locator(f"[data-testid=decision-open-{KEY}]").click()
    page.wait_for_selector("body[data-decision=ready]")
    canvas = page.locator("[data-testid=decision-canvas]")
    assert "سیاست انطباق" in canvas.inner_text() and "نخستین (FIRST)" in canvas.inner_text()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('[data-testid=decision-canvas]')).direction") == "ltr"

    # A number column given a text: the problem is listed in Persian and pinned on the cell.
    set_cell(page, "LiteralExpression_service", '"soon"')
    assert page.evaluate("document.body.dataset.dirty") == "true"
    assert run_action(page, "validate") == "failed"
    problem = page.locator('[data-testid=decision-problems] li[data-element-id="LiteralExpression_service"]')
    assert problem.count() == 1 and "قاعدهٔ ۱" in problem.inner_text() and "مهلت (ساعت)" in problem.inner_text()
    assert style_of(page, '[data-element-id="LiteralExpression_service"]', "outlineColor") == RED
    assert style_of(page, '[data-element-id="LiteralExpression_technical"]', "outlineColor") != RED

    set_cell(page, "LiteralExpression_service", "12")
    assert run_action(page, "validate") == "ok"
    assert page.locator("[data-testid=decision-problems]").is_hidden()
    assert style_of(page, '[data-element-id="LiteralExpression_service"]', "outlineColor") != RED

    # Try it: one field per input column; the matched rule is marked and its output shown.
    field = page.locator("[data-testid=decision-try-input-category]")
    field.fill("civil")
    assert run_action(page, "try") == "ok"
    assert "۲" in page.locator("[data-testid=decision-try-matched]").inner_text()
    output = page.locator("[data-testid=decision-try-output]").inner_text()
    assert "مهلت (ساعت) (deadline_hours)" in output and "۴۸" in output
    assert style_of(page, '[data-row-id="Rule_technical"].output-cell', "backgroundColor") == GREEN
    assert style_of(page, '[data-row-id="Rule_service"].output-cell', "backgroundColor") != GREEN
    field.fill("service")
    assert run_action(page, "try") == "ok"
    assert "۱۲" in page.locator("[data-testid=decision-try-output]").inner_text()
    assert evaluate(app, "service")["output"] == {"deadline_hours": 24}  # nothing deployed yet

    assert run_action(page, "save") == "ok"
    assert page.evaluate("document.body.dataset.dirty") == "false"
    assert run_action(page, "deploy") == "ok"
    assert page.evaluate("document.body.dataset.deployedVersion") == "2"
    assert "۲" in page.locator("[data-testid=decision-status]").inner_text()
    assert evaluate(app, "service") == {"version": 2, "matched_rules": ["Rule_service"],
                                        "matched_indexes": [1], "output": {"deadline_hours": 12}}

    page.goto(f"/studio/decisions/{KEY}/diff?a=1&b=2")
    changed = page.locator("[data-testid=rule-Rule_service]")
    assert changed.get_attribute("data-change") == "changed" and "12" in changed.inner_text()
    assert page.js_errors == []


def test_an_auditor_reads_a_table_in_english_and_cannot_change_it(app, page):
    deploy_table(app)
    log_in(page, "auditor")
    page.goto("/studio/decisions/")
    page.locator("form[action^='/lang/en'] button").first.click()
    page.goto(f"/studio/decisions/{KEY}/edit")
    page.wait_for_selector("body[data-decision=ready]")
    canvas = page.locator("[data-testid=decision-canvas]").inner_text()
    assert "Hit policy:" in canvas and "First" in canvas and "سیاست انطباق" not in canvas
    assert page.locator("[data-testid=decision-save]").count() == 0
    assert page.locator("[data-testid=decision-try-box]").count() == 0
    cell = page.locator('[data-element-id="LiteralExpression_service"] [contenteditable]')
    if cell.count():
        cell.click()
        page.keyboard.type("9")
        page.locator("[data-testid=decision-key]").click()
    xml = page.evaluate("window.cityDecisions.xml()")
    assert "<text>24</text>" in xml and page.evaluate("document.body.dataset.dirty") == "false"
    assert run_action(page, "validate") == "ok"
    assert page.js_errors == []
