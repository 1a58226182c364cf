"""Demo work in progress: instances of every procedure of processes/, driven through the engine
as the demo users, so that each of them finds real work on first login (`flask setup`).

Each case is run step by step "in the past" on the clock of this context only
(models.clock.context_moments): a complaint registered twelve working days ago is registered
at that moment, and its deadline timer fires through the engine's timer API once the clock has
passed it, so due dates, escalations and the event chains are what the real steps would have
left. Moments are counted back from now on the district's working calendar, so the demo looks
the same whatever the day: some tasks due today, some overdue, a 137 message escalated.

Idempotent: a case whose instance (by process and title), meeting (by date) or draft (by
title) exists is skipped, so `make run` twice adds nothing.
"""
from sqlalchemy import select

from models import ProcessVersion, clock
from programmes.mardom_salam.schedule import DEFAULT_FIRST_DATE, DEFAULT_TIME

from .demo_cases_citizens import (load_citizen_survey, load_complaints, load_messages_137,
                                  load_opinion_poll, load_public_meetings)
from .demo_cases_pr import (load_council, load_draft_regulation, load_mardom_salam, load_news,
                            load_press_conference, load_website_update)
from .demo_driver import DemoWork


# ==================================================================== entry point

# Each procedure's cases, and the processes they need deployed.
_LOADERS = (
    (load_messages_137, ("citizen_message_137",)),
    (load_complaints, ("complaints",)),
    (load_citizen_survey, ("citizen_survey",)),
    (load_opinion_poll, ("opinion_poll",)),
    (load_public_meetings, ("public_meetings",)),
    (load_website_update, ("website_update",)),
    (load_press_conference, ("press_conference",)),
    (load_news, ("news",)),
    (load_draft_regulation, ("draft_regulation",)),
    (load_mardom_salam, ("mardom_salam", "citizen_message_137")),
    (load_council, ("mardom_salam_council",)),
)


def load_demo_work(session, first_date: str = DEFAULT_FIRST_DATE,
                   time_of_day: str = DEFAULT_TIME) -> int:
    """Put work in progress into every procedure as the demo users; return how many cases were
    created (0 when they all exist). Needs the demo users; a procedure whose process is not
    deployed gets none. first_date, time_of_day: the Mardom Salam series
    (MARDOM_SALAM_FIRST_DATE, MARDOM_SALAM_TIME)."""
    deployed = set(session.scalars(select(ProcessVersion.process_key).distinct()))
    with clock.context_moments() as set_moment:
        demo = DemoWork(session, set_moment, clock.utcnow(), first_date, time_of_day)
        for load, needs in _LOADERS:
            if deployed.issuperset(needs):
                load(demo)
        if demo.cases:
            # What fell due by now fires as the scheduler would on its first tick: the 137
            # escalations, the complaint and Mardom Salam deadlines.
            demo.at(demo.now)
    session.flush()
    return demo.cases
