"""Schemathesis over /api/v1/openapi.json, in process against the Flask app (WSGI): every
operation, with its coverage phase's boundary cases (wrong types, empty and odd values, missing
fields) and a few generated examples of data its schema allows and data it does not, answers
without a server error (issue 19). TESTING is on, so an exception in a view fails the test
with its traceback rather than as a bare 500. Ids past 32 bits: test_security_input_and_messages."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from http_support import PROCESSES

MESSAGE_WAIT = PROCESSES.parent / "tests" / "fixtures" / "message_wait.bpmn"
EXAMPLES = 8  # generated examples per operation and mode (the whole file runs in about a minute)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def _answer(case, headers) -> tuple[int, str]:
    case.headers = {**(case.headers or {}), **headers}
    response = case.call()
    return response.status_code, f"{case.method} {case.formatted_path} query={case.query} " \
                                 f"body={case.body!r:.300} -> {response.status_code} {response.text[:300]}"


def _server_errors(schema, operation, headers) -> list[str]:
    found = []
    config = schema.config.generation_for(operation=operation)
    for case in schema.iter_coverage_cases(operation, generation_modes=MODES, generation_config=config):
        status, said = _answer(case, headers)
        if status >= 500:
            found.append(said)
    for mode in MODES:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            status, said = _answer(case, headers)
            assert status < 500, said
        try:
            fuzz()
        except AssertionError as failed:
            found.append(str(failed))
    return found


@pytest.mark.slow
def test_no_api_operation_answers_a_server_error_to_generated_input(app, arrange, api):
    arrange.deploy(MESSAGE_WAIT)
    arrange.start("d1", process="message_wait")
    arrange.start("d1")  # a complaint with an open task
    headers = api("pr_expert_d1").headers
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    errors = [error for operation in operations for error in _server_errors(schema, operation, headers)]
    assert not errors, "\n".join(errors)
