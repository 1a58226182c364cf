"""Fixtures of the HTTP tests (helpers and form data live in http_support.py)."""
import pytest

from modeling.deploy import deploy_process
from http_support import CENTRAL_PR_BPMN, Arrange


@pytest.fixture
def arrange(app, complaints):
    """Arrange helpers, with processes/complaints.bpmn deployed."""
    return Arrange(app)


@pytest.fixture
def oversight(app):
    """Deploy the central_pr one-task process."""
    session = app.extensions["db_sessions"]()
    version, _ = deploy_process(session, CENTRAL_PR_BPMN.encode(), filename="oversight.bpmn")
    session.commit()
    session.close()
    return version
