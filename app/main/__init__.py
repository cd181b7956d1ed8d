"""Landing page, privacy notice, accessibility statement."""

from app.main.views import bp

__all__ = ["bp"]
