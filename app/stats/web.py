"""The statistics release as pages read it: the snapshot in force, published on first need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, g

from app.db import get_session
from app.models import StatsSnapshot
from app.stats import release, snapshot


@dataclass(frozen=True)
class Published:
    """The snapshot in force and its released figures."""

    snapshot: StatsSnapshot
    release: release.Release

    @property
    def releasable(self) -> bool:
        """Return whether the snapshot holds at least k shared diagnostics (else shows nothing)."""
        return bool(self.snapshot.releasable)

    @property
    def k(self) -> int:
        """Return the minimum cell size the snapshot was published with."""
        return int(self.snapshot.min_cell_size)


def epsilon() -> float:
    """Return the configured privacy budget of one snapshot."""
    return float(current_app.config["PRIVACY_EPSILON"])


def min_cell_size() -> int:
    """Return k, below which a released count is shown as « moins de k »."""
    return int(current_app.config.get("MIN_CELL_SIZE", 5))


def published(dimensions: Sequence[str] | None = None) -> Published:
    """Return the snapshot in force (publishing it if none is a day fresh) with the figures of
    some dimensions (all by default), read once per request.
    """
    key = f"stats_published_{'-'.join(dimensions) if dimensions else 'all'}"
    found: Published | None = g.get(key)
    if found is None:
        session = get_session()
        now = datetime.now(UTC)
        current = snapshot.ensure_fresh(session, now, epsilon(), min_cell_size())
        found = Published(current, snapshot.read(session, current, dimensions))
        setattr(g, key, found)
    return found
