"""users.session_version (models/people.py): the version a login session names in its id moves
on when the user logs out, gets a new password or is deactivated, whatever code does it; the
last two also delete the user's API tokens."""
from sqlalchemy import func, select

from models import ApiToken
from people.accounts import (create_user, deactivate_user, end_sessions, hash_password,
                             issue_api_token, user_for_token)


def _tokens(db, user) -> int:
    return db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id))


def test_a_new_user_starts_at_version_zero_and_the_session_id_names_it(db):
    user = create_user(db, "newcomer", "long enough password")
    assert user.session_version == 0 and user.get_id() == f"{user.id}:0"


def test_ending_sessions_moves_the_version_and_keeps_the_api_tokens(db):
    user = create_user(db, "leaver", "long enough password")
    token = issue_api_token(db, user)
    end_sessions(db, user)
    assert user.get_id() == f"{user.id}:1"
    assert user_for_token(db, token) is user, "logging out of the web ends no API client"


def test_a_new_password_moves_the_version_and_deletes_the_api_tokens_even_on_a_stale_row(db):
    user = create_user(db, "changer", "long enough password")
    other = create_user(db, "bystander", "long enough password")
    token, kept = issue_api_token(db, user), issue_api_token(db, other)
    db.commit()  # the row's attributes expire: the old hash is not in memory
    user.password_hash = hash_password("another long password")
    db.flush()
    assert user.session_version == 1
    assert user_for_token(db, token) is None and _tokens(db, user) == 0
    assert user_for_token(db, kept) is other


def test_setting_the_same_hash_or_name_moves_nothing(db):
    user = create_user(db, "steady", "long enough password")
    token = issue_api_token(db, user)
    user.password_hash = user.password_hash
    user.is_active = True
    user.full_name = "Steady"
    db.flush()
    assert user.session_version == 0 and user_for_token(db, token) is user


def test_deactivation_moves_the_version_and_deletes_the_tokens_for_good(db):
    user = create_user(db, "departed", "long enough password")
    token = issue_api_token(db, user)
    deactivate_user(db, user)
    assert user.session_version == 1 and _tokens(db, user) == 0
    user.is_active = True
    db.flush()
    assert user.session_version == 1 and user_for_token(db, token) is None
