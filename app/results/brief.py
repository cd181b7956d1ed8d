"""The brief for élus: what the first page of the printed result (and of its PDF) is made of.

Everything here is derived from the stored result and the profile copied from the answers when
the diagnostic was completed: no free text is ever asked or stored for the brief. "What the
officer proposes" is made of the actions (titles) of the recommendations that matter most, so a
shared or exported copy can never carry words typed by the respondent.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response

from app.core.report import Report
from app.models import Diagnostic
from app.questionnaire import Questionnaire
from app.results import downloads

TOP_COUNT = 3
LINE_LENGTH = 150  # characters of a top recommendation's one line on the synthesis page
# The page's own stylesheets, in the order base.html and show.html link them; print rules apply
# (WeasyPrint lays out for print), brief-pdf.css adds what only the PDF needs.
PDF_STYLESHEETS = ("css/app.css", "css/print.css", "css/charts.css", "css/results.css")
PDF_STYLESHEET = "css/brief-pdf.css"
FILE_STEM = "synthese-aict"
PROFILE_QUESTIONS = ("collectivity_type", "population", "region")
# A sentence ends at . ! ? or … followed by a space and what starts a new sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý«“\"(])")


def first_sentence(text: str) -> str:
    """Return the first sentence of a text (the whole text if it has only one)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def one_line(text: str, length: int = LINE_LENGTH) -> str:
    """Return a text's first sentence, cut after a word with « … » if longer than length."""
    sentence = first_sentence(text)
    if len(sentence) <= length:
        return sentence
    return sentence[:length].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def profile_parts(diagnostic: Diagnostic, questionnaire: Questionnaire, lang: str) -> list[str]:
    """Return the labels of the authority's profile (type, population, région), as completed.

    The profile columns are copied from the answers on completion, so they are those of the
    stored result even while the answers are being modified.
    """
    parts = []
    for qid in PROFILE_QUESTIONS:
        code = getattr(diagnostic, qid, None)
        if not code:
            continue
        question = questionnaire.questions.get(qid)
        parts.extend(downloads.answer_labels(question, [str(code)], lang))
    return parts


def top_recommendations(report: Report, count: int = TOP_COUNT) -> list[dict[str, Any]]:
    """Return the recommendations that matter most (stored order: priority first), in short."""
    return [
        {
            "id": rec.id,
            "title": rec.title,
            "priority": rec.priority,
            "line": one_line(rec.text or ""),
        }
        for rec in report.recommendations[:count]
    ]


def proposed_actions(top: list[dict[str, Any]]) -> list[str]:
    """Return the top recommendations' titles as actions to name inside a sentence."""
    actions = []
    for rec in top:
        title: str = rec["title"]
        # "Évaluer l'impact…" reads "évaluer l'impact…" after "propose de"; acronyms keep
        # their capitals.
        acronym = title[1:2].isupper()
        actions.append(title if acronym else title[:1].lower() + title[1:])
    return actions


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """Refuse every resource a PDF would fetch: styles are given, charts and fonts are local."""
    raise ValueError(f"the brief fetches no resource ({urlsplit(url).scheme or 'relative'} URL)")


def render_pdf(html: str, static_folder: str) -> bytes:
    """Return the PDF of the brief's HTML, laid out with the page's print stylesheets."""
    # Imported here: WeasyPrint loads Pango when imported, which only this view needs.
    from weasyprint import CSS, HTML

    # The page's stylesheets hold rules for browsers (media queries, vendor selectors) that
    # WeasyPrint skips with a warning each: keep its errors only.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    static = Path(static_folder)
    sheets = [CSS(filename=str(static / name)) for name in (*PDF_STYLESHEETS, PDF_STYLESHEET)]
    document = HTML(string=html, url_fetcher=_no_fetch)
    # A tagged PDF (headings, lists, tables) that screen readers can follow, in the page's language.
    pdf: bytes = document.write_pdf(stylesheets=sheets, pdf_tags=True)
    return pdf


def pdf_response(html: str, static_folder: str, lang: str) -> Response:
    """Return the brief as a PDF file to download."""
    response = Response(render_pdf(html, static_folder), mimetype="application/pdf")
    stem = FILE_STEM if lang == "fr" else "aict-brief"
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    return response
