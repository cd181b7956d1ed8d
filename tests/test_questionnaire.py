"""The questionnaire files: contract ids and codes, validation with file and line, CLI check."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app import questionnaire as qn

CORE = {
    "collectivity_type": (
        "single",
        ["commune", "intercommunalite", "metropole", "departement", "region", "other"],
    ),
    "population": ("single", ["lt_20k", "20k_100k", "100k_500k", "500k_1m", "gt_1m"]),
    "budget_trend": ("single", ["strong_decrease", "decrease", "stable", "increase"]),
    "budget_amount": ("single", ["lt_50k", "50k_200k", "200k_1m", "gt_1m"]),
    "roi_demand": ("single", ["none", "moderate", "strong"]),
    "partner_metropolises": ("single", ["none", "some", "most"]),
    "partnership_age": ("single", ["none", "lt_3y", "3_10y", "gt_10y"]),
    "service_attachment": (
        "single",
        [
            "cabinet",
            "general_management",
            "economic_development",
            "attractiveness",
            "other",
            "none",
        ],
    ),
    "work_mode": ("single", ["project", "mixed", "silo"]),
    "cross_service": ("scale", ["1", "2", "3", "4"]),
    "local_actors": (
        "multi",
        [
            "companies",
            "clusters",
            "cci",
            "universities",
            "associations",
            "urban_operators",
            "training",
            "none",
        ],
    ),
    "impact_evaluation": ("single", ["none", "occasional", "systematic"]),
    "elected_awareness": ("scale", ["1", "2", "3", "4"]),
    "goals": (
        "multi",
        [
            "business_export",
            "attract_talent",
            "territorial_marketing",
            "innovation_trust",
            "sustainable_development",
            "solidarity",
            "institutional_strengthening",
            "youth_employability",
            "intl_public_markets",
        ],
    ),
}
CATALOGUE = {
    "territorial_strategy",
    "involve_competent_authority",
    "inform_elected",
    "reconcile_solidarity_economy",
    "mobilise_jointly",
    "decompartmentalise",
    "evaluate_impact",
    "upstream_role",
    "no_substitution",
    "fasep_fexte",
    "technical_pairs",
    "economic_missions",
    "cci_mission",
    "urban_operators",
    "pilot_project",
    "city_network",
    "apprentices",
    "talent_attraction",
    "csr_commitment",
    "open_partnership",
}


@pytest.fixture(scope="module", params=["1", "2"])
def q(request: pytest.FixtureRequest) -> qn.Questionnaire:
    """Return each shipped questionnaire version (v2 is the current one)."""
    questionnaire = qn.get(request.param)
    assert questionnaire is not None
    return questionnaire


def test_core_questions_have_the_contract_codes(q: qn.Questionnaire) -> None:
    for qid, (qtype, codes) in CORE.items():
        assert q.questions[qid].type == qtype, qid
        if q.version == "1":
            assert sorted(q.questions[qid].codes) == sorted(codes), qid
        else:  # later versions may add codes (contract § 2), never drop one
            assert set(codes) <= set(q.questions[qid].codes), qid
    assert q.questions["partner_countries"].type == "country_multi"
    assert q.questions["goals"].min_choices == 1
    assert q.questions["goals"].max_choices == 3
    regions = q.questions["region"].codes
    assert len(regions) == 18
    assert {"84", "11", "01"} <= set(regions)


def test_every_catalogue_recommendation_exists(q: qn.Questionnaire) -> None:
    ids = {r.id for r in q.rules if r.kind == "recommendation"}
    assert ids == CATALOGUE


def test_every_weight_and_rule_cites_the_report(q: qn.Questionnaire) -> None:
    for question in q.questions.values():
        if any(o.weights for o in question.options) or question.partner_weights:
            assert "§" in question.source or "Contexte" in question.source, question.id
    for rule in q.rules:
        assert "§" in rule.source.fr, rule.id


def test_french_texts_follow_french_typography() -> None:
    """A no-break space, never a plain one, before ; : ? ! and inside « »."""
    for path in sorted(qn.QUESTIONS_DIR.glob("v*/*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("#") or "en:" in stripped.split("fr:")[0]:
                continue
            french = stripped.split(", en:")[0] if "fr:" in stripped else ""
            if not french:
                continue
            assert not re.search(r" [;?!»]| :(?=\s)|« ", french), f"{path.name}:{number}"


def _broken_copy(tmp_path: Path, edit: tuple[str, str], file: str = "rules.yaml") -> Path:
    """Return a copy of v1 with one textual replacement in one file."""
    folder = tmp_path / "v1"
    shutil.copytree(qn.QUESTIONS_DIR / "v1", folder)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert edit[0] in text
    target.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("file", "edit", "expected"),
    [
        (
            "rules.yaml",
            (
                "{answer: roi_demand, in: [moderate, strong]}",
                "{answer: roi_demandd, in: [moderate, strong]}",
            ),
            "question inconnue",
        ),
        (
            "rules.yaml",
            (
                "{answer: impact_evaluation, in: [none, occasional]}",
                "{answer: impact_evaluation, in: [nevr]}",
            ),
            "code inconnu",
        ),
        (
            "rules.yaml",
            (
                "{answer: impact_evaluation, in: [none, occasional]}",
                "{answer: roi_demand, in: [none]}",
            ),
            "ne peut jamais être vraie",
        ),
        (
            "questionnaire.yaml",
            (
                "weights: {multisector_cooperation: 2, sustainable_development: 1}",
                "weights: {multisector_cooperatio: 2}",
            ),
            "positionnement ou une logique inconnu",
        ),
        (
            "questionnaire.yaml",
            ("code: 20k_100k", "code: lt_20k"),
            "code d'option «\u00a0lt_20k\u00a0» en double",
        ),
        (
            "questionnaire.yaml",
            ('en: "What is the population of your territory?"', 'en: ""'),
            "n'a pas de traduction\u00a0: en",
        ),
        (
            "rules.yaml",
            ("fact: economic_competence, is: false", "fact: economic_competency, is: false"),
            "fait inconnu",
        ),
        (
            "rules.yaml",
            ("Votre collectivité ({collectivity_type})", "Votre collectivité ({collectivity})"),
            "champ inconnu",
        ),
    ],
)
def test_validation_reports_problems_with_file_and_line(
    tmp_path: Path, file: str, edit: tuple[str, str], expected: str
) -> None:
    original = (qn.QUESTIONS_DIR / "v1" / file).read_text(encoding="utf-8")
    typo_line = original[: original.index(edit[0])].count("\n") + 1
    folder = _broken_copy(tmp_path, edit, file)
    _, problems = qn.check_folder(folder)
    matching = [p for p in problems if expected in p]
    assert matching, problems
    # The problem points at the line of the typo itself, and is listed once.
    assert matching[0].startswith(f"{folder / file}:{typo_line}: "), matching
    assert len(problems) == len(set(problems))
    with pytest.raises(qn.QuestionnaireError):
        qn.load_folder(folder)


def test_cli_check_passes_on_shipped_files(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["questions", "check"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_cli_check_fails_with_file_and_line(runner, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _broken_copy(
        tmp_path,
        ("{answer: roi_demand, in: [moderate, strong]}", "{answer: nope, in: [moderate, strong]}"),
    )
    monkeypatch.setattr(qn, "QUESTIONS_DIR", tmp_path)
    result = runner.invoke(args=["questions", "check"])
    assert result.exit_code == 1
    assert "rules.yaml:" in result.output
    assert "question inconnue «\u00a0nope\u00a0»" in result.output
    assert result.output.count("nope") == 1  # once, not again through the start-up log


TEST_V = Path(__file__).resolve().parent / "questionnaires" / "test_v" / "v1"


@pytest.mark.parametrize(
    ("file", "edit", "expected"),
    [
        (
            "questionnaire.yaml",
            (
                'relevant: {answer: has_partnerships, in: ["yes"]}\n    repeat',
                'relevant: {answer: has_partnership, in: ["yes"]}\n    repeat',
            ),
            "question inconnue «\u00a0has_partnership\u00a0»",
        ),
        ("questionnaire.yaml", ("      max: 3", "      maxi: 3"), "n'a pas de maximum"),
        (
            "questionnaire.yaml",
            (
                "      any:\n        - {not: {answer: goals, in: [solidarity]}}\n"
                '        - {answer: has_partnerships, in: ["yes"]}',
                "      all:\n        - {not: {answer: goals, in: [solidarity]}}\n"
                "        - {answer: goals, in: [solidarity]}",
            ),
            "ne peut être satisfaite par aucune réponse",
        ),
        (
            "rules.yaml",
            (
                "when: {repeat: partnerships, any: {answer: partner_kind, in: [economic]}}",
                "when: {answer: partner_kind, in: [economic]}",
            ),
            "est un champ du bloc répété «\u00a0partnerships\u00a0»",
        ),
        (
            "rules.yaml",
            (
                "when: {repeat: partnerships, any: {answer: partner_kind, in: [economic]}}",
                "when: {repeat: partnerships, any: {answer: partner_kind, in: [economical]}}",
            ),
            "code inconnu «\u00a0economical\u00a0»",
        ),
    ],
)
def test_check_reports_new_keys_at_the_line_of_the_typo(
    tmp_path: Path, file: str, edit: tuple[str, str], expected: str
) -> None:
    folder = tmp_path / "v1"
    shutil.copytree(TEST_V, folder)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert edit[0] in text
    typo_line = text[: text.index(edit[0])].count("\n") + 1
    target.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    _, problems = qn.check_folder(folder)
    matching = [p for p in problems if expected in p]
    assert len(matching) == 1, problems
    assert matching[0].startswith(f"{target}:{typo_line}: "), problems
