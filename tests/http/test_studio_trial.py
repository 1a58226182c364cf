"""The studio's "Try it" endpoints (app/studio/trial_views.py): who may, the steps through a
draft with its form, the path, a timer fired, and every refusal a clear answer, never a 500;
nothing is stored."""
import pytest

from trial_support import HOSTILE_XML, RUNAWAY_XML, TRIAL_XML, row_counts

XML = TRIAL_XML.decode()
BASE = "/studio/studio_trial/trial"


@pytest.fixture
def owner(login):
    return login("process_owner")


def nested(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def start(browser, data=None, xml=XML):
    return browser.client.post(f"{BASE}/start", json={"xml": xml, "data": data or {}})


def test_only_those_who_edit_diagrams_may_try_them(app, login):
    assert app.test_client().post(f"{BASE}/start", json={"xml": XML}).status_code == 302
    for username in ("pr_expert_d1", "admin", "auditor"):
        response = start(login(username), {"count": 1})
        assert response.status_code == 403
        assert response.get_json()["error"] == "تنها کسانی که نمودارها را ویرایش می‌کنند می‌توانند آن‌ها را بیازمایند."


def test_a_draft_is_tried_step_by_step_with_its_form_and_path(owner, db):
    before = row_counts(db)
    body = start(owner, {"count": 2}).get_json()
    assert body["status"] == "waiting" and body["path"] == ["StartEvent_1", "Script_prepare"]
    assert body["data"]["total"] == 4 and body["budget"] > body["steps"]
    assert body["steps_text"] == "گام‌های موتور: ۳ از ۵۰۰"
    (task,) = body["tasks"]
    assert task["element_id"] == "Task_review" and 'name="news_decision"' in task["form_html"]
    assert any(c.get("key") == "news_decision" for c in task["schema"]["components"])
    # the form's fields as the browser posts them, parsed as the task page parses them
    step = owner.client.post(f"{BASE}/step", json={"xml": XML, "token": body["token"], "task_id": task["id"],
                                            "form_key": "news_review",
                                            "form": [["news_decision", "return"],
                                                     ["news_review_reason", "دوباره"]]}).get_json()
    assert step["counts"] == {"StartEvent_1": 1, "Script_prepare": 1, "Task_review": 1,
                              "Gateway_decision": 1}
    step = owner.client.post(f"{BASE}/step", json={"xml": XML, "token": step["token"],
                                            "task_id": step["tasks"][0]["id"],
                                            "answers": {"news_decision": "approve"}}).get_json()
    (timer,) = step["timers"]
    assert timer["element_id"] == "Timer_wait" and step["tasks"] == []
    done = owner.client.post(f"{BASE}/timer", json={"xml": XML, "token": step["token"],
                                             "timer_id": timer["id"]}).get_json()
    assert done["status"] == "completed" and done["counts"]["Task_review"] == 2
    assert done["path"][-2:] == ["Timer_wait", "EndEvent_1"]
    db.expire_all()
    assert row_counts(db) == before


def test_answers_that_fail_the_form_are_refused_per_field_in_persian(owner):
    body = start(owner, {"count": 1}).get_json()
    response = owner.client.post(f"{BASE}/step", json={"xml": XML, "token": body["token"],
                                                "task_id": body["tasks"][0]["id"],
                                                "form_key": "news_review", "form": []})
    assert response.status_code == 400
    refused = response.get_json()
    assert "news_decision" in refused["errors"] and refused["error"] == "برخی از فیلدها معتبر نیستند."


def test_a_failing_script_is_a_persian_problem_pinned_on_its_element(owner):
    response = start(owner, {})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "error" and body["token"] is None
    assert body["problem"]["element_id"] == "Script_prepare"
    assert "در داده‌های فرآیند نیست" in body["problem"]["message"]


def test_a_hostile_script_is_refused_with_the_diagram_problems(owner):
    response = start(owner, xml=HOSTILE_XML.decode())
    assert response.status_code == 400
    body = response.get_json()
    assert any(p["element_id"] == "Script_escape" for p in body["problems"])


def test_bad_requests_are_answered_in_persian_never_a_500(owner):
    for response in (owner.client.post(f"{BASE}/start", data="{not json", content_type="application/json"),
                     owner.client.post(f"{BASE}/start", json=["a list"]),
                     owner.client.post(f"{BASE}/start", json={"xml": XML, "data": {"deep": nested(200)}}),
                     owner.client.post(f"{BASE}/start", json={"xml": XML, "data": [1, 2]}),
                     owner.client.post(f"{BASE}/start", json={"xml": 5}),
                     owner.client.post(f"{BASE}/start", json={"xml": "<not xml"}),
                     owner.client.post(f"{BASE}/step", json={"xml": XML, "token": "forged", "task_id": "x"}),
                     owner.client.post(f"{BASE}/timer", json={"xml": XML}),
                     owner.client.post("/studio/bad key/trial/start", json={"xml": XML})):
        assert response.status_code in (400, 404), response.get_data()
        body = response.get_json()
        assert body["error"] and any("\u0600" <= ch <= "\u06ff" for ch in body["error"])


def test_a_token_serves_only_its_diagram_and_its_user(owner, login, app, db):
    body = start(owner, {"count": 1}).get_json()
    step = {"token": body["token"], "task_id": body["tasks"][0]["id"], "answers": {"news_decision": "approve"}}
    changed = owner.client.post(f"{BASE}/step", json={"xml": XML.replace('name="Review"', 'name="Check"'), **step})
    assert changed.status_code == 400 and "دوباره" in changed.get_json()["error"]
    other = owner.client.post("/studio/other_key/trial/step", json={"xml": XML, **step})
    assert other.status_code == 400


def test_the_step_budget_stops_a_runaway_loop(owner, app):
    app.config["TRIAL_STEP_BUDGET"] = 30
    body = start(owner, {"n": 0}, xml=RUNAWAY_XML.decode()).get_json()
    assert body["status"] == "error" and body["steps"] <= 31
    assert "۳۰" in body["problem"]["message"]


def test_without_xml_the_saved_draft_is_tried(owner):
    owner.post("/studio/studio_trial/draft", data=TRIAL_XML, content_type="application/xml")
    body = owner.client.post(f"{BASE}/start", json={"data": {"count": 5}}).get_json()
    assert body["data"]["total"] == 10
    missing = owner.client.post("/studio/no_such_process/trial/start", json={"data": {}})
    assert missing.status_code == 400


def test_flask_processes_test_runs_every_case_and_one_process(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["processes", "test"])
    assert result.exit_code == 0, result.output
    assert "ok   news:" in result.output and "FAIL" not in result.output
    one = runner.invoke(args=["processes", "test", "draft_regulation"])
    assert one.exit_code == 0 and one.output.count("ok ") == 1
    missing = runner.invoke(args=["processes", "test", "no_such_process"])
    assert missing.exit_code == 1 and "no case" in missing.output


def test_a_trial_grown_past_the_token_bound_must_start_again(owner, monkeypatch):
    from app.studio import trial_views
    monkeypatch.setattr(trial_views, "MAX_TOKEN_CHARS", 200)
    response = start(owner, {"count": 1})
    assert response.status_code == 400
    assert response.get_json()["error"] == "آزمایش بزرگ‌تر از آن شد که نگه داشته شود؛ آن را دوباره آغاز کنید."


def test_a_dynamic_list_row_is_added_to_a_trial_form_without_running_anything(owner, login):
    form = [["poll_subject", "پارک"], ["poll_questions[0].question", "راضی هستید؟"],
            ["poll_questions[0].kind", "text"], ["_rows", "add:poll_questions"]]
    response = owner.client.post(f"{BASE}/rows", json={"form_key": "poll_plan", "form": form})
    assert response.status_code == 200
    html = response.get_json()["form_html"]
    assert 'name="poll_questions[1].question"' in html and "راضی هستید؟" in html and "پارک" in html
    assert owner.client.post(f"{BASE}/rows", json={"form_key": "poll_plan", "form": form[:1]}).status_code == 400
    assert owner.client.post(f"{BASE}/rows", json={"form_key": "poll_plan", "form": "x"}).status_code == 400
    assert login("auditor").client.post(f"{BASE}/rows", json={"form_key": "poll_plan", "form": form}).status_code == 403
