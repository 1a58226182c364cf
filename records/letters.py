"""Official letters printed from a case: the formal answer to a complainant, the rebuttal
letter to the press, the press invitation, a quality record.

Each letter gets its number once, when it is first printed: `<district code>/<Solar Hijri
year>/<n>`, n from one sequence per district and year (the row of `letter_counters`, locked and
incremented in the transaction that stores the letter, so numbers have no gaps and never
repeat); printing it again shows the same number. What a letter says is read from the case
when it is printed (the form fields of the task that produced it); its template is
app/templates/letters/<kind>.html.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import District, Instance, Letter, LetterCounter, QualityRecord, utcnow
from models.errors import Forbidden, NotFound
from people.access import can_view_instance, can_view_record
from people.permissions import may
from workcal import jalali
from workcal.store import zone_of

# Ids are 32-bit in the database: a larger one in a URL names nothing (and would overflow).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class LetterKind:
    kind: str
    title_en: str           # translated by the page (msgid)
    process_key: str | None  # the process whose case it is printed from (None: a record)
    text_field: str | None   # the case field the letter's text is; no letter before it is filled
    source_form: str | None  # the form whose completion produced that text


KINDS = {
    "complaint_answer": LetterKind("complaint_answer", "Formal answer to the complainant",
                                   "complaints", "answer_text", "complaint_examination"),
    "press_rebuttal": LetterKind("press_rebuttal", "Rebuttal letter to the press", "news",
                                 "correct_text", "press_rebuttal"),
    "press_invitation": LetterKind("press_invitation", "Press conference invitation",
                                   "press_conference", "invitation_text", "press_invitation"),
    "quality_record": LetterKind("quality_record", "Quality record", None, None, None),
}


# The forms that name the letter of their case in a field `letter_number` -> that letter's kind.
# Once the letter is printed its number fills the field, read-only (engine hooks shown_data,
# registered by records.register); before, a clerk types the number of a letter sent on paper.
NUMBERED_FORMS = {"complaint_announcement": "complaint_answer", "press_rebuttal": "press_rebuttal"}
NUMBER_FIELD = "letter_number"


def issued_letter_number(session, task) -> dict:
    """{letter_number: the number issued for the letter of the task's case} for a task of a
    NUMBERED_FORMS form, or {} while that letter has not been printed."""
    kind = NUMBERED_FORMS.get(task.form_key or "")
    letter = find_letter(session, kind, instance=task.instance) if kind else None
    return {NUMBER_FIELD: letter.number} if letter is not None else {}


def letter_kinds_of(instance: Instance) -> list[LetterKind]:
    """The letters an instance's case can be printed as now (its text is filled in)."""
    data = instance.data or {}
    return [kind for kind in KINDS.values() if kind.process_key == instance.process_key
            and str(data.get(kind.text_field) or "").strip()]


def _source(kind: LetterKind, instance: Instance | None, record: QualityRecord | None) -> str:
    return f"record:{record.id}" if kind.process_key is None else f"instance:{instance.id}"


def find_letter(session, kind: str, instance: Instance | None = None,
                record: QualityRecord | None = None) -> Letter | None:
    """The letter already issued for this case (or record), or None."""
    letter_kind = KINDS[kind]
    return session.scalars(select(Letter).where(
        Letter.kind == kind, Letter.source == _source(letter_kind, instance, record))).first()


def may_see_record(user, record: QualityRecord) -> bool:
    """The records list's rule (people.access.can_view_record)."""
    return can_view_record(user, record)


def check_letter_access(user, kind: str, instance: Instance | None = None,
                        record: QualityRecord | None = None, issuing: bool = False) -> None:
    """Forbidden unless the user may see the case (the instance or record rule) and, to give a
    number, holds issue_letters in its district; NotFound if the case has no such letter."""
    letter_kind = KINDS.get(kind)
    if letter_kind is None:
        raise NotFound("There is no letter of this kind.")
    if letter_kind.process_key is None:
        if record is None or not may_see_record(user, record):
            raise NotFound("There is no letter of this kind.")
        district_id = record.district_id
    else:
        if instance is None or letter_kind not in letter_kinds_of(instance):
            raise NotFound("There is no letter of this kind.")
        if not can_view_instance(user, instance):
            raise Forbidden("You may not see this case.")
        district_id = instance.district_id
    if issuing and not may(user, "issue_letters", district_id):
        raise Forbidden("You may not issue letters in this district.")


def issue_letter(session, kind: str, user, instance: Instance | None = None,
                 record: QualityRecord | None = None) -> Letter:
    """The letter of this case with its number: the one issued before, or a new one numbered
    from the district's sequence of this Solar Hijri year. Flushes."""
    existing = find_letter(session, kind, instance, record)
    if existing is not None:
        check_letter_access(user, kind, instance, record)
        return existing
    check_letter_access(user, kind, instance, record, issuing=True)
    district_id = record.district_id if record is not None else instance.district_id
    if district_id is None:
        raise NotFound("There is no letter of this kind.")
    now = utcnow()
    year = jalali.solar_parts(jalali.local_date(now, zone_of(session)))[0]
    counter = _locked_counter(session, district_id, year)
    # Another request may have issued it while this one waited for the counter's lock.
    existing = find_letter(session, kind, instance, record)
    if existing is not None:
        return existing
    counter.last_serial += 1
    district_code = (instance.district.code if instance is not None
                     else _district_code(session, district_id))
    letter = Letter(kind=kind, source=_source(KINDS[kind], instance, record),
                    instance_id=instance.id if instance is not None else record.instance_id,
                    record_id=record.id if record is not None else None, district_id=district_id,
                    year=year, serial=counter.last_serial,
                    number=f"{district_code}/{year}/{counter.last_serial}", issued_at=now,
                    issued_by_id=user.id)
    session.add(letter)
    session.flush()
    return letter


def _district_code(session, district_id: int) -> str:
    return session.get(District, district_id).code


def _locked_counter(session, district_id: int, year: int) -> LetterCounter:
    """The counter row of a district and year, created if missing, locked until the end of the
    transaction (FOR UPDATE on PostgreSQL; SQLite's write transactions are serial anyway)."""
    query = (select(LetterCounter).where(LetterCounter.district_id == district_id,
                                         LetterCounter.year == year)
             .with_for_update().execution_options(populate_existing=True))
    counter = session.scalars(query).first()
    if counter is not None:
        return counter
    try:
        with session.begin_nested():  # two first letters of a year: one insert wins
            session.add(LetterCounter(district_id=district_id, year=year, last_serial=0))
    except IntegrityError:
        pass
    return session.scalars(query).one()


def get_letter(session, user, letter_id: int) -> Letter:
    """An issued letter the user may see: NotFound if absent, Forbidden if not the user's case."""
    letter = session.get(Letter, letter_id) if 0 < letter_id <= MAX_ID else None
    if letter is None:
        raise NotFound("There is no letter of this kind.")
    if letter.record_id is not None:
        record = session.get(QualityRecord, letter.record_id)
        if record is None or not may_see_record(user, record):
            raise NotFound("There is no letter of this kind.")
    else:
        instance = session.get(Instance, letter.instance_id)
        if instance is None:
            raise NotFound("There is no letter of this kind.")
        if not can_view_instance(user, instance):
            raise Forbidden("You may not see this case.")
    return letter
