"""The result page, its print view and the respondent's downloads."""

from app.results.views import bp

__all__ = ["bp"]
