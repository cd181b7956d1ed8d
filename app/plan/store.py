"""Operations that write a diagnostic's action plan (the views stay thin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.report import Report
from app.models import Diagnostic, PlanAction
from app.plan import catalogue

EDITABLE = ("title", "pilot", "elected", "start_quarter", "end_quarter", "status", "instruments")
DEFAULT_STATUS = "to_start"


def actions(session: Session, diagnostic: Diagnostic) -> list[PlanAction]:
    """Return the diagnostic's actions, in the order they were added."""
    return list(
        session.scalars(
            select(PlanAction)
            .where(PlanAction.diagnostic_id == diagnostic.id)
            .order_by(PlanAction.id)
        )
    )


def find(session: Session, diagnostic: Diagnostic, action_id: int) -> PlanAction | None:
    """Return one action of this diagnostic's plan (never another diagnostic's)."""
    return session.scalar(
        select(PlanAction).where(
            PlanAction.id == action_id, PlanAction.diagnostic_id == diagnostic.id
        )
    )


def _apply(action: PlanAction, values: Mapping[str, Any]) -> None:
    """Copy the editable values onto an action (empty choices stored as None)."""
    for key in EDITABLE:
        if key in values:
            value = values[key]
            setattr(action, key, list(value) if key == "instruments" else (value or None))
    action.status = action.status or DEFAULT_STATUS


def add(
    session: Session,
    diagnostic: Diagnostic,
    values: Mapping[str, Any],
    recommendation: tuple[str, str] | None = None,
) -> PlanAction:
    """Add an action (from a recommendation (id, title), or the officer's own) and commit."""
    action = PlanAction(diagnostic_id=diagnostic.id, status=DEFAULT_STATUS, instruments=[])
    if recommendation is not None:
        action.recommendation_id, action.recommendation_title = recommendation
    _apply(action, values)
    session.add(action)
    session.commit()
    return action


def update(session: Session, action: PlanAction, values: Mapping[str, Any]) -> None:
    """Change an action's values and commit."""
    _apply(action, values)
    session.commit()


def remove(session: Session, action: PlanAction) -> None:
    """Drop an action from the plan and commit."""
    session.delete(action)
    session.commit()


def keep_all(session: Session, diagnostic: Diagnostic, report: Report) -> int:
    """Add every recommendation of the report not yet in the plan; return how many were added."""
    present = {a.recommendation_id for a in actions(session, diagnostic)}
    vocabulary = catalogue.load()
    added = 0
    for rec in report.recommendations:
        if rec.id in present:
            continue
        session.add(
            PlanAction(
                diagnostic_id=diagnostic.id,
                title=rec.title[:200],
                recommendation_id=rec.id,
                recommendation_title=rec.title[:200],
                status=DEFAULT_STATUS,
                instruments=vocabulary.instruments_for(rec.id),
            )
        )
        added += 1
    session.commit()
    return added
