"""Scoring: see ``app.core.scoring`` (kept here for older imports)."""

from app.core.model import Answers, AnswerValue
from app.core.scoring import Contribution, Result, Tip, alternatives, dominant_of, ranges, score

__all__ = [
    "AnswerValue",
    "Answers",
    "Contribution",
    "Result",
    "Tip",
    "alternatives",
    "dominant_of",
    "ranges",
    "score",
]
