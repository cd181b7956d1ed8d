"""The shipped questionnaire versions (questions/), loaded once, and their check at start-up.

The model, loader and rule language live in ``app.core``; this module finds the version folders
and hands the application the loaded questionnaires.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from app.core.loader import QuestionnaireError, check_folder, load_folder
from app.core.model import (
    LANGS,
    PRIORITIES,
    Condition,
    Dimension,
    Fact,
    Option,
    Question,
    Questionnaire,
    Rule,
    Section,
    Text,
)

__all__ = [
    "LANGS",
    "PRIORITIES",
    "QUESTIONS_DIR",
    "Condition",
    "Dimension",
    "Fact",
    "Option",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Rule",
    "Section",
    "Text",
    "check_folder",
    "current",
    "get",
    "init_app",
    "load_all",
    "load_folder",
    "versions",
]

QUESTIONS_DIR = Path(__file__).resolve().parent.parent / "questions"


def versions(base: Path | None = None) -> list[str]:
    """Return the folder names of the questionnaire versions, oldest first."""
    base = base or QUESTIONS_DIR
    return sorted(
        (p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("v")),
        key=lambda name: int(name[1:]) if name[1:].isdigit() else 0,
    )


def load_all(base: Path | None = None) -> dict[str, Questionnaire]:
    """Return every valid questionnaire version by its version string (loaded once)."""
    return _load_all(base or QUESTIONS_DIR)


@cache
def _load_all(base: Path) -> dict[str, Questionnaire]:
    """Return every valid questionnaire version under base (cached per folder)."""
    loaded = [load_folder(base / name) for name in versions(base)]
    return {q.version: q for q in loaded}


def current(base: Path | None = None) -> Questionnaire:
    """Return the newest questionnaire version."""
    return list(load_all(base).values())[-1]


def get(version: str, base: Path | None = None) -> Questionnaire | None:
    """Return the questionnaire of this version, if it exists."""
    return load_all(base).get(version)


def init_app(app: Any) -> None:
    """Load and validate the questionnaires at start-up.

    A broken file is logged in one line and every page then answers 503, while
    ``flask questions check`` (which needs the application to start) lists the problems, each
    once.
    """
    try:
        load_all()
    except QuestionnaireError as exc:
        app.logger.error(
            "Questionnaire invalide (%d problème(s)) : lancez « flask questions check ».",
            len(exc.problems),
        )
        from app.startup import refuse_requests

        refuse_requests(app, "questionnaire")
