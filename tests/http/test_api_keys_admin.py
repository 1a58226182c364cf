"""The administrator's API keys page: issue (shown once), list, revoke; nobody else may."""
import re

from sqlalchemy import event, select

from app.api_keys.keys import key_for
from http_support import page_text
from models.api_keys import ApiKey
from open311_support import deploy_citizen_processes, issue_key, post_request, revoke_key

KEY_SHOWN = re.compile(r'data-testid="new-api-key-value">([^<]+)<')


def _keys(app) -> list[ApiKey]:
    session = app.extensions["db_sessions"]()
    rows = list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
    session.close()
    return rows


def test_an_admin_issues_a_key_that_is_shown_once_and_stored_only_as_a_hash(app, login):
    admin = login("admin")
    response = admin.post("/admin/api-keys", data={"name": "FixMyStreet app"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    key = KEY_SHOWN.search(html).group(1)
    assert "Copy it now" in html or "همین یک بار" in html
    [row] = _keys(app)
    assert (row.name, row.prefix, row.revoked_at, row.last_used_at) == ("FixMyStreet app", key[:6], None, None)
    assert key not in (row.key_sha256, row.prefix) and len(row.key_sha256) == 64
    listing = admin.get("/admin/api-keys")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert key not in text and "FixMyStreet app" in text and key[:6] in text
    assert KEY_SHOWN.search(text) is None


def test_the_list_shows_who_issued_each_key_when_it_was_last_used_and_revoked_ones(app, login):
    deploy_citizen_processes(app)
    used_id, used = issue_key(app, "Used app")
    revoked_id, _ = issue_key(app, "Gone app")
    assert post_request(app.test_client(), used).status_code == 201
    admin = login("admin")
    assert admin.post(f"/admin/api-keys/{revoked_id}/revoke").status_code == 303
    rows = {row.name: row for row in _keys(app)}
    assert rows["Used app"].last_used_at is not None and rows["Used app"].revoked_at is None
    assert rows["Gone app"].revoked_at is not None
    text = page_text(admin.get("/admin/api-keys"))
    assert "Used app" in text and "Gone app" in text
    assert "مدیر سامانه" in text  # the issuing admin's name
    assert text.count("ابطال شده") == 1  # one revoked badge


def test_a_revoked_key_no_longer_files_and_revoking_again_keeps_the_first_moment(app, login):
    deploy_citizen_processes(app)
    key_id, key = issue_key(app)
    admin = login("admin")
    response = admin.post(f"/admin/api-keys/{key_id}/revoke")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/api-keys")
    first = _keys(app)[0].revoked_at
    assert admin.post(f"/admin/api-keys/{key_id}/revoke").status_code == 303
    assert _keys(app)[0].revoked_at == first
    assert post_request(app.test_client(), key).status_code == 403
    assert admin.post("/admin/api-keys/999/revoke").status_code == 404


def test_a_key_needs_a_name(app, login):
    response = login("admin").post("/admin/api-keys", data={"name": "  "})
    assert response.status_code == 400
    assert 'data-testid="api-key-error"' in response.get_data(as_text=True)
    assert _keys(app) == []


def test_staff_without_the_admin_role_may_neither_see_nor_use_the_page(app, login):
    key_id, _ = issue_key(app)
    for username in ("central_pr", "auditor", "pr_head_d1", "process_owner"):
        user = login(username)
        assert user.get("/admin/api-keys").status_code == 403
        assert user.post("/admin/api-keys", data={"name": "Mine"}).status_code == 403
        assert user.post(f"/admin/api-keys/{key_id}/revoke").status_code == 403
    assert [(k.name, k.revoked_at) for k in _keys(app)] == [("FixMyStreet app", None)]


def test_anonymous_visitors_are_sent_to_the_login_page(app):
    client = app.test_client()
    for response in (client.get("/admin/api-keys"), client.post("/admin/api-keys", data={"name": "x"})):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _keys(app) == []


def test_key_for_accepts_only_an_unrevoked_issued_key(app, login):
    key_id, key = issue_key(app)
    session = app.extensions["db_sessions"]()
    try:
        assert key_for(session, key).id == key_id
        assert key_for(session, key[:-1]) is None and key_for(session, "") is None
        assert key_for(session, None) is None
    finally:
        session.rollback()
        session.close()


def _key_reads(app, session, key) -> tuple[object, int]:
    """key_for in an app context; (its answer, how many statements read api_keys)."""
    statements = []

    def on_execute(conn, cursor, statement, *rest):
        statements.append(statement)
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with app.app_context():
            found = key_for(session, key)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return found, sum("FROM api_keys" in s for s in statements)


def test_a_key_is_read_once_per_cache_window_and_a_revocation_counts_at_once(app, login):
    """Issue 21: a query and a write per Open311 request for the key (twice on a POST)."""
    key_id, key = issue_key(app)
    session = app.extensions["db_sessions"]()
    try:
        found, reads = _key_reads(app, session, key)
        assert (found.id, reads) == (key_id, 1)
        session.commit()
        again, reads = _key_reads(app, session, key)
        assert (again.id, reads) == (key_id, 0)  # from this process's cache
        session.rollback()
        revoke_key(app, key_id)  # committed in this process: the cache is emptied
        refused, reads = _key_reads(app, session, key)
        assert (refused, reads) == (None, 1)
    finally:
        session.rollback()
        session.close()
