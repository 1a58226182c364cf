"""The form editor in Chromium: a process owner changes a field's label in the form-js editor's
properties panel, validates, saves a new version, sees it listed and previews the new label
with the task pages' renderer; a task started before keeps the old label."""
import re

import pytest

from live_server import log_in, start_complaint, wait_for_js

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

NEW_LABEL = "عنوان کوتاه شکایت"
OLD_LABEL = "موضوع شکایت"


def test_a_process_owner_edits_a_label_saves_a_version_and_previews_it(app, complaints, page, shots):
    old_task_instance = start_complaint(app)  # its register task keeps version 1
    log_in(page, "process_owner")
    page.goto("/forms/")
    row = page.locator("[data-testid=form-list] tr[data-form=complaint_register]")
    assert row.locator("[data-testid=latest-version]").inner_text() == "۱"
    row.get_by_role("link", name="ویرایش").click()
    page.wait_for_selector("#form-editor[data-ready='1']")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#form-editor").get_attribute("dir") == "ltr"

    # Select the subject field on the canvas and retype its label in the properties panel.
    page.locator(".fjs-editor-container [data-id=Field_subject]").click()
    panel = page.locator(".fjs-properties-container")
    panel.locator("[data-group-id=group-general] .bio-properties-panel-group-header").click()
    label = panel.locator("#bio-properties-panel-label")
    label.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_LABEL)
    wait_for_js(page, """label => window.formEditor.saveSchema().components
                             .some(c => c.key === 'subject' && c.label === label)""", arg=NEW_LABEL)

    status = page.get_by_test_id("editor-status")
    page.get_by_test_id("validate").click()
    expect(status).to_have_text("فرم ایرادی ندارد.")
    expect(status).to_have_class(re.compile("alert-success"))

    page.get_by_test_id("save").click()
    expect(status).to_have_text("نسخه ۲ فرم ذخیره شد.")
    expect(page.get_by_test_id("latest-version")).to_have_text("۲")

    page.get_by_test_id("preview").click()
    preview = page.locator("[data-testid=editor-preview] [data-testid=preview-rendered]")
    preview.wait_for()
    assert NEW_LABEL in preview.inner_text() and OLD_LABEL not in preview.inner_text()
    assert preview.locator("input[name=subject]").count() == 1
    page.screenshot(path=str(shots / "form_editor.png"), full_page=True)
    assert page.js_errors == []

    # The new version is listed and shows the new label read-only.
    page.get_by_test_id("versions-link").click()
    versions = page.locator("[data-testid=version-list] tbody tr")
    assert versions.first.get_attribute("data-version") == "2"
    assert versions.count() == 2
    versions.first.get_by_role("link").click()
    assert NEW_LABEL in page.get_by_test_id("form-preview").inner_text()

    # The task that was already waiting still shows the label it started with.
    log_in(page, "pr_expert_d1")
    page.goto("/")
    page.locator("[data-testid=inbox] tbody tr").filter(
        has=page.locator(f"a[href='/instances/{old_task_instance}']")).get_by_role(
        "link", name="ثبت شکایت", exact=True).click()
    page.wait_for_selector("[data-testid=task-form]")
    form_text = page.get_by_test_id("task-form").inner_text()
    assert OLD_LABEL in form_text and NEW_LABEL not in form_text
