"""Every UI string of the whole application has an English translation in some catalogue, and
the French strings (UI and questionnaire) follow French typography."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
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


# French typography: a no-break space (U+00A0 or the narrow U+202F) before ; : ? ! and inside
# « guillemets », so that a line never starts with the punctuation or leaves a quote mark alone.
MISPLACED_SPACE = re.compile(
    r"(?<=\S) [;:?!]"  # an ordinary space before the punctuation
    r"|[\w»)][?!;]"  # no space at all
    r"|«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»"
)


def french_texts(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every French text of a questions/ file: ``fr`` values, sources."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("fr", "source") and isinstance(value, str):
                yield f"{path}/{key}", value
            else:
                yield from french_texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from french_texts(value, f"{path}/{index}")


def test_french_ui_strings_have_no_break_spaces() -> None:
    wrong = sorted(m for m in app_msgids() if MISPLACED_SPACE.search(m))
    assert not wrong, f"{len(wrong)} strings: {wrong[:10]}"


def test_french_questionnaire_texts_have_no_break_spaces() -> None:
    texts = [
        (f"{path.relative_to(ROOT)}{where}", text)
        for path in sorted(ROOT.glob("questions/*/*.yaml"))
        for where, text in french_texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    ]
    assert len(texts) > 100
    wrong = [(where, text[:80]) for where, text in texts if MISPLACED_SPACE.search(text)]
    assert not wrong, f"{len(wrong)} texts: {wrong[:10]}"
