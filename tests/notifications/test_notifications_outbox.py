"""The outbox: queued in the caller's transaction, rendered once, traceable to its instance."""
import pytest
from sqlalchemy import func, select

from models import District, Instance
from notifications import (OutboxMessage, list_for_instance, queue_notification,
                           render_notification)

TRACKING = {"tracking_code": "K7QX-29PA", "track_url": "https://137.example.ir/t/K7QX29PA",
            "follow_key": "mq4-8zt-2kx", "district_name": "منطقه ۱"}


def count_rows(session_factory) -> int:
    session = session_factory()
    try:
        return session.scalar(select(func.count()).select_from(OutboxMessage))
    finally:
        session.close()


def test_a_queued_message_is_pending_due_now_and_keeps_its_rendered_text(db, frozen_clock):
    message = queue_notification(db, "tracking_code_issued", "email", "citizen@example.ir", TRACKING)
    db.commit()

    stored = db.get(OutboxMessage, message.id)
    assert (stored.status, stored.attempts) == ("pending", 0)
    assert stored.next_attempt_at == stored.created_at == frozen_clock.utcnow()
    assert stored.subject == "ثبت پیام شما در سامانه ۱۳۷ — کد رهگیری K7QX-29PA"
    assert "K7QX-29PA" in stored.body and "mq4-8zt-2kx" in stored.body
    assert "https://137.example.ir/t/K7QX29PA" in stored.body
    assert stored.body.endswith("سامانه ارتباط مردمی ۱۳۷ شهرداری")


def test_queue_rolls_back_with_the_transaction(db, sessions):
    queue_notification(db, "satisfaction_check", "sms", "09121234567",
                       {"tracking_code": "K7QX-29PA", "satisfaction_url": "https://x.ir/s/1"})
    db.flush()  # written, inside the caller's transaction
    db.rollback()
    assert count_rows(sessions) == 0


def test_queue_commits_with_the_callers_transaction(db, sessions):
    queue_notification(db, "satisfaction_check", "sms", "09121234567",
                       {"tracking_code": "K7QX-29PA", "satisfaction_url": "https://x.ir/s/1"})
    db.commit()
    assert count_rows(sessions) == 1


def test_unknown_template_is_refused(db):
    with pytest.raises(ValueError, match="unknown notification template"):
        queue_notification(db, "no_such_template", "sms", "09121234567", {})
    with pytest.raises(ValueError, match="unknown notification channel"):
        queue_notification(db, "tracking_code_issued", "fax", "09121234567", TRACKING)
    with pytest.raises(ValueError, match="recipient"):
        queue_notification(db, "tracking_code_issued", "sms", "  ", TRACKING)
    with pytest.raises(ValueError, match="track_url"):
        queue_notification(db, "tracking_code_issued", "sms", "09121234567",
                           {"tracking_code": "K7QX-29PA"})
    assert len(db.new) == 0


def test_the_follow_key_is_only_mentioned_when_there_is_one():
    _, with_key = render_notification("tracking_code_issued", "sms", TRACKING)
    _, without_key = render_notification("tracking_code_issued", "sms",
                                         {"tracking_code": "K7QX-29PA",
                                          "track_url": "https://137.example.ir/t/K7QX29PA"})
    assert "کلید پیگیری: mq4-8zt-2kx" in with_key
    assert "کلید" not in without_key and "None" not in without_key
    # Two Persian (UCS-2) SMS parts hold 134 characters.
    assert len(without_key) <= 134


def test_an_sms_carries_a_shortened_answer_and_an_email_the_whole_answer():
    answer = "پاسخ واحد اجرایی: " + "آسفالت خیابان در هفته آینده ترمیم می‌شود. " * 20
    context = {"tracking_code": "K7QX-29PA", "track_url": "https://137.example.ir/t/K7QX29PA",
               "answer_text": answer}
    subject, sms = render_notification("answer_ready", "sms", context)
    _, email = render_notification("answer_ready", "email", context)

    assert subject is None
    answer_line = sms.splitlines()[1]
    assert answer_line.endswith("…") and len(answer_line) <= 160
    assert answer.strip() in email
    assert "https://137.example.ir/t/K7QX29PA" in sms


def test_the_escalation_email_writes_its_hours_in_persian_digits_and_keeps_the_code_latin():
    subject, body = render_notification("escalation_to_manager", "email", {
        "tracking_code": "AB12-CD34", "instance_title": "چاله در خیابان امام",
        "district_name": "منطقه ۲", "task_url": "https://137.example.ir/tasks/58",
        "hours_without_reply": 26})
    assert subject == "پیام بی‌پاسخ AB12-CD34 — ۲۶ ساعت"
    assert "۲۶ ساعت" in body and "AB12-CD34" in body
    assert "https://137.example.ir/tasks/58" in body  # the URL keeps its Latin digits


def test_messages_are_listed_per_instance_and_go_with_their_instance(db, complaints):
    district = db.scalar(select(District).order_by(District.id))
    instances = [Instance(process_version_id=complaints.id, process_key=complaints.process_key,
                          district_id=district.id, title=f"پیام {n}", state_json="{}")
                 for n in (1, 2)]
    db.add_all(instances)
    db.flush()
    first, second = instances
    context = {"tracking_code": "K7QX-29PA", "satisfaction_url": "https://x.ir/s/1"}
    for recipient in ("09120000001", "09120000002"):
        queue_notification(db, "satisfaction_check", "sms", recipient, context, instance_id=first.id)
    queue_notification(db, "satisfaction_check", "sms", "09120000003", context, instance_id=second.id)
    db.commit()

    assert [m.recipient for m in list_for_instance(db, first.id)] == ["09120000001", "09120000002"]
    db.delete(first)
    db.commit()
    assert db.scalars(select(OutboxMessage.recipient)).all() == ["09120000003"]
