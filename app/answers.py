"""Answer validation: see ``app.core.answers`` (kept here for older imports)."""

from app.core.answers import AnswerErrors, item_key, validate
from app.core.relevance import prune

__all__ = ["AnswerErrors", "item_key", "prune", "validate"]
