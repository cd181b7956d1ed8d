"""Stored payloads of reports: see ``app.core.report`` for the typed ``Report``.

Kept for callers that still handle a result's payload as JSON (the demo generator's bulk path).
"""

from __future__ import annotations

from typing import Any

from app.core import report as core_report
from app.core.model import Answers, Questionnaire
from app.core.report import Report


def build(questionnaire: Questionnaire, answers: Answers, lang: str = "fr") -> dict[str, Any]:
    """Return the report of valid answers in one language as its JSON payload."""
    return core_report.build(questionnaire, answers, lang).to_payload()


def build_all(questionnaire: Questionnaire, answers: Answers) -> dict[str, dict[str, Any]]:
    """Return the payload a result stores: the report in every language, scored once."""
    return core_report.payload_of(core_report.build_all(questionnaire, answers))


__all__ = ["Report", "build", "build_all"]
