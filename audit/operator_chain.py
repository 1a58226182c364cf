"""The city-wide chain of operator actions: its first break, and a digest's record of its head
against the chain now."""
from sqlalchemy import select

from models.audit import OperatorEvent
from models.messages import Message

from engine import list_operator_events, verify_city_chain
from audit.chain_problem import ChainProblem, make_problem, short_hash


def check_city_chain(session) -> list[ChainProblem]:
    """The first break of the city-wide chain of operator actions, if any."""
    events = list_operator_events(session)
    broken = verify_city_chain(events)
    if broken is None:
        return []
    return [make_problem("city", broken, None, Message(
        "Operator action {seq} of the city-wide chain was changed, inserted or deleted after it "
        "was written: its hash or its link to the action before it does not hold.", seq=broken))]


def city_head_problems(session, day, city_seq, city_sha) -> list[ChainProblem]:
    """The city chain's head recorded on a day against the action at that seq now."""
    if not city_seq:
        return []
    now_sha = session.scalar(select(OperatorEvent.sha256).where(OperatorEvent.seq == city_seq))
    if now_sha is None:
        return [make_problem("missing", city_seq, None, Message(
            "Operator action {seq}, the head of the city-wide chain on {day}, no longer exists.",
            seq=city_seq, day=day))]
    if now_sha != city_sha:
        return [make_problem("changed", city_seq, None, Message(
            "Operator action {seq} had hash {then}… on {day} and has {now}… now: the city-wide "
            "chain was rewritten.", seq=city_seq, day=day, then=short_hash(city_sha),
            now=short_hash(now_sha)))]
    return []
