"""A city-wide role without the city-wide view (the communications office) sees the instances
it has or had a task in, so completing a task does not land it on a refusal, and no other."""

import pytest

from http_support import CENTRAL_PR_BPMN
from modeling.deploy import deploy_process
from path_support import ready_task, start_on_page

OFFICE_BPMN = CENTRAL_PR_BPMN.replace('name="central_pr"', 'name="communications_office"') \
    .replace('id="oversight"', 'id="office_check"').replace('processRef="oversight"', 'processRef="office_check"')


@pytest.fixture
def office_check(app):
    session = app.extensions["db_sessions"]()
    deploy_process(session, OFFICE_BPMN.encode(), filename="office_check.bpmn")
    session.commit()
    session.close()


def test_the_office_sees_the_instance_of_its_task_before_and_after_completing_it(
        app, office_check, complaints, login):
    first = start_on_page(login("pr_expert_d1"), "office_check", "d1")
    other = start_on_page(login("pr_expert_d2"), "office_check", "d2")
    office = login("communications_office")
    task = ready_task(app, first, "Task_check")
    assert office.get(f"/instances/{first}").status_code == 200
    done = office.post(f"/tasks/{task.id}", data={})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/instances/{first}")
    assert office.get(f"/instances/{first}").status_code == 200  # where the redirect leads

    # an instance of another process, in which the office never had a task, stays closed
    unrelated = start_on_page(login("pr_expert_d1"), "complaints", "d1")
    assert office.get(f"/instances/{unrelated}").status_code == 403
    listed = office.get("/instances").get_data(as_text=True)
    assert f'href="/instances/{first}"' in listed and f'href="/instances/{other}"' in listed
    assert f'href="/instances/{unrelated}"' not in listed
