"""137 messages by a messenger bot: Telegram Bot API updates (Bale follows the same format).

A short conversation per chat (bot_conversations): the category (a reply keyboard of the 137
categories), the district (a keyboard of districts, or a shared location placed by the uploaded
boundaries), the description; then the message is filed through requests.file_request with
channel "bot" (137 channel "messenger") and the chat is told its tracking code and follow-up
key. "/track CODE" answers the status of a request filed from this chat ("/track CODE KEY"
with the follow-up key or the phone's last four digits for any other); "/cancel" starts over.
Every answer is a sendMessage call queued in the outbox (notifications.queue_bot_message) and
sent after commit by the "bot" transport, so a rolled-back update tells the chat nothing.
"""
from dataclasses import dataclass

from sqlalchemy import select

from models import District
from models.errors import InvalidData
from models.intake import BotConversation, InboundMessage
from notifications.outbox import queue_bot_message

from programmes.citizens import boundaries
from programmes.citizens.intake import (MESSAGE_SERVICES, TEXT_RATE_LIMITED, UNKNOWN_PLACE, Delivery,
                                        default_district, fa, followed_request, record_delivery,
                                        sender_token, status_text, track_command)
from programmes.citizens.notices import track_url
from programmes.citizens.requests import DESCRIPTION_MAX_CHARS, file_request, passes_follow_check

TEXT_ASK_CATEGORY = "به سامانه ۱۳۷ شهرداری خوش آمدید. موضوع پیام خود را از فهرست انتخاب کنید:"
TEXT_ASK_DISTRICT = "منطقه شهرداری محل موضوع را انتخاب کنید، یا موقعیت مکانی آن را بفرستید:"
TEXT_ASK_DESCRIPTION = "شرح پیام خود را بنویسید (نشانی دقیق محل را هم بنویسید):"
TEXT_BAD_CATEGORY = "این موضوع در فهرست نیست. لطفاً یکی از موضوع‌های فهرست را انتخاب کنید."
TEXT_BAD_DISTRICT = "این منطقه شناخته نشد. لطفاً یکی از منطقه‌های فهرست را انتخاب کنید."
TEXT_OUTSIDE = "این موقعیت در محدوده شهر نیست. منطقه را از فهرست انتخاب کنید."
TEXT_NO_BOUNDARIES = "موقعیت شما ثبت شد. منطقه شهرداری آن را هم از فهرست انتخاب کنید."
TEXT_TEXT_ONLY = "لطفاً پاسخ را به صورت متن بفرستید."
TEXT_CANCELLED = "گفتگو لغو شد. برای ثبت پیام تازه، هر متنی بفرستید."
TEXT_FILED = ("پیام شما با کد رهگیری {code} ثبت شد.\nکلید پیگیری: {key}\n"
              "برای پیگیری در همین گفتگو بفرستید: /track {code}\nیا در درگاه: {url}")
TEXT_NOT_VALID = "پیام ثبت نشد: {problems} لطفاً دوباره بفرستید."
TEXT_TRACK_USAGE = "برای پیگیری، کد رهگیری را پس از /track بنویسید؛ مانند: /track ۱۳۷-۰۵۰۹۱۵-ABCDEF"
TEXT_TRACK_NOT_FOUND = ("پیامی با کد رهگیری {code} در این گفتگو ثبت نشده است. اگر آن را از راه "
                        "دیگری ثبت کرده‌اید، کلید پیگیری یا چهار رقم آخر تلفن همراه را هم بفرستید: "
                        "/track کد کلید")
SHARE_LOCATION = "ارسال موقعیت مکانی"
CHAT_ID_MAX_CHARS = 40
_REMOVE_KEYBOARD = {"remove_keyboard": True}


@dataclass(frozen=True)
class BotOutcome:
    """What an update did: duplicate | ignored | rate_limited | asked | status | cancelled | filed."""
    outcome: str
    tracking_code: str | None = None
    instance_id: int | None = None  # of the message filed


@dataclass(frozen=True)
class _Update:
    update_id: str
    chat_id: str | None  # None: an update without a message (an edit, a callback): ignored
    text: str | None
    location: tuple[float, float] | None


def _parse(update) -> _Update:
    """The parts of an Update this bot reads; InvalidData for anything that is not one."""
    bad = InvalidData("The update is not valid.", {"update": "A Bot API Update object is expected."})
    if not isinstance(update, dict) or isinstance(update.get("update_id"), bool) \
            or not isinstance(update.get("update_id"), int):
        raise bad
    message = update.get("message")
    if message is None:
        return _Update(str(update["update_id"]), None, None, None)
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if isinstance(chat_id, bool) or not isinstance(chat_id, (int, str)) or not str(chat_id).strip() \
            or len(str(chat_id)) > CHAT_ID_MAX_CHARS:
        raise bad
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        raise bad
    location, place = None, message.get("location")
    if place is not None:
        try:
            lat, lon = float(place["latitude"]), float(place["longitude"])
        except (TypeError, KeyError, ValueError):
            raise bad from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad
        location = (lat, lon)
    return _Update(str(update["update_id"]), str(chat_id).strip(), (text or "").strip() or None, location)


def receive_update(session, update, within_limit, district_code: str | None = None) -> BotOutcome:
    """Take one Bot API update: a step of the filing conversation, /track, /cancel. A repeated
    update_id does nothing; a chat past its limit is told so and nothing is filed."""
    parsed = _parse(update)
    if parsed.chat_id is None:
        return BotOutcome("ignored")
    row = record_delivery(session, Delivery("bot", parsed.update_id, parsed.chat_id), "received")
    if row is None:
        return BotOutcome("duplicate")
    if not within_limit(row.sender):
        row.outcome = "rate_limited"
        _say(session, parsed.chat_id, TEXT_RATE_LIMITED)
        return BotOutcome("rate_limited")
    outcome = _converse(session, parsed, district_code)
    row.outcome = outcome.outcome if outcome.outcome in ("status", "filed") else "conversation"
    row.instance_id = outcome.instance_id  # what /track of this chat may show later
    return outcome


def _say(session, chat_id: str, text: str, markup: dict | None = None, instance_id=None) -> None:
    queue_bot_message(session, chat_id, text, markup or _REMOVE_KEYBOARD, instance_id)


def _conversation(session, chat_id: str) -> BotConversation:
    conversation = session.scalars(select(BotConversation).where(
        BotConversation.chat_id == chat_id)).first()
    if conversation is None:
        conversation = BotConversation(chat_id=chat_id, step="idle")
        session.add(conversation)
    return conversation


def _reset(conversation: BotConversation, step: str = "idle") -> None:
    conversation.step = step
    conversation.service_code = conversation.district_code = None
    conversation.lat = conversation.lon = None


def _keyboard(labels: list[str], location: bool = False) -> dict:
    rows = [[{"text": label}] for label in labels]
    if location:
        rows.insert(0, [{"text": SHARE_LOCATION, "request_location": True}])
    return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}


def _districts(session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.code)))


def _ask_category(session, chat_id: str) -> BotOutcome:
    _say(session, chat_id, TEXT_ASK_CATEGORY, _keyboard([s.name_fa for s in MESSAGE_SERVICES]))
    return BotOutcome("asked")


def _ask_district(session, chat_id: str, text: str = TEXT_ASK_DISTRICT) -> BotOutcome:
    _say(session, chat_id, text, _keyboard([d.name_fa for d in _districts(session)], location=True))
    return BotOutcome("asked")


def _converse(session, update: _Update, district_code: str | None) -> BotOutcome:
    chat_id, text = update.chat_id, update.text or ""
    command = text.split(maxsplit=1)[0].split("@")[0].lower() if text else ""
    conversation = _conversation(session, chat_id)
    if command == "/cancel":
        _reset(conversation)
        _say(session, chat_id, TEXT_CANCELLED)
        return BotOutcome("cancelled")
    words = track_command(text) if text.startswith("/") else None
    if words is not None:
        return _track(session, chat_id, words)
    if command in ("/start", "/new") or conversation.step == "idle":
        _reset(conversation, "category")
        return _ask_category(session, chat_id)
    if conversation.step == "category":
        service = next((s for s in MESSAGE_SERVICES if text in (s.name_fa, s.code)), None)
        if service is None:
            _say(session, chat_id, TEXT_BAD_CATEGORY, _keyboard([s.name_fa for s in MESSAGE_SERVICES]))
            return BotOutcome("asked")
        conversation.service_code, conversation.step = service.code, "district"
        return _ask_district(session, chat_id)
    if conversation.step == "district":
        return _take_district(session, conversation, update)
    if not text:  # the description step
        _say(session, chat_id, TEXT_TEXT_ONLY)
        return BotOutcome("asked")
    return _file(session, conversation, text, district_code)


def _take_district(session, conversation: BotConversation, update: _Update) -> BotOutcome:
    chat_id = conversation.chat_id
    if update.location is not None:
        lat, lon = update.location
        if boundaries.boundaries_exist(session):
            district = boundaries.district_at(session, lat, lon)
            if district is None:
                return _ask_district(session, chat_id, TEXT_OUTSIDE)
            conversation.lat, conversation.lon, conversation.district_code = lat, lon, district.code
        else:  # no map of the districts: keep the point, the citizen names the district
            conversation.lat, conversation.lon = lat, lon
            return _ask_district(session, chat_id, TEXT_NO_BOUNDARIES)
    else:
        district = next((d for d in _districts(session)
                         if update.text in (d.name_fa, d.code, d.name_en)), None)
        if district is None:
            return _ask_district(session, chat_id, TEXT_BAD_DISTRICT)
        conversation.district_code = district.code
    conversation.step = "description"
    _say(session, chat_id, TEXT_ASK_DESCRIPTION)
    return BotOutcome("asked")


def _file(session, conversation: BotConversation, text: str, district_code: str | None) -> BotOutcome:
    chat_id = conversation.chat_id
    district = conversation.district_code or getattr(default_district(session, district_code), "code", "")
    fields = {"service_code": conversation.service_code, "description": text[:DESCRIPTION_MAX_CHARS],
              "address": None if conversation.lat is not None else UNKNOWN_PLACE,
              "lat": conversation.lat, "lon": conversation.lon}
    try:
        request, follow_key = file_request(session, fields, district, channel="bot")
    except InvalidData as exc:
        _reset(conversation)
        _say(session, chat_id, TEXT_NOT_VALID.format(problems=" ".join(
            _PROBLEMS.get(field, _PROBLEMS["description"]) for field in exc.details)))
        return BotOutcome("asked")
    _reset(conversation)
    code = request.tracking_code
    # Persian digits for the citizen to read (typed back, they are read as Latin); the link as is.
    _say(session, chat_id, TEXT_FILED.format(code=fa(code), key=fa(follow_key), url=track_url(session, code)),
         instance_id=request.instance_id)
    return BotOutcome("filed", code, request.instance_id)


# A field file_request refused, in the citizen's words (the bot then starts over).
_PROBLEMS = {"service_code": "موضوع انتخاب‌شده معتبر نیست.", "description": "شرح پیام معتبر نیست.",
             "location": "موقعیت در محدوده شهر نیست.", "district": "منطقه معتبر نیست.",
             "address": "نشانی معتبر نیست."}


def _track(session, chat_id: str, words: list[str]) -> BotOutcome:
    if not words:
        _say(session, chat_id, TEXT_TRACK_USAGE)
        return BotOutcome("status")
    key = words[1] if len(words) > 1 else None

    def allowed(request) -> bool:
        if key is not None and passes_follow_check(request, key):
            return True
        return session.scalar(select(InboundMessage.id).where(
            InboundMessage.door == "bot", InboundMessage.sender == sender_token(session, chat_id),
            InboundMessage.instance_id == request.instance_id).limit(1)) is not None
    request = followed_request(session, words[0], allowed)
    if request is None:
        _say(session, chat_id, TEXT_TRACK_NOT_FOUND.format(code=fa(words[0])))
        return BotOutcome("status")
    _say(session, chat_id, status_text(session, request), instance_id=request.instance_id)
    return BotOutcome("status", request.tracking_code)
