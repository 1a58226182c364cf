"""A returned complaint examination shows the expert's earlier answers, choices included, and
a complaint filed on the portal reaches the register task with its channel and type chosen."""
import re

from http_support import EXAMINATION, REVIEW_RETURN
from path_support import ready_task
from portal_support import deploy_citizen_processes, file_on_portal, instance_of


def test_a_returned_examination_shows_the_earlier_choices_selected(app, arrange, login):
    instance_id, examination = arrange.registered_service_instance()
    arrange.complete(examination.id, "pr_expert_d1", {**EXAMINATION, "justified": "no"})
    review = arrange.only_open_task(instance_id)
    arrange.complete(review.id, "pr_head_d1", REVIEW_RETURN)
    again = arrange.only_open_task(instance_id)
    assert again.task_spec == "Task_examine_service_complaint"

    page = login("pr_expert_d1").get(f"/tasks/{again.id}").get_data(as_text=True)
    assert re.search(r'name="justified" value="no" checked', page)
    assert not re.search(r'name="justified" value="yes" checked', page)
    assert "بازدید میدانی انجام شد." in page  # typed text comes back as before
    assert REVIEW_RETURN["reason"] in page  # the reviewer's reason, read-only


def test_the_reviewer_decides_afresh_after_a_rework(app, arrange, login):
    instance_id, examination = arrange.registered_service_instance()
    arrange.complete(examination.id, "pr_expert_d1", EXAMINATION)
    arrange.complete(arrange.only_open_task(instance_id).id, "pr_head_d1", REVIEW_RETURN)
    arrange.complete(arrange.only_open_task(instance_id).id, "pr_expert_d1", EXAMINATION)
    review = arrange.only_open_task(instance_id)
    page = login("pr_head_d1").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert 'name="decision" value="return"' in page
    assert not re.search(r'name="decision" value="[a-z]+" checked', page)


def test_a_portal_complaint_reaches_the_register_task_with_its_choices_selected(app, login):
    deploy_citizen_processes(app)
    code, _key = file_on_portal(app.test_client(), service_code="complaint_employee")
    register = ready_task(app, instance_of(app, code).id, "Task_register_complaint")
    page = login("pr_expert_d1").get(f"/tasks/{register.id}").get_data(as_text=True)
    assert '<option value="website" selected>' in page
    assert re.search(r'name="complaint_type" value="employee" checked', page)
