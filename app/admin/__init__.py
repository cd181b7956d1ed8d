"""ARRICOD side: administrators, anonymised dashboard and exports."""

from app.admin import dashboard  # noqa: F401  (registers the dashboard on the blueprint)
from app.admin import export as _export  # noqa: F401  (registers the export views on bp)
from app.admin.views import bp

__all__ = ["bp"]
