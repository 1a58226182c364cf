"""The 137 centre's SMS and bot doors over HTTP: what arrives becomes a trackable 137 message
whose code goes back on the same channel (through the outbox, to a loopback SMS provider and
Bot API); repeats, wrong secrets, garbage and abusive senders make nothing."""
import pytest

from workcal.jalali import to_persian_digits

from boundary_support import IN_D2, OUTSIDE, upload_boundaries
from channels_support import (BOT_SECRET, CHAT, KAVENEGAR_SECRET, PHONE, SMS_SECRET, doors, inbound_rows,  # noqa: F401
                              instance_of, partner, post_update, requests_by_channel, send_outbox, update)

TEXT = "چراغ‌های خیابان بهار، کوچه ۱۲ از دیشب خاموش است"


def sms(client, message_id="prov-1", sender="+989127654321", text=TEXT, **extra):
    return client.post(f"/channels/sms/{SMS_SECRET}",
                       data={"message_id": message_id, "from": sender, "text": text, **extra})


def test_an_sms_files_a_137_message_and_the_reply_sms_carries_its_tracking_code(app, doors, partner):
    response = sms(doors, received_at="2026-12-06T10:00:00")
    assert response.status_code == 200 and response.json["outcome"] == "filed"
    code = response.json["tracking_code"]
    [filed] = requests_by_channel(app, "sms")
    assert filed.tracking_code == code and filed.contact_phone == PHONE and filed.description == TEXT
    instance = instance_of(app, code)
    assert instance.channel == "sms" and instance.district.code == "d2"  # INTAKE_DEFAULT_DISTRICT
    assert instance.process_key == "citizen_message_137"

    assert partner.sms_to(PHONE) == []  # nothing leaves before the outbox sender runs
    send_outbox(app, partner)
    [reply] = partner.sms_to(PHONE)
    assert code in reply

    # trackable on the portal, like a portal filing: the code and the mobile's last four digits
    followed = doors.post("/p/track", data={"code": code, "check": PHONE[-4:]})
    assert followed.status_code == 303 and code in followed.headers["Location"]


def test_a_status_text_is_answered_by_sms_only_for_the_mobile_that_filed(app, doors, partner):
    code = sms(doors).json["tracking_code"]
    persian_code = to_persian_digits(code)
    asked = sms(doors, "prov-2", text=f"پیگیری {persian_code}")
    assert asked.json["outcome"] == "status"
    other = sms(doors, "prov-3", sender="09350000001", text=f"status {code}")
    assert other.json["outcome"] == "status"
    assert len(requests_by_channel(app, "sms")) == 1  # questions file nothing

    send_outbox(app, partner)
    status = partner.sms_to(PHONE)[-1]
    assert persian_code in status and "در حال رسیدگی" in status
    [refused] = partner.sms_to("09350000001")
    assert "پیدا نشد" in refused and "در حال رسیدگی" not in refused


def test_kavenegar_receive_callback_files_a_message_answered_with_its_code(app, doors, partner):
    response = doors.post(f"/channels/sms/kavenegar/{KAVENEGAR_SECRET}",
                          data={"messageid": "883412", "from": "09127654321", "message": TEXT,
                                "to": "10004346"})
    assert response.status_code == 200 and response.json["outcome"] == "filed"
    code = response.json["tracking_code"]
    assert instance_of(app, code).channel == "sms"
    # the same delivery again (a GET callback with the same messageid) makes nothing new
    again = doors.get(f"/channels/sms/kavenegar/{KAVENEGAR_SECRET}",
                      query_string={"messageid": "883412", "from": "09127654321", "message": TEXT})
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert len(requests_by_channel(app, "sms")) == 1
    send_outbox(app, partner)
    [reply] = partner.sms_to(PHONE)
    assert code in reply


def test_a_repeated_provider_message_id_makes_one_case_and_is_answered_200(app, doors, partner):
    first, second = sms(doors, "dup-7"), sms(doors, "dup-7", text="متن دیگری")
    assert first.json["outcome"] == "filed"
    assert second.status_code == 200 and second.json["outcome"] == "duplicate"
    assert len(requests_by_channel(app, "sms")) == 1
    send_outbox(app, partner)
    assert len(partner.sms_to(PHONE)) == 1  # one code, not two


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_made(app, doors):
    assert doors.post("/channels/sms/not-the-secret", data={"message_id": "x", "from": PHONE,
                                                             "text": TEXT}).status_code == 403
    assert doors.post("/channels/sms/kavenegar/not-the-secret",
                      data={"messageid": "x", "from": PHONE, "message": TEXT}).status_code == 403
    assert post_update(doors, update(1, "/start"), secret="wrong").status_code == 403
    assert doors.post("/channels/bot", json=update(2, "/start")).status_code == 403
    app.config["SMS_IN_SECRET"] = ""  # a door without a secret is closed
    assert doors.post("/channels/sms/", data={"message_id": "x"}).status_code in (403, 404, 405)
    assert sms(doors).status_code == 403
    assert inbound_rows(app) == [] and requests_by_channel(app, "sms") == []


@pytest.mark.parametrize("body", [
    {"data": {"from": PHONE, "text": TEXT}},                                   # no message id
    {"data": {"message_id": "a", "from": "02112345678", "text": TEXT}},       # not a mobile
    {"data": {"message_id": "a", "from": PHONE, "text": "   "}},              # empty text
    {"data": {"message_id": "a" * 101, "from": PHONE, "text": TEXT}},
    {"data": {"message_id": "a", "from": PHONE, "text": TEXT, "received_at": "yesterday"}},
    {"json": ["message_id", "from"]},
    {"data": "{not json", "content_type": "application/json"},
])
def test_a_malformed_sms_is_answered_400_and_makes_nothing(app, doors, body):
    response = doors.post(f"/channels/sms/{SMS_SECRET}", **body)
    assert response.status_code == 400 and response.json["ok"] is False
    assert inbound_rows(app) == []


@pytest.mark.parametrize("body", [
    None, [], "update", {"message": {"text": "hi"}}, {"update_id": "7", "message": {}},
    {"update_id": 7, "message": "text"}, {"update_id": 7, "message": {"chat": {"id": {"x": 1}}}},
    {"update_id": 7, "message": {"chat": {"id": 5}, "text": 12}},
    {"update_id": 7, "message": {"chat": {"id": 5}, "location": {"latitude": "north"}}},
    {"update_id": 7, "message": {"chat": {"id": 5}, "location": {"latitude": 95, "longitude": 1}}},
])
def test_a_malformed_update_is_answered_400_and_makes_nothing(app, doors, body):
    response = doors.post("/channels/bot", data="{oops" if body is None else None,
                          json=body if body is not None else None,
                          content_type=None if body is not None else "application/json",
                          headers={"X-Telegram-Bot-Api-Secret-Token": BOT_SECRET})
    assert response.status_code == 400
    assert inbound_rows(app) == []


def test_kavenegar_without_its_fields_is_answered_400(app, doors):
    response = doors.post(f"/channels/sms/kavenegar/{KAVENEGAR_SECRET}", data={"to": "10004346"})
    assert response.status_code == 400 and set(response.json["errors"]) == {"message_id", "from", "text"}


def test_an_sms_sender_past_the_limit_gets_nothing_filed_while_others_still_do(app, doors, partner):
    app.config["CHANNEL_IN_RATE_LIMIT"] = "2 per hour"
    outcomes = [sms(doors, f"burst-{n}").json["outcome"] for n in range(3)]
    assert outcomes == ["filed", "filed", "rate_limited"]
    assert sms(doors, "other-1", sender="09350000001").json["outcome"] == "filed"
    assert sms(doors, "burst-0").json["outcome"] == "duplicate"  # a repeat is not counted either
    assert len(requests_by_channel(app, "sms")) == 3
    send_outbox(app, partner)
    assert len(partner.sms_to(PHONE)) == 2  # no SMS answers the abuse


def _converse(client, *texts, start_id=100, chat_id=CHAT):
    outcomes = []
    for offset, text in enumerate(texts):
        body = update(start_id + offset, chat_id=chat_id, **(
            {"location": text[1]} if isinstance(text, tuple) else {"text": text}))
        response = post_update(client, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        outcomes.append(response.json)
    return outcomes


def test_a_bot_conversation_files_a_137_message_and_answers_with_its_code(app, doors, partner):
    outcomes = _converse(doors, "/start", "فنی و عمرانی", "منطقه ۱",
                         "آسفالت خیابان شهید بهشتی، روبروی مدرسه، چاله بزرگ دارد")
    assert [o["outcome"] for o in outcomes] == ["asked", "asked", "asked", "filed"]
    code = outcomes[-1]["tracking_code"]
    [filed] = requests_by_channel(app, "bot")
    assert filed.service_code == "technical" and filed.tracking_code == code
    instance = instance_of(app, code)
    assert instance.channel == "messenger" and instance.district.code == "d1"

    send_outbox(app, partner)
    asked_category, asked_district, asked_description, told = partner.bot_to(CHAT)
    assert [row[0]["text"] for row in asked_category["reply_markup"]["keyboard"]] == \
        ["خدماتی", "فنی و عمرانی", "شهرسازی"]
    keyboard = asked_district["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True and ["منطقه ۱"] in [[b["text"] for b in r] for r in keyboard]
    assert "شرح" in asked_description["text"]
    assert to_persian_digits(code) in told["text"] and "کلید پیگیری" in told["text"]
    assert f"/p/track?code={code}" in told["text"]  # the link stays as it is


def test_track_answers_the_status_to_the_chat_that_filed_or_to_one_with_the_key(app, doors, partner):
    filed = _converse(doors, "سلام", "خدماتی", "d2", "زباله‌های کوچه جمع نشده است")[-1]
    code = filed["tracking_code"]
    assert _converse(doors, f"/track {code}", start_id=200)[0]["outcome"] == "status"
    stranger = 99
    _converse(doors, f"/track {code}", start_id=300, chat_id=stranger)
    send_outbox(app, partner)
    key = partner.bot_to(CHAT)[3]["text"].split("کلید پیگیری: ")[1].split("\n")[0]
    status = partner.bot_to(CHAT)[-1]["text"]
    assert to_persian_digits(code) in status and "در حال رسیدگی" in status
    [refused] = partner.bot_to(stranger)
    assert "در حال رسیدگی" not in refused["text"]
    _converse(doors, f"/track {code} {key}", start_id=400, chat_id=stranger)
    send_outbox(app, partner)
    assert "در حال رسیدگی" in partner.bot_to(stranger)[-1]["text"]


def test_cancel_starts_the_conversation_over_and_files_nothing(app, doors, partner):
    outcomes = _converse(doors, "/start", "خدماتی", "/cancel", "متن تازه")
    assert [o["outcome"] for o in outcomes] == ["asked", "asked", "cancelled", "asked"]
    assert requests_by_channel(app, "bot") == []
    send_outbox(app, partner)
    assert "موضوع" in partner.bot_to(CHAT)[-1]["text"]  # asked for the category again


def test_a_shared_location_picks_the_district_by_its_boundary(app, doors, partner):
    upload_boundaries(app)
    outside = (float(OUTSIDE[0]), float(OUTSIDE[1]))
    inside = (float(IN_D2[0]), float(IN_D2[1]))
    outcomes = _converse(doors, "/start", "خدماتی", ("loc", outside), ("loc", inside),
                         "درخت شکسته روی پیاده‌رو افتاده")
    code = outcomes[-1]["tracking_code"]
    [filed] = requests_by_channel(app, "bot")
    assert filed.district_code == "d2" and round(filed.lat, 2) == 34.65
    send_outbox(app, partner)
    assert "محدوده شهر نیست" in partner.bot_to(CHAT)[2]["text"]
    assert code


def test_a_repeated_update_id_is_ignored(app, doors, partner):
    _converse(doors, "/start", "خدماتی", "منطقه ۱")
    first = post_update(doors, update(500, "گودال عمیق در خیابان"))
    again = post_update(doors, update(500, "گودال عمیق در خیابان"))
    assert first.json["outcome"] == "filed"
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert len(requests_by_channel(app, "bot")) == 1


def test_a_chat_past_the_limit_is_told_politely_and_nothing_is_filed(app, doors, partner):
    app.config["CHANNEL_IN_RATE_LIMIT"] = "3 per hour"
    outcomes = _converse(doors, "/start", "خدماتی", "منطقه ۱", "متن پیام")
    assert [o["outcome"] for o in outcomes] == ["asked", "asked", "asked", "rate_limited"]
    assert requests_by_channel(app, "bot") == []
    assert _converse(doors, "/start", start_id=900, chat_id=77)[0]["outcome"] == "asked"  # another chat
    send_outbox(app, partner)
    assert "بیش از حد مجاز" in partner.bot_to(CHAT)[-1]["text"]


def test_an_update_without_a_message_is_answered_200_and_ignored(app, doors):
    response = post_update(doors, {"update_id": 9, "edited_message": {"chat": {"id": 1}, "text": "x"}})
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


def test_a_message_that_only_begins_like_a_question_is_filed_as_a_message(app, doors):
    response = sms(doors, "q-1", text="پیگیری کنید لطفاً، جوی آب خیابان بهار گرفته است")
    assert response.json["outcome"] == "filed"
    assert sms(doors, "q-2", text="statusquo").json["outcome"] == "filed"
    assert sms(doors, "q-3", text="پیگیری").json["outcome"] == "status"  # told how to ask


def test_a_bot_answer_the_bot_api_refuses_stays_in_the_outbox_for_a_retry(app, doors, partner):
    from sqlalchemy import select
    from models.notifications import OutboxMessage
    partner.answer = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    _converse(doors, "/start")
    send_outbox(app, partner)
    assert len(partner.bot_to(CHAT)) == 1  # it was tried
    session = app.extensions["db_sessions"]()
    [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "bot")).all()
    assert row.status == "pending" and row.attempts == 1 and "blocked" in row.last_error
    session.close()
