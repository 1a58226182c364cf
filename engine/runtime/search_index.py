"""What an instance is found by (instances.search_text, channel, category), written with every
step that stores it (steps.store_state) and when its personal data is destroyed (shredding).

search_text is a space-separated list of normalised words (workcal.persian_text) from the
title, the tracking code and the text values of the instance's data. A citizen's personal
values (models.shredding.PERSONAL_FIELDS: name, phone, ...) are never in it in plain text:
each word of them, and a phone's national digits, is there as a keyed hash (KeyRing.
search_token), so a search by phone or name finds the case without decrypting any row, and
destroying the case's data (the values blanked) takes its tokens out. PostgreSQL keeps a
generated tsvector of it ('simple' configuration, GIN index: migration 0035); SQLite searches
it with LIKE.
"""
import re

from engine.core import engine_of
from models.shredding import DESTROYED, PERSONAL_FIELDS, is_sealed, key_ring_of
from workcal.persian_text import document_words, phone_digits, query_words

MAX_VALUES = 400  # text values looked at per instance (a survey's tables add nothing useful)
MAX_VALUE_CHARS = 2000
MAX_DOCUMENT_CHARS = 20000
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")
# The data keys read into the channel and category columns, unless a programme names others
# for its process (Hooks.search_keys: a complaint's category is its complaint_type).
DEFAULT_KEYS = {"channel": "channel", "category": "category"}
COLUMN_CHARS = {"channel": 40, "category": 60}


def search_document(keys, title: str | None, tracking_code: str | None, data) -> str:
    """The search text of an instance (keys: the KeyRing that makes personal tokens)."""
    words: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        if word not in seen:
            seen.add(word)
            words.append(word)

    for text in (title, tracking_code):
        for word in document_words(text or ""):
            add(word)
    budget = [MAX_VALUES]
    _collect(keys, data, None, add, budget, 0)
    document = " ".join(words)
    return document[:MAX_DOCUMENT_CHARS].rsplit(" ", 1)[0] if len(document) > MAX_DOCUMENT_CHARS \
        else document


def _collect(keys, value, key, add, budget, depth) -> None:
    if budget[0] <= 0 or depth > 8:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _collect(keys, v, k if k in PERSONAL_FIELDS else key, add, budget, depth + 1)
        return
    if isinstance(value, list):
        for item in value:
            _collect(keys, item, key, add, budget, depth + 1)
        return
    if not isinstance(value, str) or not value or value == DESTROYED or is_sealed(value):
        return
    budget[0] -= 1
    text = value[:MAX_VALUE_CHARS]
    if key is None:  # not personal: its words as they are
        if not (_ISO_MOMENT.match(text) or _UUID.match(text)):
            for word in document_words(text):
                add(word)
        return
    phone = phone_digits(text) if "phone" in key else None
    if phone:
        add(keys.search_token("phone:" + phone))
    for word in document_words(text):
        add(keys.search_token("word:" + word))


def index_instance(session, instance) -> None:
    """Write the instance's search text, channel and category from its title, code and data."""
    data = instance.data if isinstance(instance.data, dict) else {}
    instance.search_text = search_document(key_ring_of(session), instance.title,
                                           instance.tracking_code, data)
    try:
        named = engine_of(session).hooks.search_keys.get(instance.process_key, {})
    except LookupError:  # a session made without the app's engine (a script): the defaults
        named = {}
    names = {**DEFAULT_KEYS, **named}
    for column, data_key in names.items():
        value = data.get(data_key)
        setattr(instance, column, str(value)[:COLUMN_CHARS[column]]
                if isinstance(value, (str, int)) and not isinstance(value, bool) and value != ""
                else None)


def query_terms(session, text: str) -> list[list[str]]:
    """The terms a typed query is matched by: one list per word, any of whose terms matches
    (the word as typed, a prefix of a stored word; its personal token; a phone's token). A
    query that is a phone number is matched by its phone token (or a personal number written
    the same way, a national ID)."""
    keys = key_ring_of(session)
    phone = phone_digits(text)
    if phone and len(phone) >= 7:
        typed = "".join(query_words(text))
        return [[keys.search_token("phone:" + phone), keys.search_token("word:" + typed)]]
    return [[word, keys.search_token("word:" + word)] for word in query_words(text)]
