"""Complaints (F-__-0-5-01 follow-up records, the periodic report F-__-0-5-02)."""


def register(engine) -> None:
    """Nothing to add to a step: the register keeps the complaint's follow-up record."""
