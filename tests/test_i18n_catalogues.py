"""Every UI string of the whole application has an English translation in some catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
OPTIONS = {"**.html": {"trimmed": "true", "newstyle_gettext": "true"}}
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def app_msgids() -> set[str]:
    """Return every msgid marked for translation in app/ (Python and templates)."""
    msgids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), METHODS, OPTIONS, KEYWORDS
    ):
        msgids.add(message[0] if isinstance(message, tuple) else message)
    return msgids


def english() -> dict[str, str]:
    """Return the merged English catalogues (shared and per blueprint)."""
    merged: dict[str, str] = {}
    for po_path in sorted(ROOT.glob("app/**/translations/en/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po:
            for message in read_po(po):
                if message.id and message.string and not message.fuzzy:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    merged[key] = str(message.string)
    return merged


def test_every_ui_string_is_translated_into_english() -> None:
    msgids = app_msgids()
    assert len(msgids) > 200
    translated = english()
    missing = sorted(m for m in msgids if m not in translated)
    assert not missing, f"{len(missing)} untranslated: {missing[:20]}"
