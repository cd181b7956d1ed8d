"""The respondent's multi-step diagnostic."""

from app.survey.views import bp

__all__ = ["bp"]
