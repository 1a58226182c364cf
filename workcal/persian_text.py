"""Persian-aware normalisation of text for search: what a clerk types and what is stored are
compared in one form.

Arabic yeh and kaf (ي ك, also their final/isolated forms ى) become Persian (ی ک), teh marbuta
and heh with yeh become heh, hamza-carrying alefs become alef; Persian and Arabic-Indic digits
become 0-9 (jalali.to_ascii_digits); tashkil (harakat, superscript alef) and tatweel are
removed; zero-width characters and direction marks go; Latin letters are lower case. A word
written with a zero-width non-joiner (می‌خواهم) is one word without it (میخواهم) and, for
the search document, also its parts (می، خواهم), so "میخواهم", "می‌خواهم" and "می خواهم" all
find it.
"""
import re

from .jalali import to_ascii_digits

ZWNJ = "\u200c"
_LETTERS = str.maketrans({
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0626": "\u06cc",  # ي ى ئ -> ی
    "\u0643": "\u06a9",  # ك -> ک
    "\u0629": "\u0647", "\u06c0": "\u0647", "\u06c1": "\u0647",  # ة ۀ ہ -> ه
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",  # أ إ ٱ -> ا
    "\u0624": "\u0648",  # ؤ -> و
})
# Tashkil (U+064B..U+065F), superscript alef (U+0670), tatweel (U+0640), Quranic marks.
_REMOVED = re.compile("[\u064b-\u065f\u0670\u0640\u06d6-\u06ed]")
# Zero-width and direction characters other than the non-joiner: dropped.
_INVISIBLE = re.compile("[\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\u2060\ufeff\u00ad]")
# A word: letters and digits of any script (not "_", so a code like urban_planning is two words).
_WORD = re.compile(r"[^\W_]+")


def normalise_text(text) -> str:
    """The text in its search form (letters, digits, invisible characters; ZWNJ kept)."""
    cleaned = _INVISIBLE.sub("", to_ascii_digits(str(text or "")))
    return _REMOVED.sub("", cleaned.translate(_LETTERS)).lower()


def query_words(text) -> list[str]:
    """The words of a typed query: normalised, a ZWNJ-joined word as one word without it."""
    return _WORD.findall(normalise_text(text).replace(ZWNJ, ""))


def document_words(text) -> list[str]:
    """The words a stored text is found by: each word, and a ZWNJ-joined word also as its
    parts (a query written with a space between them finds it)."""
    words = []
    for chunk in normalise_text(text).split():
        if ZWNJ in chunk:
            words.extend(_WORD.findall(chunk.replace(ZWNJ, " ")))
        words.extend(_WORD.findall(chunk.replace(ZWNJ, "")))
    return words


def phone_digits(text) -> str | None:
    """A phone number as its national significant digits (09121234567, +98 912 123 4567 and
    ۰۹۱۲۱۲۳۴۵۶۷ are all 9121234567); None when the text is not a phone number."""
    digits = re.sub(r"[\s\-()./+]", "", to_ascii_digits(str(text or "")))
    if not digits.isdigit() or not 7 <= len(digits) <= 14:
        return None
    if digits.startswith("0098"):
        digits = digits[4:]
    elif digits.startswith("98") and len(digits) == 12:
        digits = digits[2:]
    return digits.lstrip("0") or None
