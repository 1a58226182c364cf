"""The request boundary commits once, and only when the answer is a success: a view that
wrote and then answered 4xx leaves nothing behind (docs/ARCHITECTURE.md, Transactions)."""
import pytest
from flask import abort
from sqlalchemy import select

from app import create_app
from app.db import db_session
from models import District
from tests.database_support import TEST_CONFIG


@pytest.fixture
def writing_app(app):
    """An app of its own (the shared one has served requests: no new views) with one extra
    view that writes a district, then answers with ?status=; in the test's transaction."""
    application = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"]})

    def write_then_answer():
        from flask import request
        session = db_session()
        session.add(District(code="tmp", name_fa="موقت", name_en="Temporary"))
        session.flush()
        status = request.args.get("status", type=int)
        if request.args.get("abort"):
            abort(status)
        return "written", status
    application.add_url_rule("/_test/write", "write_then_answer", write_then_answer, methods=["POST"])
    yield application
    application.extensions["db_engine"].dispose()


def district_exists(app) -> bool:
    with app.extensions["db_sessions"]() as session:
        return session.scalars(select(District).where(District.code == "tmp")).first() is not None


@pytest.mark.parametrize("status", [200, 201, 302, 303])
def test_a_successful_answer_commits_what_the_view_wrote(writing_app, status):
    response = writing_app.test_client().post(f"/_test/write?status={status}")
    assert response.status_code == status
    assert district_exists(writing_app)


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_an_error_answer_rolls_back_what_the_view_wrote(writing_app, status):
    response = writing_app.test_client().post(f"/_test/write?status={status}")
    assert response.status_code == status
    assert not district_exists(writing_app)


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_an_aborted_request_rolls_back_too(writing_app, status):
    response = writing_app.test_client().post(f"/_test/write?status={status}&abort=1")
    assert response.status_code == status
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert not district_exists(writing_app)
