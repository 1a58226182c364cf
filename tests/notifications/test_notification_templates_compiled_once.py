"""A notice template is compiled once per text, then only rendered (every step that opens a task
renders the staff's notices: compiling was a third of a timer's firing, bench/README.md 4b)."""
from notifications.outbox import _compiled, render_notification

CONTEXT = {"tracking_code": "1404-000123", "track_url": "https://city.example/track"}


def test_rendering_a_template_again_compiles_nothing_and_gives_the_same_text():
    first = render_notification("tracking_code_issued", "sms", CONTEXT)
    misses = _compiled.cache_info().misses
    second = render_notification("tracking_code_issued", "sms", CONTEXT)
    assert second == first
    assert _compiled.cache_info().misses == misses


def test_an_edited_template_text_is_compiled_anew():
    assert _compiled("{{ a }} one").render(a="x") == "x one"
    assert _compiled("{{ a }} two").render(a="x") == "x two"
