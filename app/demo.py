"""Synthetic diagnostics for demonstrations and benchmarks (``flask demo-data``).

Answers are drawn from a small generative model with the correlations the workshop describes:
régions and métropoles have bigger budgets, economic-development services, companies and
clusters as local actors and partners in OECD or middle-income countries; communes and
départements more often work with associations, in long-standing partnerships with low-income
countries. A latent "maturity" links project mode, breaking silos, impact evaluation and élus'
awareness. Every answer set is validated and scored by the real engine (``report.build_all``,
the payload the result page stores).

Scoring takes milliseconds, so N diagnostics are drawn from a pool of distinct answer sets
(``pool_size``; all N when N is small), each scored once (``services.score_answers``); they are
stored through the bulk path of the same service as real diagnostics
(``services.complete_many``), in batches, each batch in one transaction.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app import questionnaire as qn
from app import services
from app.core import partners
from app.core.answers import validate
from app.core.model import AnswerValue, Questionnaire, Section
from app.services import Completion, Scored

DEFAULT_POOL = 1000
MONTHS_BACK = 24

TYPES = {"commune": 34, "intercommunalite": 22, "metropole": 9, "departement": 16, "region": 11}
TYPES_OTHER = 8
# Types version 2 added (a version without them draws « other » instead): the collectivités à
# statut particulier of Corse, Martinique and Guyane, and syndicats.
TYPES_V2 = {"collectivite_unique": 1.5, "syndicat": 5}
SPECIAL_STATUS_REGIONS = {"94": 1, "02": 1, "03": 1}
# How much each type leans towards economic action (0 = solidarity, 1 = business).
ECONOMIC_LEAN = {
    "region": 0.78,
    "metropole": 0.72,
    "intercommunalite": 0.55,
    "other": 0.4,
    "departement": 0.3,
    "commune": 0.28,
    "collectivite_unique": 0.6,
    "syndicat": 0.35,
}
POPULATION = {
    "commune": {"lt_20k": 38, "20k_100k": 36, "100k_500k": 21, "500k_1m": 4, "gt_1m": 1},
    "intercommunalite": {"lt_20k": 10, "20k_100k": 40, "100k_500k": 40, "500k_1m": 8, "gt_1m": 2},
    "metropole": {"100k_500k": 30, "500k_1m": 45, "gt_1m": 25},
    "departement": {"100k_500k": 30, "500k_1m": 35, "gt_1m": 35},
    "region": {"500k_1m": 6, "gt_1m": 94},
    "other": {"lt_20k": 30, "20k_100k": 30, "100k_500k": 30, "500k_1m": 5, "gt_1m": 5},
    "collectivite_unique": {"100k_500k": 70, "500k_1m": 30},
    "syndicat": {"20k_100k": 30, "100k_500k": 45, "500k_1m": 15, "gt_1m": 10},
}
# Roughly the regions' share of the population (INSEE), overseas regions included.
REGIONS = {
    "11": 18, "84": 12, "76": 9, "75": 9, "32": 9, "44": 8, "93": 8, "52": 6, "53": 5, "28": 5,
    "27": 4, "24": 4, "94": 0.5, "01": 0.6, "02": 0.5, "03": 0.4, "04": 1.3, "06": 0.4,
}  # fmt: skip
# Countries French authorities often partner with, bucketed by income group at run time.
PARTNER_CANDIDATES = (
    "US", "CA", "DE", "JP", "GB", "IT", "ES", "KR", "BE", "CH", "SE", "PL", "IL", "QA",
    "CN", "BR", "MX", "TR", "ZA", "CO", "AR", "TH", "AM", "GE", "UA", "DZ",
    "MA", "TN", "SN", "VN", "IN", "CI", "CM", "EG", "BJ", "HT", "KH", "LA", "LB", "PS",
    "BF", "ML", "NE", "MG", "TD", "TG", "BI", "CD",
)  # fmt: skip


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    """Return a key drawn with the given weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _lean(p_low: float, p_high: float, e: float) -> float:
    """Return a probability moving from p_low to p_high as the economic lean e goes 0 → 1."""
    return p_low + (p_high - p_low) * e


def _scale(rng: random.Random, level: float) -> int:
    """Return a 1–4 scale answer around level (0–1)."""
    return max(1, min(4, round(1 + 3 * level + rng.gauss(0, 0.6))))


def _partner_buckets() -> dict[str, list[str]]:
    """Return the candidate partner countries by income group."""
    buckets: dict[str, list[str]] = {}
    for country in partners.classify(PARTNER_CANDIDATES):
        buckets.setdefault(country.income_group, []).append(country.code)
    return buckets


def _partners(rng: random.Random, e: float, buckets: dict[str, list[str]]) -> list[str]:
    """Return 0–5 partner countries, richer as the economic lean grows."""
    if rng.random() < 0.07:
        return []
    weights = {
        "high": _lean(0.15, 0.55, e),
        "upper_middle": _lean(0.1, 0.3, e),
        "lower_middle": _lean(0.4, 0.12, e),
        "low": _lean(0.35, 0.03, e),
    }
    chosen: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5))):
        group = _pick(rng, {g: w for g, w in weights.items() if buckets.get(g)})
        code = rng.choice(buckets[group])
        if code not in chosen:
            chosen.append(code)
    return chosen


def _multi(rng: random.Random, probabilities: dict[str, float], at_most: int | None) -> list[str]:
    """Return the codes each ticked with its probability (at least one, at most at_most)."""
    ticked = [code for code, p in probabilities.items() if rng.random() < p]
    if not ticked:
        ticked = [max(probabilities, key=lambda c: probabilities[c] + rng.random() * 0.3)]
    rng.shuffle(ticked)
    return ticked[:at_most] if at_most else ticked


def core_answers(rng: random.Random, buckets: dict[str, list[str]]) -> dict[str, AnswerValue]:
    """Return one plausible set of answers to the core questions."""
    ctype = _pick(rng, {**TYPES, "other": TYPES_OTHER, **TYPES_V2})
    e = min(1.0, max(0.0, ECONOMIC_LEAN[ctype] + rng.gauss(0, 0.15)))
    maturity = min(1.0, max(0.0, rng.betavariate(2, 2) + 0.15 * (e - 0.5)))
    big = ctype in ("region", "metropole")
    answers: dict[str, AnswerValue] = {
        "collectivity_type": ctype,
        "population": _pick(rng, POPULATION[ctype]),
        "region": _pick(rng, SPECIAL_STATUS_REGIONS if ctype == "collectivite_unique" else REGIONS),
        "budget_trend": _pick(
            rng, {"strong_decrease": 18, "decrease": 40, "stable": 30, "increase": 12}
        ),
        "budget_amount": _pick(
            rng,
            {"lt_50k": 40, "50k_200k": 40, "200k_1m": 15, "gt_1m": 5}
            if not big
            else {"lt_50k": 3, "50k_200k": 17, "200k_1m": 45, "gt_1m": 35},
        ),
        "roi_demand": _pick(
            rng, {"none": _lean(0.4, 0.1, e), "moderate": 0.45, "strong": _lean(0.15, 0.5, e)}
        ),
        "partner_countries": _partners(rng, e, buckets),
        "partner_metropolises": _pick(
            rng, {"none": _lean(0.5, 0.1, e), "some": 0.4, "most": _lean(0.1, 0.5, e)}
        ),
        "service_attachment": _pick(
            rng,
            {
                "cabinet": _lean(0.35, 0.1, e),
                "general_management": _lean(0.35, 0.15, e),
                "economic_development": _lean(0.05, 0.4, e),
                "attractiveness": _lean(0.05, 0.25, e),
                "other": 0.1,
                "none": 0.05,
            },
        ),
        "work_mode": _pick(
            rng, {"project": maturity, "mixed": 0.5, "silo": max(0.05, 1 - 1.5 * maturity)}
        ),
        "cross_service": _scale(rng, maturity),
        "impact_evaluation": _pick(
            rng,
            {"none": 1 - maturity, "occasional": 0.5, "systematic": max(0.02, maturity - 0.4)},
        ),
        "elected_awareness": _scale(rng, 0.5 * maturity + 0.5 * e),
    }
    answers["partnership_age"] = (
        "none"
        if not answers["partner_countries"]
        else _pick(rng, {"lt_3y": _lean(0.1, 0.3, e), "3_10y": 0.35, "gt_10y": _lean(0.55, 0.3, e)})
    )
    actors = {
        "companies": _lean(0.15, 0.8, e),
        "clusters": _lean(0.03, 0.5, e),
        "cci": _lean(0.08, 0.5, e),
        "universities": 0.35,
        "associations": _lean(0.75, 0.25, e),
        "urban_operators": 0.35 if ctype in ("metropole", "intercommunalite") else 0.05,
        "training": 0.2,
    }
    answers["local_actors"] = ["none"] if rng.random() < 0.03 else _multi(rng, actors, None)
    goals = {
        "business_export": _lean(0.03, 0.45, e),
        "intl_public_markets": _lean(0.02, 0.2, e),
        "attract_talent": _lean(0.05, 0.3, e),
        "innovation_trust": _lean(0.1, 0.35, e),
        "territorial_marketing": 0.3 if big else 0.1,
        "sustainable_development": _lean(0.4, 0.15, e),
        "solidarity": _lean(0.5, 0.05, e),
        "institutional_strengthening": _lean(0.35, 0.05, e),
        "youth_employability": 0.2,
    }
    answers["goals"] = _multi(rng, goals, 3)
    return answers


def draw_answers(
    rng: random.Random, questionnaire: Questionnaire, buckets: dict[str, list[str]]
) -> dict[str, AnswerValue]:
    """Return a valid answer set to every question of a questionnaire version."""
    answers = core_answers(rng, buckets)
    if answers["collectivity_type"] not in questionnaire.questions["collectivity_type"].codes:
        answers["collectivity_type"] = "other"
    drawn: dict[str, Any] = {}
    for qid, question in questionnaire.questions.items():
        if question.repeat is not None:
            continue
        if qid in answers:
            drawn[qid] = answers[qid]
        else:  # a question the model does not know: any valid answer its type draws
            drawn[qid] = question.kind.sample(question, rng)
    section = questionnaire.repeats.get("partnerships")
    if section is not None and "has_partnerships" in questionnaire.questions:
        # Version 2 onwards: one block per partner country; the core answers derive from them.
        drawn["has_partnerships"] = "yes" if answers["partner_countries"] else "no"
        drawn["partnerships"] = _blocks(rng, answers, section)
    return validate(questionnaire, drawn)


AGES = ("lt_3y", "3_10y", "gt_10y")


def _blocks(rng: random.Random, answers: dict[str, AnswerValue], section: Section) -> list[Any]:
    """Return one partnership block per partner country, consistent with the core answers.

    The first block carries the oldest partnership's age, the others are no older; métropoles
    among the partner territories follow ``partner_metropolises``; the other fields are drawn.
    """
    assert section.repeat is not None  # noqa: S101 - repeats holds repeat sections only
    codes = list(answers["partner_countries"])[: section.repeat.max]  # type: ignore[arg-type]
    oldest = str(answers.get("partnership_age"))
    top = AGES.index(oldest) if oldest in AGES else 0
    metro = answers.get("partner_metropolises")
    blocks = []
    for i, code in enumerate(codes):
        item: dict[str, Any] = {}
        for question in section.questions:
            if question.kind.multiple and question.options:
                # One to three ticks, as a partnership usually has (never the exclusive « none »).
                codes_ = [o.code for o in question.options if not o.exclusive]
                item[question.id] = rng.sample(codes_, rng.randint(1, min(3, len(codes_))))
            else:
                item[question.id] = question.kind.sample(question, rng)
        item["partner_country"] = code
        item["partnership_since"] = AGES[top] if i == 0 else AGES[rng.randint(0, top)]
        capital = metro == "most" or (metro == "some" and i == 0 and len(codes) > 2)
        item["partner_territory_kind"] = (
            "capital_metropolis" if capital else rng.choice(("city", "region_province", "rural"))
        )
        blocks.append(item)
    return blocks


# --- Scored answer sets -------------------------------------------------------------------------


def profiles(
    rng: random.Random, questionnaires: Sequence[Questionnaire], size: int
) -> dict[str, list[Scored]]:
    """Return, per questionnaire version, about size/versions distinct scored answer sets."""
    buckets = _partner_buckets()
    pools: dict[str, list[Scored]] = {}
    per_version = max(1, size // len(questionnaires))
    for questionnaire in questionnaires:
        seen: dict[str, Scored] = {}
        for _ in range(per_version * 3):
            answers = draw_answers(rng, questionnaire, buckets)
            key = json.dumps(sorted(answers.items()))
            if key not in seen:
                seen[key] = services.score_answers(questionnaire, answers)
            if len(seen) >= per_version:
                break
        pools[questionnaire.version] = list(seen.values())
    return pools


# --- Diagnostics --------------------------------------------------------------------------------


def _draws(
    rng: random.Random, pools: dict[str, list[Scored]], count: int, now: datetime
) -> Iterator[Completion]:
    """Yield count consented completions spread over the last MONTHS_BACK months and versions."""
    versions = list(pools)
    span = timedelta(days=30.44 * MONTHS_BACK).total_seconds()
    for _ in range(count):
        completed = now - timedelta(seconds=rng.random() * span)
        # Newer questionnaire versions are used more in later months.
        age = (now - completed).total_seconds() / span
        index = min(len(versions) - 1, int((1 - age) * len(versions) + rng.random() - 0.5))
        pool = pools[versions[max(0, index)]]
        yield Completion(
            scored=pool[rng.randrange(len(pool))],
            completed_at=completed,
            created_at=completed - timedelta(seconds=rng.random() * 20 * 86400),
            lang="en" if rng.random() < 0.05 else "fr",
            share_anonymised=True,
        )


@dataclass(frozen=True)
class DemoReport:
    """What ``generate`` did, with its timings in seconds."""

    count: int
    profiles: int
    scoring_seconds: float
    insert_seconds: float

    @property
    def seconds(self) -> float:
        """Return the total time."""
        return self.scoring_seconds + self.insert_seconds


def generate(
    engine: Engine,
    count: int,
    seed: int | None = None,
    *,
    pool_size: int = DEFAULT_POOL,
    batch: int = services.BULK_BATCH,
    now: datetime | None = None,
) -> DemoReport:
    """Insert count synthetic completed, consented diagnostics (shared_result rows included);
    return what was done."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    questionnaires = list(qn.load_all().values())
    started = time.perf_counter()
    pools = profiles(rng, questionnaires, min(count, pool_size) or 1)
    scored = time.perf_counter()
    with Session(engine) as session:
        drawn = _draws(rng, pools, count, now or datetime.now(UTC))
        services.complete_many(session, drawn, batch=batch)
    done = time.perf_counter()
    return DemoReport(
        count=count,
        profiles=sum(len(p) for p in pools.values()),
        scoring_seconds=scored - started,
        insert_seconds=done - scored,
    )
