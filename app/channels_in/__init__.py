"""The 137 centre's SMS and messenger-bot doors: webhooks a provider or the Bot API calls.

  POST       /channels/sms/<secret>            sms_in        (neutral: message_id, from, text,
                                                              received_at; form or JSON)
  GET, POST  /channels/sms/kavenegar/<secret>  kavenegar_in  (messageid, from, message, to)
  POST       /channels/bot                     bot_in        (a Bot API Update; header
                                                              X-Telegram-Bot-Api-Secret-Token)

Each door is closed (403) while its secret (SMS_IN_SECRET, KAVENEGAR_IN_SECRET,
BOT_WEBHOOK_SECRET) is empty, and a wrong secret gets 403 with nothing read. No cookie, no CSRF
token: the secret is the authentication. A malformed body gets 400; everything else 200, also a
repeated delivery (which does nothing) and a sender past CHANNEL_IN_RATE_LIMIT, counted per door
and sender (mobile number, chat id) in Flask-Limiter's storage, so providers do not retry.
The work is programmes/citizens/intake_sms.py and intake_bot.py; answers leave by the outbox.
"""
import hmac

from flask import Blueprint, current_app, jsonify, request
from limits import parse_many

from models.errors import InvalidData
from programmes.citizens.intake_bot import receive_update
from programmes.citizens.intake_sms import receive_sms, sms_from_fields, sms_from_kavenegar

from ..db import db_session
from ..extensions import limiter

bp = Blueprint("channels_in", __name__, url_prefix="/channels")


def _secret_matches(setting: str, given: str | None) -> bool:
    expected = current_app.config[setting] or ""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _refused():
    return jsonify(ok=False, error="forbidden"), 403


def _invalid(exc: InvalidData):
    return jsonify(ok=False, error=exc.message, errors=exc.details), 400


def within_limit(door: str):
    """A check counting one message of a sender (its token) at this door (CHANNEL_IN_RATE_LIMIT)."""
    def check(sender: str) -> bool:
        if not current_app.config["RATELIMIT_ENABLED"]:
            return True
        prefix = current_app.config["RATELIMIT_KEY_PREFIX"] or ""
        return all(limiter.limiter.hit(item, prefix, "channels_in", door, sender)
                   for item in parse_many(current_app.config["CHANNEL_IN_RATE_LIMIT"]))
    return check


def _sms(door: str, parse, fields):
    try:
        sms = parse(fields)
        outcome = receive_sms(db_session(), door, sms, within_limit(door),
                              current_app.config["INTAKE_DEFAULT_DISTRICT"],
                              current_app.config["INTAKE_SMS_SERVICE"])
    except InvalidData as exc:
        return _invalid(exc)
    return jsonify(ok=True, outcome=outcome.outcome, tracking_code=outcome.tracking_code)


@bp.route("/sms/<secret>", methods=["POST"])
def sms_in(secret):
    if not _secret_matches("SMS_IN_SECRET", secret):
        return _refused()
    # sms_from_fields refuses what is not an object (a JSON list, a malformed body: None)
    return _sms("sms", sms_from_fields, request.get_json(silent=True) if request.is_json else request.form.to_dict())


@bp.route("/sms/kavenegar/<secret>", methods=["GET", "POST"])
def kavenegar_in(secret):
    if not _secret_matches("KAVENEGAR_IN_SECRET", secret):
        return _refused()
    return _sms("kavenegar", sms_from_kavenegar, request.values.to_dict())


@bp.route("/bot", methods=["POST"])
def bot_in():
    if not _secret_matches("BOT_WEBHOOK_SECRET", request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        return _refused()
    try:
        outcome = receive_update(db_session(), request.get_json(silent=True), within_limit("bot"),
                                 current_app.config["INTAKE_DEFAULT_DISTRICT"])
    except InvalidData as exc:
        return _invalid(exc)
    return jsonify(ok=True, outcome=outcome.outcome, tracking_code=outcome.tracking_code)
