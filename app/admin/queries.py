"""Aggregate SELECTs over shared diagnostics (anonymised dashboard, exports, peer benchmark)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Diagnostic


def peer_benchmark(session: Session, diagnostic: Diagnostic, k: int) -> dict[str, Any] | None:
    """Return how the diagnostic's scores compare with shared diagnostics of similar authorities.

    Peers are shared, completed diagnostics of the same collectivity type, else of the same
    population band; None unless the peer group has at least k members.
    """
    raise NotImplementedError
