"""Hypothesis strategies: any valid answer set of a questionnaire."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from app import partners
from app.questionnaire import Question, Questionnaire

COUNTRY_CODES = [c.code for c in partners.countries()]


def answer_for(question: Question) -> st.SearchStrategy[Any]:
    """Return a strategy of valid answers to one question."""
    if question.type == "single":
        return st.sampled_from(question.codes)
    if question.type == "scale":
        return st.integers(min_value=1, max_value=4)
    if question.type == "country_multi":
        return st.lists(
            st.sampled_from(COUNTRY_CODES), max_size=min(question.max_choices or 8, 8), unique=True
        )
    exclusive = [o.code for o in question.options if o.exclusive]
    plain = [o.code for o in question.options if not o.exclusive]
    lists = st.lists(
        st.sampled_from(plain),
        min_size=max(question.min_choices, 1),
        max_size=question.max_choices or len(plain),
        unique=True,
    )
    if exclusive:
        return st.one_of(lists, st.sampled_from(exclusive).map(lambda c: [c]))
    return lists


def answer_sets(questionnaire: Questionnaire) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy of complete, valid answer sets."""
    return st.fixed_dictionaries({qid: answer_for(q) for qid, q in questionnaire.questions.items()})
