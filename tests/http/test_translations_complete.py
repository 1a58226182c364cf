"""Every string the interface shows has its Persian translation (Persian is the first language)."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app" / "translations" / "fa" / "LC_MESSAGES" / "messages.po"


def untranslated() -> dict[str, list[str]]:
    """file -> English strings found by babel.cfg that have no Persian translation."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    with open(CATALOG, "rb") as po:
        catalog = read_po(po)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "NotFound": None,
                "Forbidden": None, "Conflict": None, "InvalidData": None, "WorkflowError": None,
                "Message": None}
    missing = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.setdefault(filename, []).append(msgid)
    return missing


def test_every_string_of_the_interface_has_a_persian_translation():
    assert untranslated() == {}
