"""The action plan's vocabulary (app/data/action_plan.yaml): roles, statuses and instruments.

Loaded and validated once; a problem raises CatalogueError naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).resolve().parent.parent / "data" / "action_plan.yaml"
LANGS = ("fr", "en")
LISTS = ("pilot_roles", "elected_roles", "statuses", "instruments")


class CatalogueError(ValueError):
    """The action plan's data file is invalid."""


@dataclass(frozen=True)
class Entry:
    """A role, a status or an instrument: its id, its label in each language."""

    id: str
    label: dict[str, str]
    calendar: dict[str, str] | None = None
    source: str = ""
    recommendations: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        """Return the label in this language (French if missing)."""
        return self.label.get(lang) or self.label["fr"]

    def calendar_text(self, lang: str) -> str:
        """Return the usual calendar in this language, empty when unknown."""
        if not self.calendar:
            return ""
        return self.calendar.get(lang) or self.calendar["fr"]


@dataclass(frozen=True)
class Catalogue:
    """Every list of the action plan's vocabulary, each entry in its file's order."""

    pilot_roles: tuple[Entry, ...]
    elected_roles: tuple[Entry, ...]
    statuses: tuple[Entry, ...]
    instruments: tuple[Entry, ...]

    def by_id(self, kind: str) -> dict[str, Entry]:
        """Return one list's entries by id."""
        entries: tuple[Entry, ...] = getattr(self, kind)
        return {entry.id: entry for entry in entries}

    def instruments_for(self, recommendation_id: str | None) -> list[str]:
        """Return the ids of the instruments that usually serve a recommendation."""
        return [i.id for i in self.instruments if recommendation_id in i.recommendations]


def _texts(node: Any, where: str, required: bool = True) -> dict[str, str] | None:
    """Return a {fr, en} text, or raise CatalogueError if a language is missing."""
    if node is None and not required:
        return None
    if not isinstance(node, dict) or any(not str(node.get(lang) or "").strip() for lang in LANGS):
        raise CatalogueError(f"{PATH.name}: {where}: texte attendu en français et en anglais")
    return {lang: str(node[lang]) for lang in LANGS}


def _entry(kind: str, node: Any, seen: set[str]) -> Entry:
    """Return one validated entry of a list."""
    if not isinstance(node, dict) or not str(node.get("id") or "").strip():
        raise CatalogueError(f"{PATH.name}: {kind}: entrée sans «\u00a0id\u00a0»")
    entry_id = str(node["id"])
    where = f"{kind} «\u00a0{entry_id}\u00a0»"
    if entry_id in seen:
        raise CatalogueError(f"{PATH.name}: {where}: identifiant en double")
    seen.add(entry_id)
    label = _texts(node.get("label"), where)
    assert label is not None  # noqa: S101 - _texts raises when a required text is missing
    source = str(node.get("source") or "")
    if kind == "instruments" and not source:
        raise CatalogueError(f"{PATH.name}: {where}: «\u00a0source\u00a0» manquante")
    return Entry(
        id=entry_id,
        label=label,
        calendar=_texts(node.get("calendar"), where + " (calendar)", required=False),
        source=source,
        recommendations=tuple(str(r) for r in node.get("recommendations") or ()),
    )


def parse(data: Any) -> Catalogue:
    """Return the catalogue of parsed YAML data, or raise CatalogueError."""
    if not isinstance(data, dict):
        raise CatalogueError(f"{PATH.name}: un dictionnaire est attendu")
    lists: dict[str, tuple[Entry, ...]] = {}
    for kind in LISTS:
        nodes = data.get(kind)
        if not isinstance(nodes, list) or not nodes:
            raise CatalogueError(f"{PATH.name}: liste «\u00a0{kind}\u00a0» absente ou vide")
        seen: set[str] = set()
        lists[kind] = tuple(_entry(kind, node, seen) for node in nodes)
    return Catalogue(**lists)


@cache
def load() -> Catalogue:
    """Return the shipped catalogue, read and validated once."""
    return parse(yaml.safe_load(PATH.read_text(encoding="utf-8")))
