"""JSON interface: the questionnaire and stateless scoring."""

from app.api.views import bp

__all__ = ["bp"]
