"""SELECTs of the row export over shared diagnostics.

Only diagnostics whose respondents ticked ``share_anonymised``, completed, are read, each by its
current result: exactly the rows of ``shared_result``, the narrow read model that ``services``
keeps up to date, and the only table read here (no join, no answers, no payload). Every
statistic (dashboard, peer benchmark) is read from the published snapshot instead
(``app.stats``), never from these rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import RECOMMENDATION_SEPARATOR, SHARED_SCORE_COLUMNS, SharedResult

POSITIONINGS = ("business_internationalisation", "economic_cooperation", "multisector_cooperation")
LOGICS = ("business_support", "sustainable_development", "territorial_promotion")
DIMENSIONS = POSITIONINGS + LOGICS
SCORE_COLUMNS: dict[str, InstrumentedAttribute[float]] = {
    dimension: getattr(SharedResult, column)
    for dimension, column in zip(DIMENSIONS, SHARED_SCORE_COLUMNS, strict=True)
}

Ts = TypeVarTuple("Ts")


def shared(stmt: Select[*Ts]) -> Select[*Ts]:
    """Read a SELECT from the current results of shared, completed diagnostics (shared_result)."""
    return stmt.select_from(SharedResult)


# --- Row export -------------------------------------------------------------------------------


def qi_histogram(session: Session) -> dict[tuple[str, str, str], int]:
    """Return how many shared diagnostics hold each (collectivity_type, population, region)."""
    keys = (SharedResult.collectivity_type, SharedResult.population, SharedResult.region)
    stmt = shared(select(*keys, func.count())).group_by(*keys)
    return {(str(t), str(p), str(r)): int(n) for t, p, r, n in session.execute(stmt)}


def export_rows(session: Session, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Yield one tuple per shared diagnostic: type, population, region, month, version, dominant,
    the six scores, partner income group and the '|'-joined recommendation ids (unordered).
    """
    stmt = shared(
        select(
            SharedResult.collectivity_type,
            SharedResult.population,
            SharedResult.region,
            SharedResult.month,
            SharedResult.questionnaire_version,
            SharedResult.dominant,
            *(SCORE_COLUMNS[d] for d in DIMENSIONS),
            SharedResult.partner_income_group,
            func.replace(SharedResult.recommendations, RECOMMENDATION_SEPARATOR, "|"),
        )
    )
    # Core rows through the session's connection: no ORM result processing per row.
    result = session.connection().execution_options(yield_per=batch).execute(stmt)
    for row in result:
        yield tuple(row)
