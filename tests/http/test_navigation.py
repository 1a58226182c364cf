"""The navigation bar shows a link that needs a permission (people.permissions) exactly to the
users who have it, and each such link it shows opens."""
import re

import pytest

# The links of base.html that need a permission: label -> (URL, page refused to the others).
# The calendar page is open to everyone; its link is for those who edit it.
GATED = {"calendar": ("/calendar", False), "studio": ("/studio/", True), "forms": ("/forms/", True),
         "audit": ("/audit/integrity", True), "api_keys": ("/admin/api-keys", True)}


def nav_links(html: str) -> set[str]:
    nav = html[html.index("<nav"):html.index("</nav>")]
    return set(re.findall(r'class="nav-link" href="([^"]+)"', nav))


@pytest.mark.parametrize("username, shown", [
    ("process_owner", {"calendar", "studio", "forms"}),
    ("auditor", {"studio", "audit"}),
    ("admin", {"calendar", "studio", "forms", "audit", "api_keys"}),
    ("central_pr", set()),
    ("pr_expert_d1", set()),
    ("complaints_expert_d2", set()),
])
def test_the_navigation_shows_exactly_the_links_the_user_may_use(login, username, shown):
    browser = login(username)
    links = nav_links(browser.get("/").get_data(as_text=True))
    assert {name for name, (url, _) in GATED.items() if url in links} == shown
    assert "/" in links  # the inbox, like the other ungated links, is everyone's
    for name, (url, refused_to_others) in GATED.items():
        status = browser.get(url).status_code
        if name in shown:
            assert status == 200, (name, status)
        elif refused_to_others:
            assert status == 403, (name, status)
