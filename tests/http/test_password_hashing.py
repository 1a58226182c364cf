"""Passwords are hashed with argon2id at the cost argon2-cffi recommends (RFC 9106, low memory),
and a hash of a lower cost is made again at that cost at the next login. Every other test hashes
at the smallest cost (tests/conftest.py); these two use the production hasher."""
from argon2 import PasswordHasher, Type, extract_parameters, profiles

from people.accounts import authenticate, create_user, hash_password


def test_passwords_are_hashed_with_argon2id_at_the_production_cost(real_password_hashing):
    parameters = extract_parameters(hash_password("long-enough-1"))
    assert parameters.type is Type.ID
    assert parameters == profiles.RFC_9106_LOW_MEMORY


def test_a_hash_of_a_lower_cost_is_made_again_at_the_next_login(real_password_hashing, db):
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("long-enough-1")
    user = create_user(db, "old_hash", "long-enough-1", password_hash=cheap)
    db.commit()
    assert authenticate(db, "old_hash", "long-enough-1") is user
    assert extract_parameters(user.password_hash) == profiles.RFC_9106_LOW_MEMORY
    assert authenticate(db, "old_hash", "long-enough-1") is user
