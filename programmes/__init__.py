"""The city's procedures, one package each. Each plugs into the engine through its
`register(engine)`; create_app calls register_all once."""
from importlib import import_module

# In this order: a later programme's hooks run after an earlier one's (records first, so that
# a task's event names its record; the citizens' notices after every write of the step;
# the staff notifications after them, so they see the managers' escalation e-mail; the
# webhooks last, once every row of the step is written).
PROGRAMMES = ("records", "programmes.surveys", "programmes.messages137", "programmes.mardom_salam",
              "programmes.drafts", "programmes.complaints", "programmes.citizens", "programmes.staff",
              "programmes.integrations")


def build_city_engine(settings=None):
    """An Engine from the settings (defaults for missing keys) with every programme registered:
    what create_app builds, for tools and benchmarks that make their own sessions."""
    from engine import build_engine
    engine = build_engine(settings or {})
    register_all(engine)
    return engine


def register_all(engine) -> None:
    """Register the quality-records register and every programme on an engine."""
    for name in PROGRAMMES:
        import_module(name).register(engine)
