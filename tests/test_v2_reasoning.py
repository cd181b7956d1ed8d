"""Questionnaire v2 (``questions/v2``, strict reasoning): what an RI officer reads is true.

One test per text defect of the first release, each named after it; Hypothesis properties over
generated v2 answer sets for each reasoning rule (absence weighs nothing, every named answer was
given, excluded rules never together, distinct reasons); the two worked examples of EXAMPLES.md
through ``POST /api/v1/score`` with the core answers alone; ``flask questions check`` on v1 and v2.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from app import questionnaire as qn
from app.core import partners
from app.core.answers import AnswerErrors, validate
from app.core.conditions import holds
from app.core.loader import conflicting_pairs, random_answers
from app.core.model import Questionnaire
from app.core.recommend import Recommendation, env_of_result, fired_rules, recommend
from app.core.relevance import prune
from app.core.scoring import answer_vector, score
from tests.factories import EXAMPLE_A, EXAMPLE_B  # the worked examples, core answers only
from tests.test_questionnaire import CATALOGUE  # the contract's recommendation ids

Q = qn.get("2")
assert Q is not None
Q2: Questionnaire = Q

ECONOMIC_GOALS = {
    "business_export",
    "intl_public_markets",
    "attract_talent",
    "innovation_trust",
    "inward_investment",
}


def core(**changes: Any) -> dict[str, Any]:
    """Return a neutral set of core answers with some changed (a commune in Bretagne)."""
    answers: dict[str, Any] = {
        "collectivity_type": "commune",
        "population": "20k_100k",
        "region": "53",
        "budget_trend": "stable",
        "budget_amount": "50k_200k",
        "roi_demand": "none",
        "partner_countries": [],
        "partner_metropolises": "none",
        "partnership_age": "none",
        "service_attachment": "general_management",
        "work_mode": "mixed",
        "cross_service": 3,
        "local_actors": ["associations"],
        "impact_evaluation": "occasional",
        "elected_awareness": 3,
        "goals": ["solidarity"],
    }
    answers.update(changes)
    return answers


def block(country: str, **changes: Any) -> dict[str, Any]:
    """Return the answers of one partnership block."""
    item: dict[str, Any] = {
        "partner_country": country,
        "partnership_since": "3_10y",
        "partnership_fields": ["culture"],
        "partnership_actors": ["associations"],
        "partnership_funding": ["own_budget"],
    }
    item.update(changes)
    return item


def fired(answers: dict[str, Any], lang: str = "fr") -> dict[str, Recommendation]:
    """Return the recommendations and warnings of valid v2 answers, by id."""
    clean = validate(Q2, answers, lang)
    return {r.id: r for r in recommend(Q2, clean, score(Q2, clean), lang)}


@st.composite
def v2_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Return a valid v2 answer set: with partnership blocks (the form) or core answers (API)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    raw = random_answers(Q2, rng)
    if draw(st.booleans()):
        raw["has_partnerships"] = "yes"
    if draw(st.booleans()):
        raw.pop("partnerships", None)
        raw.pop("has_partnerships", None)
    return validate(Q2, prune(Q2, raw))


# --- Reasoning rules, over generated answer sets ----------------------------------------------


@settings(max_examples=120, deadline=None)
@given(v2_answers())
def test_a_none_or_absent_answer_adds_no_points(answers: dict[str, Any]) -> None:
    for qid, question in Q2.questions.items():
        if question.repeat is None:
            value = answers.get(qid)
            if value in (None, [], "none", ["none"]):
                assert answer_vector(question, answers) == {}, qid
            continue
        for item in answers.get(question.repeat) or []:
            if item.get(qid) in (None, [], "none", ["none"]):
                assert question.kind.vector(question, item.get(qid)) == {}, qid
    if "partnerships" not in answers:
        omitted = {k: v for k, v in answers.items() if k != "partner_countries"}
        empty = {**answers, "partner_countries": []}
        assert score(Q2, omitted, with_tip=False).scores == score(Q2, empty, with_tip=False).scores


@settings(max_examples=120, deadline=None)
@given(v2_answers(), st.sampled_from(["fr", "en"]))
def test_every_answer_a_text_names_was_given(answers: dict[str, Any], lang: str) -> None:
    result = score(Q2, answers, with_tip=False)
    partner_names = {c.name(lang) for c in result.partners}
    all_names = {c.name(lang) for c in partners.countries(lang)}
    for rec in recommend(Q2, answers, result, lang):
        assert "{" not in rec.text, rec.id
        assert "}" not in rec.text, rec.id
        assert "  " not in rec.text, (rec.id, rec.text)
        for qid in ("goals", "regional_cooperation"):
            question = Q2.questions[qid]
            for option in question.options:
                label = option.label.get(lang).lower()
                if label != "aucun" and label != "none" and label in rec.text.lower():
                    assert option.code in (answers.get(qid) or []), (rec.id, option.code)
        rule = Q2.rule(rec.id)
        template = " ".join(
            [rule.text.get(lang)] + [f.text.get(lang) for f in rule.fragments.values()]
        )
        for name in all_names - partner_names:
            # A country the respondent did not give is never named as a partner.
            if name in template or any(name in given for given in partner_names):
                continue
            assert not re.search(rf"\b{re.escape(name)}\b", rec.text), (rec.id, name)


@settings(max_examples=120, deadline=None)
@given(v2_answers(), st.sampled_from(["fr", "en"]))
def test_because_lists_distinct_reasons_and_negations_in_words(
    answers: dict[str, Any], lang: str
) -> None:
    result = score(Q2, answers, with_tip=False)
    for rec in recommend(Q2, answers, result, lang):
        assert rec.because, rec.id
        assert len(set(rec.because)) == len(rec.because), (rec.id, rec.because)


@settings(max_examples=120, deadline=None)
@given(v2_answers())
def test_excluded_rules_are_never_shown_together(answers: dict[str, Any]) -> None:
    result = score(Q2, answers, with_tip=False)
    shown = {r.id for r in fired_rules(Q2, env_of_result(Q2, answers, result))}
    for rule in Q2.rules:
        if rule.id in shown:
            assert not shown & set(rule.excludes), (rule.id, rule.excludes)


def test_every_contradictory_pair_is_declared() -> None:
    assert conflicting_pairs(Q2) == []
    stances = {r.id for r in Q2.rules if r.stance}
    assert {"open_partnership", "low_income_economic_goal"} <= stances


def test_v2_is_current_and_strict_and_v1_is_kept() -> None:
    assert qn.current().version == "2"
    assert Q2.strict
    v1 = qn.get("1")
    assert v1 is not None
    assert not v1.strict


def test_the_recommendation_catalogue_of_the_contract_is_complete() -> None:
    ids = {r.id for r in Q2.rules if r.kind == "recommendation"}
    assert ids == CATALOGUE


def test_perception_questions_are_flagged() -> None:
    flagged = {qid for qid, q in Q2.questions.items() if q.perception}
    assert flagged == {"goals", "roi_demand", "elected_awareness", "cross_service"}


def test_questions_check_is_green_on_v1_and_v2(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questions", "check"])
    assert result.exit_code == 0, result.output
    assert "v1" in result.output
    assert "v2" in result.output


# --- The worked examples, through the API with the core answers alone -------------------------


def _score(client: FlaskClient, answers: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/score", json={"answers": answers})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    assert body["questionnaire_version"] == "2"
    return body


def test_worked_example_a_under_v2(client: FlaskClient) -> None:
    body = _score(client, EXAMPLE_A)
    ids = {r["id"] for r in body["recommendations"]}
    assert body["dominant"] != "business_internationalisation"
    assert "involve_competent_authority" in ids
    assert "upstream_role" not in ids
    assert "inform_elected" in ids
    involve = next(r for r in body["recommendations"] if r["id"] == "involve_competent_authority")
    assert "innover et créer de la confiance" in involve["title"] + str(involve["because"])


def test_worked_example_b_under_v2(client: FlaskClient) -> None:
    body = _score(client, EXAMPLE_B)
    scores = body["scores"]
    ids = {r["id"] for r in body["recommendations"]}
    warnings = {w["id"] for w in body["warnings"]}
    assert body["dominant"] in ("economic_cooperation", "business_internationalisation")
    assert scores["multisector_cooperation"] + 20 < min(
        scores["economic_cooperation"], scores["business_internationalisation"]
    )
    for absent in ("upstream_role", "decompartmentalise", "evaluate_impact"):
        assert absent not in ids
    assert "involve_competent_authority" not in ids
    assert "inform_elected" not in ids
    assert "no_substitution" in ids | warnings
    assert "talent_attraction" in ids


def test_blocks_derive_the_core_answers_of_example_a() -> None:
    answers = validate(
        Q2,
        {
            **{k: v for k, v in EXAMPLE_A.items() if k not in ("partner_countries",)},
            "has_partnerships": "yes",
            "partnerships": [
                block("DE", partnership_since="gt_10y", partner_territory_kind="city"),
                block("MA", partnership_since="3_10y", partner_territory_kind="capital_metropolis"),
            ],
        },
    )
    assert answers["partner_countries"] == ["DE", "MA"]
    assert answers["partnership_age"] == "gt_10y"
    assert answers["partner_metropolises"] == "most"


def test_a_respondent_without_partner_never_sees_partnership_questions() -> None:
    section = Q2.section("partnerships")
    assert section is not None
    assert section.repeat is not None
    answers = validate(
        Q2, core(has_partnerships="no", partnerships=[block("DE")], partner_countries=["DE"])
    )
    assert "partnerships" not in answers
    assert answers["partner_countries"] == []
    assert answers["partnership_age"] == "none"


# --- One test per text defect of the first release ---------------------------------------------


def test_absence_is_not_counted_as_export() -> None:
    answers = validate(
        Q2,
        core(
            has_partnerships="no",
            service_attachment="none",
            work_mode="silo",
            cross_service=1,
            elected_awareness=1,
            impact_evaluation="none",
            local_actors=["none"],
            goals=["territorial_marketing"],
        ),
    )
    result = score(Q2, answers)
    assert result.scores["business_internationalisation"] == 0.0
    assert result.dominant != "business_internationalisation"
    silent = {"service_attachment", "work_mode", "cross_service", "local_actors", "partnership_age"}
    for contributions in result.contributions.values():
        assert not silent & {c.question_id for c in contributions}


@pytest.mark.parametrize("code", ["SG", "AE", "QA", "SA", "RO", "HR", "PL"])
def test_high_income_outside_the_oecd_gets_economic_cooperation(code: str) -> None:
    recs = fired(
        core(
            collectivity_type="region",
            partner_countries=[code],
            local_actors=["companies"],
            goals=["business_export"],
        )
    )
    country = partners.country(code)
    assert country is not None
    name = partners.french_name(country).definite
    assert "economic_missions" in recs
    assert "cci_mission" in recs
    assert f"Avec {name}," in recs["economic_missions"].text
    assert f"avec {name} à l'accompagnement" in recs["cci_mission"].text


def test_involve_competent_authority_asserts_no_economic_goal_not_ticked() -> None:
    solidarity = ["solidarity", "institutional_strengthening", "youth_employability"]
    assert "involve_competent_authority" not in fired(
        core(collectivity_type="departement", goals=solidarity, roi_demand="moderate")
    )
    rec = fired(core(collectivity_type="departement", goals=solidarity, roi_demand="strong"))[
        "involve_competent_authority"
    ]
    assert "objectifs économiques" not in rec.text
    assert "fort retour sur investissement" in rec.text
    assert "un département en a peu" in rec.text
    assert "la région et les intercommunalités de votre territoire" in rec.text


def test_reconcile_solidarity_economy_speaks_of_no_solidarity_goal_not_ticked() -> None:
    recs = fired(
        core(partner_countries=["ML", "BF"], roi_demand="moderate", goals=["business_export"])
    )
    text = recs["reconcile_solidarity_economy"].text
    assert "objectifs de solidarité" not in text
    assert "solidarité internationale" not in text
    assert "(le Mali et le Burkina Faso)" in text


def test_negated_conditions_read_as_not_indicated() -> None:
    rec = fired(core(goals=["business_export"], local_actors=["associations"]))["mobilise_jointly"]
    not_given = [b for b in rec.because if b.startswith("vous n'avez pas indiqué")]
    assert not_given == [
        "vous n'avez pas indiqué\u00a0: acteurs associés\u00a0: entreprises, pôles de "
        "compétitivité et clusters, chambre de commerce et d'industrie (CCI), sociétés "
        "d'économie mixte ou publiques locales (SEM, SPL), agence de développement économique "
        "ou d'attractivité"
    ]
    assert "acteurs associés\u00a0: associations" not in rec.because


def test_the_same_reason_is_never_repeated() -> None:
    recs = fired(EXAMPLE_B)
    for rec in recs.values():
        assert len(set(rec.because)) == len(rec.because), rec.because


OPEN_AND_WARNED = core(
    collectivity_type="region",
    budget_amount="gt_1m",
    roi_demand="strong",
    partner_countries=["SN", "HT"],
    service_attachment="economic_development",
    local_actors=["companies", "cci"],
    goals=["business_export", "intl_public_markets"],
)


def test_open_partnership_never_beside_the_low_income_warning() -> None:
    # Senegal and Haiti: least developed, yet lower-middle income (so « middle or high »).
    recs = fired(OPEN_AND_WARNED)
    assert "low_income_economic_goal" in recs
    assert "open_partnership" not in recs
    answers = validate(Q2, OPEN_AND_WARNED)
    env = env_of_result(Q2, answers, score(Q2, answers))
    assert holds(Q2.rule("open_partnership").when, env)  # hidden by the warning, not unmet


def test_urban_operators_reaches_a_water_syndicate() -> None:
    recs = fired(
        core(
            collectivity_type="syndicat",
            has_partnerships="yes",
            partnerships=[
                block(
                    "BF",
                    partnership_fields=["water_sanitation"],
                    partnership_actors=["urban_operators"],
                )
            ],
        )
    )
    text = recs["urban_operators"].text
    assert "Un syndicat qui exerce ces services" in text
    assert "L'un de vos partenariats porte sur l'eau et l'assainissement" in text
    assert "loi Oudin-Santini" in text


def test_urban_operators_not_for_institutional_strengthening_without_operators() -> None:
    recs = fired(
        core(
            population="lt_20k",
            partner_countries=["BF"],
            local_actors=["associations"],
            goals=["institutional_strengthening"],
        )
    )
    assert "urban_operators" not in recs


def test_fasep_is_the_treasurys_fund_for_french_companies_and_fexte_is_afds() -> None:
    text = fired(core(partner_countries=["MA"], local_actors=["companies"]))["fasep_fexte"].text
    assert "direction générale du Trésor" in text
    assert "réalisés par des entreprises françaises pour des maîtres d'ouvrage publics" in text
    assert (
        "Le FEXTE (Fonds d'expertise technique et d'échanges d'expériences) est un fonds de l'AFD"
        in text
    )
    assert "échanges techniques" not in text


def test_team_france_export_is_co_steered_by_the_regions() -> None:
    answers = core(
        collectivity_type="commune",
        partner_countries=["CA"],
        local_actors=["companies"],
        goals=["business_export"],
        prior_work=["team_france_export"],
    )
    recs = fired(answers)
    mentions = [r.text for r in recs.values() if "Team France Export" in r.text]
    assert len(mentions) >= 2
    for text in mentions:
        for sentence in re.split(r"(?<=[.:;])\s", text):
            if "Team France Export" in sentence and "pilot" in sentence:
                assert "région" in sentence, sentence
                assert "intercommunalité" not in sentence, sentence
    for rule in Q2.rules:
        for lang in ("fr", "en"):
            assert "intercommunalité ou votre région, qui pilote" not in rule.text.get(lang)


def test_one_percent_laws_fund_solidarity_and_cooperation_not_tenders() -> None:
    recs = fired(core(partner_countries=["SN"], local_actors=["urban_operators"]))
    text = recs["urban_operators"].text
    assert (
        "financent des actions de solidarité et de coopération, pas l'accès à ces marchés" in text
    )
    assert "loi Oudin-Santini, 2005" in text
    assert "depuis la loi d'orientation des mobilités de 2019, des transports" in text


def test_one_percent_already_used_in_a_partnership_is_named() -> None:
    recs = fired(
        core(
            has_partnerships="yes",
            local_actors=["urban_operators"],
            partnerships=[
                block(
                    "MG",
                    partnership_fields=["water_sanitation"],
                    partnership_funding=["one_percent"],
                )
            ],
        )
    )
    text = recs["urban_operators"].text
    assert "Vous mobilisez déjà le «\u00a01\u00a0%\u00a0» dans au moins un partenariat" in text
    assert "sans recourir" not in text


@pytest.mark.parametrize(
    ("codes", "written"),
    [
        (["BF", "ML"], "Avec le Burkina Faso et le Mali,"),
        (["KM"], "Avec les Comores,"),
        (["HT"], "Avec Haïti,"),
    ],
)
def test_partner_countries_take_their_article(codes: list[str], written: str) -> None:
    assert fired(core(partner_countries=codes))["upstream_role"].text.startswith(written)


def test_english_answers_are_not_capitalised_mid_sentence() -> None:
    rec = fired(core(goals=["business_export"]), "en")["involve_competent_authority"]
    assert "Yet you pursue economic goals: support companies' exports." in rec.text


@pytest.mark.parametrize("code", ["FR", "RE", "GP"])
def test_france_and_its_overseas_are_refused_as_partners(code: str) -> None:
    with pytest.raises(AnswerErrors) as caught:
        validate(Q2, core(partner_countries=[code]))
    assert "partner_countries" in caught.value.errors
    with pytest.raises(AnswerErrors) as caught:
        validate(Q2, core(has_partnerships="yes", partnerships=[block(code)]))
    assert "partnerships-0-partner_country" in caught.value.errors


def test_an_omitted_partner_countries_scores_as_an_empty_one() -> None:
    empty = validate(Q2, core(partner_countries=[]))
    omitted = validate(Q2, {k: v for k, v in core().items() if k != "partner_countries"})
    assert score(Q2, empty).scores == score(Q2, omitted).scores


@pytest.mark.parametrize("code", ["HT", "SN", "BJ"])
def test_least_developed_lower_middle_countries_get_the_upstream_advice(code: str) -> None:
    assert "upstream_role" in fired(core(partner_countries=[code]))


@pytest.mark.parametrize("kind", ["collectivite_unique", "other"])
def test_corse_or_a_ctu_is_never_sent_to_its_region(kind: str) -> None:
    recs = fired(
        core(
            collectivity_type=kind,
            region="94" if kind == "collectivite_unique" else "02",
            roi_demand="strong",
            partner_countries=["CA"],
            local_actors=["companies"],
            goals=["business_export", "inward_investment"],
        )
    )
    assert "involve_competent_authority" not in recs
    for rec in recs.values():
        assert "votre région" not in rec.text
        assert "avec la région" not in rec.text


def test_a_ctu_holds_the_economic_competence() -> None:
    answers = validate(Q2, core(collectivity_type="collectivite_unique", region="03"))
    assert score(Q2, answers).facts["economic_competence"] is True


def test_overseas_authorities_are_asked_about_regional_cooperation() -> None:
    answers = validate(
        Q2,
        core(region="01", intl_strategy="none", regional_cooperation=["interreg"]),
    )
    assert answers["regional_cooperation"] == ["interreg"]
    rec = {r.id: r for r in recommend(Q2, answers, score(Q2, answers), "fr")}[
        "territorial_strategy"
    ]
    assert rec.text.endswith("avec les pays de votre bassin, menée avec un programme INTERREG.")
    mainland = validate(Q2, core(region="53", regional_cooperation=["interreg"]))
    assert "regional_cooperation" not in mainland


# --- What « tailored » must mean (DOMAIN.md), over generated v2 answer sets --------------------

LOW = [c.code for c in partners.countries() if c.income_group == "low"]
OECD = [c.code for c in partners.countries() if c.oecd and not partners.is_french_territory(c.code)]


@settings(max_examples=80, deadline=None)
@given(v2_answers(), st.lists(st.sampled_from(LOW), min_size=1, max_size=4, unique=True))
def test_a_commune_with_only_low_income_partners_is_not_sent_to_export(
    answers: dict[str, Any], countries: list[str]
) -> None:
    raw = {k: v for k, v in answers.items() if k not in ("partnerships", "has_partnerships")}
    recs = fired({**raw, "collectivity_type": "commune", "partner_countries": countries})
    assert "upstream_role" in recs
    assert "cci_mission" not in recs
    assert "economic_missions" not in recs
    assert "open_partnership" not in recs


@settings(max_examples=80, deadline=None)
@given(v2_answers(), st.lists(st.sampled_from(OECD), min_size=1, max_size=4, unique=True))
def test_an_economic_metropole_gets_economic_actions_not_only_solidarity(
    answers: dict[str, Any], countries: list[str]
) -> None:
    raw = {k: v for k, v in answers.items() if k not in ("partnerships", "has_partnerships")}
    recs = fired(
        {
            **raw,
            "collectivity_type": "metropole",
            "partner_countries": countries,
            "local_actors": ["companies", "clusters"],
        }
    )
    assert {"economic_missions", "cci_mission", "open_partnership", "city_network"} & set(recs)
    assert "upstream_role" not in recs
    assert "involve_competent_authority" not in recs


def test_every_recommendation_and_warning_is_reachable() -> None:
    rng = random.Random(2026)
    seen: set[str] = set()
    for _ in range(1500):
        raw = random_answers(Q2, rng)
        raw["has_partnerships"] = rng.choice(["yes", "yes", "no"])
        answers = validate(Q2, prune(Q2, raw))
        seen |= {r.id for r in fired_rules(Q2, env_of_result(Q2, answers, score(Q2, answers)))}
        if seen >= {r.id for r in Q2.rules}:
            break
    assert {r.id for r in Q2.rules} - seen == set()


def test_upstream_speaks_of_a_partner_seeking_jobs_only_when_a_block_says_so() -> None:
    seeking = core(
        has_partnerships="yes",
        partnerships=[block("MG", partner_seeks=["economic_development"]), block("ML")],
    )
    text = fired(seeking)["upstream_role"].text
    assert text.startswith("Avec Madagascar et le Mali,")
    assert "Au moins un de vos partenaires vise désormais le développement économique" in text
    markets_only = core(
        has_partnerships="yes", partnerships=[block("MG", partner_seeks=["markets"])]
    )
    assert "vise désormais" not in fired(markets_only)["upstream_role"].text
