"""Answer sets used across tests: the two worked examples of the specification, and builders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import services
from app.models import Diagnostic

EXAMPLE_A: dict[str, Any] = {
    "collectivity_type": "commune",
    "population": "100k_500k",
    "region": "84",
    "budget_trend": "decrease",
    "budget_amount": "50k_200k",
    "roi_demand": "moderate",
    "partner_countries": ["DE", "MA"],
    "partner_metropolises": "some",
    "partnership_age": "gt_10y",
    "service_attachment": "general_management",
    "work_mode": "mixed",
    "cross_service": 2,
    "local_actors": ["associations", "universities", "companies"],
    "impact_evaluation": "occasional",
    "elected_awareness": 2,
    "goals": ["innovation_trust", "youth_employability", "sustainable_development"],
}

EXAMPLE_B: dict[str, Any] = {
    "collectivity_type": "region",
    "population": "gt_1m",
    "region": "28",
    "budget_trend": "stable",
    "budget_amount": "gt_1m",
    "roi_demand": "strong",
    "partner_countries": ["CA", "DE", "JP"],
    "partner_metropolises": "most",
    "partnership_age": "gt_10y",
    "service_attachment": "economic_development",
    "work_mode": "project",
    "cross_service": 4,
    "local_actors": ["companies", "clusters", "cci", "universities"],
    "impact_evaluation": "systematic",
    "elected_awareness": 4,
    "goals": ["innovation_trust", "business_export", "attract_talent"],
}


def completed_diagnostic(
    session: Session, answers: dict[str, Any], *, share: bool = True, lang: str = "fr"
) -> tuple[Diagnostic, str]:
    """Store a completed diagnostic with these answers; return it with its private token."""
    diagnostic, token = services.start(session, lang)
    services.save_answers(session, diagnostic, dict(answers), diagnostic.current_step)
    services.complete(session, diagnostic, share_anonymised=share)
    return diagnostic, token


# Example A with one partner country and well-informed élus: eight recommendations, none
# a warning (the printed brief's test case: a synthesis page, then partners and an annex).
EXAMPLE_EIGHT: dict[str, Any] = {**EXAMPLE_A, "partner_countries": ["DE"], "elected_awareness": 4}
