"""Hypothesis strategies: any valid answer set of a questionnaire (each type draws its answers)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from app.core import partners
from app.core.model import Question, Questionnaire


def answer_for(question: Question) -> st.SearchStrategy[Any]:
    """Return a strategy of valid answers to one question, drawn by its type."""
    return st.randoms(use_true_random=False).map(lambda rng: question.kind.sample(question, rng))


def answer_sets(questionnaire: Questionnaire) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy of complete, valid answer sets (questions outside repeat groups)."""
    return st.fixed_dictionaries(
        {qid: answer_for(q) for qid, q in questionnaire.questions.items() if q.repeat is None}
    )


COUNTRY_CODES = [c.code for c in partners.countries()]
