"""A service task's calls as people see them: the instance page's history names each attempt in
Persian, and neither the page nor the API's instance and events ever show a connector's secret
(what was sent to the partner carried it)."""
from datetime import timedelta

from connector_support import SECRET, Partner, add_connector, deploy_fixture, run_calls
from models import clock
from replay_support import start


def test_the_history_lists_the_attempts_and_no_page_or_api_answer_shows_the_secret(app, db, login, api):
    with Partner(["500", "ok"]) as partner:
        add_connector(db, base_url=partner.url)
        deploy_fixture(app, "service_task_http.bpmn")
        instance_id = start(db, "t_service_referral", {"title": "Broken light", "case_id": "C-3"})
        run_calls(app)
        clock.advance(timedelta(seconds=31))
        run_calls(app)
    assert all(r["headers"]["Authorization"] == f"Bearer {SECRET}" for r in partner.requests)
    page = login("admin").get(f"/instances/{instance_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "سامانهٔ دیگر فراخوانی شد" in text and "پاسخ سامانهٔ دیگر رسید" in text
    client = api("admin")
    answers = [client.get(f"/api/v1/instances/{instance_id}"),
               client.get(f"/api/v1/instances/{instance_id}/events")]
    assert [a.status_code for a in answers] == [200, 200]
    assert "service_call_attempted" in answers[1].get_data(as_text=True)
    for answer in (page, *answers):
        assert SECRET not in answer.get_data(as_text=True)


def test_an_incident_retried_through_the_api_queues_the_call_again_and_it_goes_through(app, db, api):
    with Partner(["500"]) as partner:
        add_connector(db, base_url=partner.url)
        deploy_fixture(app, "service_task_http.bpmn")
        instance_id = start(db, "t_service_referral", {"title": "Broken light", "case_id": "C-4"})
        for _attempt in range(3):
            run_calls(app)
            clock.advance(timedelta(minutes=5))
        client = api("admin")
        assert client.get(f"/api/v1/instances/{instance_id}").get_json()["status"] == "error"
        partner.plan = ["ok"]
        answer = client.post(f"/api/v1/instances/{instance_id}/retry", json={"reason": "back up"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert run_calls(app) == 1
    keys = {r["headers"]["Idempotency-Key"] for r in partner.requests}
    assert len(partner.requests) == 4 and len(keys) == 1
    instance = client.get(f"/api/v1/instances/{instance_id}").get_json()
    assert instance["status"] == "running"
