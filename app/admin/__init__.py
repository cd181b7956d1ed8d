"""ARRICOD side: administrators, anonymised dashboard and exports."""

from app.admin.views import bp

__all__ = ["bp"]
