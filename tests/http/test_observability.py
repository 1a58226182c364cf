"""/healthz, /readyz and /metrics (issue 21): probes without login, metrics for allowed
scrapers only with the engine's completions, steps and timer lateness; request ids in the
X-Request-ID header and in JSON log lines."""
import io
import json
import logging
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

import engine as runtime
from app import create_app
from app.observability.logs import configure_logging, current_job_id, label_jobs, with_job_id
from engine.runtime.timers import fire_next_due_timers
from models import clock
from engine_support import deploy, district_id, event_rows, timer_rows, user
from tests.database_support import TEST_CONFIG

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def samples(response) -> dict:
    """{(metric sample name, sorted labels): value} of a /metrics answer."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# ---------------------------------------------------------------- probes

def test_healthz_answers_200_without_login_and_with_the_security_headers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_readyz_is_200_when_the_database_answers_at_the_newest_migration(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "redis": "not configured"}}


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/closed",
                                 "sqlite:///{tmp}"], ids=["postgresql_closed_port", "sqlite_directory"])
def test_readyz_is_503_when_the_database_is_unreachable(tmp_path, url):
    broken = create_app({**TEST_CONFIG, "DATABASE_URL": url.format(tmp=tmp_path)})
    try:
        response = broken.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready", "checks": {
            "database": "unreachable", "migrations": "skipped", "redis": "not configured"}}
        assert broken.test_client().get("/healthz").status_code == 200  # alive all the same
    finally:
        broken.extensions["db_engine"].dispose()


def test_readyz_is_503_on_a_database_never_migrated(tmp_path):
    fresh = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"})
    try:
        response = fresh.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {"database": "ok", "migrations": "behind",
                                                 "redis": "not configured"}
    finally:
        fresh.extensions["db_engine"].dispose()


def test_readyz_is_503_when_the_configured_redis_does_not_answer(app):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "unreachable"}


# ---------------------------------------------------------------- who may scrape

def test_metrics_answer_loopback_in_prometheus_text(app):
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    found = samples(response)
    assert ("city_instances_in_error", ()) in found and ("city_outbox_backlog", ()) in found
    assert ("city_db_pool_size", ()) in found and ("city_db_pool_checked_out", ()) in found


def test_metrics_are_refused_from_another_network_and_to_a_forwarded_request(app):
    client = app.test_client()
    refused = client.get("/metrics", environ_base=ELSEWHERE)
    assert refused.status_code == 403 and b"city_" not in refused.data
    # A reverse proxy on this machine: loopback, but forwarded for someone else.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    app.config["METRICS_ALLOW_NETWORKS"] = ""
    assert client.get("/metrics").status_code == 403  # no network at all, not even loopback


def test_metrics_answer_the_bearer_token_from_anywhere_and_refuse_a_wrong_one(app):
    app.config["METRICS_TOKEN"] = "scrape-secret-of-the-test"
    client = app.test_client()
    ok = client.get("/metrics", environ_base=ELSEWHERE,
                    headers={"Authorization": "Bearer scrape-secret-of-the-test"})
    assert ok.status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 403


def test_probes_are_not_rate_limited(app):
    app.config["PORTAL_RATE_LIMIT"] = "1 per minute"
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5


# ---------------------------------------------------------------- what is counted

def test_metrics_count_a_start_a_fired_timer_a_completion_and_the_requests(app, db, api):
    client = app.test_client()
    before = samples(client.get("/metrics"))
    deploy(app, "timer_intermediate.bpmn")
    instance = runtime.start_instance(db, "t_timer_wait", user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    [timer] = timer_rows(db, instance.id)
    clock.set_now(timer.due_at + timedelta(seconds=3))  # the scheduler comes 3 s late
    assert fire_next_due_timers(db) == instance.id
    db.commit()
    expert = api("pr_expert_d1")
    listed = expert.get("/api/v1/tasks").get_json()["tasks"]
    [task_id] = [t["id"] for t in listed if t["process"] == "t_timer_wait"]
    assert expert.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 200
    after = samples(client.get("/metrics"))

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("city_step_duration_seconds_count", kind="start") == 1
    assert grew("city_step_duration_seconds_count", kind="timer") == 1
    assert grew("city_step_duration_seconds_count", kind="completion") == 1
    assert grew("city_task_completions_total", process="t_timer_wait") == 1
    assert grew("city_timer_lateness_seconds_count") == 1
    # Fired 3 s after its due time: between 2 and 5 s late.
    assert grew("city_timer_lateness_seconds_bucket", le="2.0") == 0
    assert grew("city_timer_lateness_seconds_bucket", le="5.0") == 1
    assert grew("city_http_requests_total", endpoint="api.complete", method="POST", status="200") == 1
    assert grew("city_http_request_duration_seconds_count", endpoint="observability.prometheus_metrics",
                method="GET", status="200") == 1


def test_a_rolled_back_completion_is_not_counted(app, db):
    deploy(app, "timer_intermediate.bpmn")
    instance = runtime.start_instance(db, "t_timer_wait", user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    [timer] = timer_rows(db, instance.id)
    client = app.test_client()
    before = samples(client.get("/metrics"))
    fire_next_due_timers(db, now=timer.due_at + timedelta(seconds=1))
    db.rollback()
    after = samples(client.get("/metrics"))
    assert value(after, "city_timer_lateness_seconds_count") == value(before, "city_timer_lateness_seconds_count")
    assert value(after, "city_step_duration_seconds_count", kind="timer") == \
        value(before, "city_step_duration_seconds_count", kind="timer")


# ---------------------------------------------------------------- request ids and logs

def test_request_id_is_generated_and_returned(app):
    first = app.test_client().get("/healthz").headers["X-Request-ID"]
    second = app.test_client().get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_sane_incoming_request_id_is_kept(app):
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "proxy-1f3a.42:7"})
    assert response.headers["X-Request-ID"] == "proxy-1f3a.42:7"


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "a" * 129, "id with spaces",
                                     "line\\nbreak", "", "شناسه"])
def test_a_hostile_incoming_request_id_is_replaced(app, hostile):
    response = app.test_client().get("/healthz", headers={"X-Request-ID": hostile})
    returned = response.headers["X-Request-ID"]
    assert returned != hostile and len(returned) == 32 and returned.isalnum()


@pytest.fixture
def logged():
    """configure_logging(format) into a string buffer (returned); the root logger put back after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    yield lambda log_format: (configure_logging(log_format, "INFO", stream), stream)[1]
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_json_log_lines_carry_the_request_id(app, logged):
    stream = logged("json")
    app.config["LOG_REQUESTS"] = True
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    logging.getLogger("app.test").warning("outside any request")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [access] = [line for line in lines if line["logger"] == "app.request"]
    assert response.headers["X-Request-ID"] == "trace-abc-123"
    assert access["request_id"] == "trace-abc-123"
    assert (access["path"], access["status"], access["level"]) == ("/healthz", 200, "INFO")
    [outside] = [line for line in lines if line["logger"] == "app.test"]
    assert outside["request_id"] is None and outside["message"] == "outside any request"


def test_text_log_lines_name_the_request(app, logged):
    stream = logged("text")
    app.config["LOG_REQUESTS"] = True
    app.test_client().get("/healthz", headers={"X-Request-ID": "trace-text-1"})
    assert "[req=trace-text-1] app.request: GET /healthz 200" in stream.getvalue()


def test_a_step_logs_no_line_per_engine_task_state_change(app, db, logged):
    """SpiffWorkflow logs each task's state change at INFO (15-40 lines a step): 12 % of a
    completion's CPU (issue 21). They stay out of the log; its warnings do not."""
    stream = logged("text")
    deploy(app, "timer_intermediate.bpmn")
    runtime.start_instance(db, "t_timer_wait", user(db, "pr_expert_d1"), district_id(db, "d1"))
    logging.getLogger("app.test").info("after the step")
    logging.getLogger("spiff.task").warning("an engine warning")
    text = stream.getvalue()
    assert "State changed" not in text and "spiff.task: an engine warning" in text
    assert "app.test: after the step" in text


def test_scheduler_jobs_log_their_job_id(logged):
    from apscheduler.schedulers.background import BackgroundScheduler
    stream = logged("json")
    seen = []

    def job():
        seen.append(current_job_id.get())
        logging.getLogger("app.scheduler").info("job ran")
    scheduler = BackgroundScheduler()
    scheduler.add_job(job, "interval", seconds=3600, id="fire_due_timers")
    label_jobs(scheduler)
    [labelled] = scheduler.get_jobs()
    labelled.func()
    [line] = [parsed for parsed in map(json.loads, stream.getvalue().splitlines())
              if parsed["logger"] == "app.scheduler"]
    assert line["job_id"] == seen[0] and seen[0].startswith("fire_due_timers-")
    assert line["request_id"] is None
    assert with_job_id("x", lambda: current_job_id.get())().startswith("x-")


def test_a_timer_step_undone_for_a_retry_is_not_counted_as_fired(app, db):
    from test_timer_retries import FIRST_DUE, start_archiving
    instance_id = start_archiving(app, db, timedelta(hours=1))  # its step fails for an hour
    client = app.test_client()
    before = samples(client.get("/metrics"))
    clock.set_now(FIRST_DUE + timedelta(seconds=1))
    assert fire_next_due_timers(db) == instance_id
    db.commit()
    assert "timer_retry_scheduled" in [e.type for e in event_rows(db, instance_id)]
    after = samples(client.get("/metrics"))
    assert value(after, "city_timer_lateness_seconds_count") == value(before, "city_timer_lateness_seconds_count")
    assert value(after, "city_step_duration_seconds_count", kind="timer") == \
        value(before, "city_step_duration_seconds_count", kind="timer")


@pytest.mark.parametrize("setting", [{"METRICS_ALLOW_NETWORKS": "10.0.0.0/8,not-a-network"},
                                     {"LOG_FORMAT": "xml"}])
def test_a_malformed_observability_setting_stops_the_app_at_start(setting):
    from app.config import ConfigError
    with pytest.raises(ConfigError):
        create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://", **setting})


def test_metrics_answer_an_allowed_network_other_than_loopback(app):
    app.config["METRICS_ALLOW_NETWORKS"] = "203.0.113.0/24"
    client = app.test_client()
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback no longer listed
