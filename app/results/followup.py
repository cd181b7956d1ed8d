"""What follows the diagnosis, for the printed brief: where the team's views diverge and the
progress since the previous results, with their charts drawn as SVG for the server PDF.

The sections are the result page's own (``perspectives/_divergence.html``,
``plan/_progress.html``); each shows only when there is something to show: a perspective
answered, a diagnostic redone from an earlier one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from app.db import get_session
from app.i18n import current_lang
from app.models import Diagnostic, Result
from app.plan import progress as plan_progress
from app.results import svg


def context(
    diagnostic: Diagnostic, result: Result, score_text: Callable[[float], str]
) -> dict[str, Any]:
    """Return the perspectives with their divergence, and the progress, of a result."""
    from app.perspectives.views import officer_context  # imports the results' views

    lang = current_lang()
    return {
        "progress": plan_progress.context(get_session(), diagnostic, result, lang, score_text),
        **officer_context(diagnostic),
    }


def svgs(found: dict[str, Any], score_text: Callable[[float], str]) -> dict[str, Markup]:
    """Return the SVG drawings of the divergence and progress charts that ``context`` found."""
    drawings: dict[str, Markup] = {}
    divergence = found.get("divergence")
    if divergence:
        chart = divergence["chart"]
        drawings[chart["id"]] = svg.bar_svg(
            chart["figure"], chart["caption"], lambda v: score_text(v) + "\u00a0%", chart["id"]
        )
    progress = found.get("progress")
    if progress:
        chart = progress["chart"]
        drawings[chart["id"]] = svg.lines_svg(
            chart["figure"], chart["caption"], score_text, chart["id"]
        )
    return drawings
