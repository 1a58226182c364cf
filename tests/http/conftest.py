"""Fixtures of the HTTP tests (helpers and form data live in http_support.py)."""
import pytest
from argon2 import PasswordHasher

import people.accounts
from modeling.deploy import deploy_process
from http_support import CENTRAL_PR_BPMN, Arrange


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Still argon2id, with the smallest cost: every test creates ~30 demo users and logs in,
    and the production cost (hundreds of ms per hash on a busy machine) would dominate."""
    monkeypatch.setattr(people.accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


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
