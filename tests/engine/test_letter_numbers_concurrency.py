"""Letter numbers under concurrency (records/letters.py): letters printed at the same moment in
one district get consecutive numbers with no gap and no repeat, and one document printed twice
at once gets one number. Each thread has its own session; a barrier releases them together."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine_support import district_id, user
from models import Letter, LetterCounter, QualityRecord
from records.letters import issue_letter
from test_concurrency import run_together

pytestmark = pytest.mark.committed

DISTINCT, SAME = 4, 2  # four records printed at once, and one of them twice more


def test_letters_printed_at_once_get_consecutive_numbers_and_one_document_one_number(app, db):
    d1, expert_id = district_id(db, "d1"), user(db, "pr_expert_d1").id
    records = [QualityRecord(code="F-__-0-5-01", district_id=d1, data={"subject": f"شکایت {i}"},
                             created_at=datetime(2026, 5, 1, 8), created_by_id=expert_id,
                             retention_until=date(2028, 5, 1)) for i in range(DISTINCT)]
    db.add_all(records)
    db.commit()
    record_ids = [r.id for r in records]
    targets = record_ids + [record_ids[0]] * SAME
    sessions = app.extensions["db_sessions"]

    def work(i, barrier):
        with sessions() as session:
            barrier.wait()  # before any query: on SQLite a transaction holds the write lock
            record, printer = session.get(QualityRecord, targets[i]), user(session, "pr_expert_d1")
            letter = issue_letter(session, "quality_record", printer, record=record)
            session.commit()
            return letter.record_id, letter.serial

    results = run_together(len(targets), work)
    assert not [r for r in results if isinstance(r, BaseException)], results
    by_record = {}
    for record_id, serial in results:
        by_record.setdefault(record_id, set()).add(serial)
    assert all(len(serials) == 1 for serials in by_record.values())  # one number per document
    db.expire_all()
    serials = sorted(db.scalars(select(Letter.serial).where(Letter.district_id == d1)))
    assert serials == list(range(1, DISTINCT + 1))  # no gap, no repeat
    assert db.scalar(select(LetterCounter.last_serial).where(LetterCounter.district_id == d1)) == DISTINCT
