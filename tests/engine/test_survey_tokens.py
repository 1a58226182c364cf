"""programmes/surveys/tokens.py: a survey link's personal tokens are signed with the link's
secret, answer once, and a forged one is told apart."""
import pytest

from models import SurveyLink
from programmes.surveys.tokens import (TokenRefused, ensure_signing_key, make_tokens,
                                       needs_token, token_nonce)


def link(form_key="citizen_survey", token="t" * 22, key=True):
    made = SurveyLink(id=1, token=token, instance_id=1, form_key=form_key)
    if key:
        ensure_signing_key(made)
    return made


def test_tokens_are_fresh_and_signed_by_the_links_own_secret():
    survey = link()
    tokens = make_tokens(survey, 3)
    assert len(set(tokens)) == 3 and all(token_nonce(survey, t) for t in tokens)
    other = link(token="u" * 22)  # another link (its own secret) does not take them
    for token in tokens:
        with pytest.raises(TokenRefused) as refused:
            token_nonce(other, token)
        assert refused.value.reason == "forged"
    assert make_tokens(link(key=False), 3) == []  # no secret, no tokens
    assert len(make_tokens(survey, 10_000)) == 500


@pytest.mark.parametrize("token, reason", [(None, "missing"), ("", "missing"),
                                           ("abc", "forged"), ("A" * 16 + "." + "B" * 22, "forged")])
def test_a_missing_or_forged_token_is_refused(token, reason):
    with pytest.raises(TokenRefused) as refused:
        token_nonce(link(), token)
    assert refused.value.reason == reason


def test_only_survey_links_need_a_token():
    assert needs_token(link("citizen_survey")) and needs_token(link("visitor_survey"))
    assert not needs_token(link("poll_answer"))

