"""The password policy, in one place: length, the common passwords, the username, and a
strength estimate (zxcvbn's score, 0-4). Pages, the CLI and password changes all ask it."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from models.messages import Message

# Passwords people here choose that zxcvbn's (English) lists lack; one a line, lower case.
LOCAL_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
MAX_LENGTH = 1024      # argon2 takes any length; a megabyte "password" is an attack, not a secret
ESTIMATED_PREFIX = 100  # zxcvbn's cost grows with length; beyond this a password is long enough


class WeakPassword(ValueError):
    """A password the policy refuses; .template and .params say why (translated on pages)."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.template, self.params = message.template, message.params


@dataclass(frozen=True)
class PasswordPolicy:
    """The shortest password, and the least zxcvbn score (0-4; 0 = no estimate) and whether
    common passwords and the username are refused."""

    min_length: int = 10
    min_score: int = 3
    refuse_common: bool = True


# What create_user checks when its caller names no policy (demo data, fixtures, scripts):
# the old minimum only. Pages and commands where a person chooses a password pass the city's.
BASIC_POLICY = PasswordPolicy(min_length=8, min_score=0, refuse_common=False)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords and the local list, lower case."""
    local = [line.strip().lower() for line in LOCAL_COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()]
    return frozenset(FREQUENCY_LISTS["passwords"]) | {w for w in local if w and not w.startswith("#")}


def check_password(password: str, username: str = "", policy: PasswordPolicy = PasswordPolicy()) -> None:
    """Refuse (WeakPassword) a password the policy does not allow for this username."""
    if len(password) < policy.min_length:
        raise WeakPassword(Message("The password must have at least {min_length} characters.",
                                   min_length=policy.min_length))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(Message("The password must have at most {max_length} characters.",
                                   max_length=MAX_LENGTH))
    if not policy.refuse_common:
        return
    lowered, name = password.strip().lower(), username.strip().lower()
    if lowered in common_passwords():
        raise WeakPassword(Message("This password is one of the most common ones; choose another."))
    if name and (name in lowered or lowered in name):
        raise WeakPassword(Message("The password must not be or contain the username."))
    if policy.min_score and zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=[name] if name else [])["score"] < policy.min_score:
        raise WeakPassword(Message("This password is too easy to guess: make it longer, "
                                   "e.g. a few unrelated words with a digit or sign."))
