"""``flask admin create EMAIL`` and ``flask demo-data --count N [--seed S]``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import func, select

from app import demo, report
from app import questionnaire as qn
from app.core.answers import validate
from app.db import get_engine, get_session
from app.models import Admin, Diagnostic, Result, ResultRecommendation
from tests.factories import EXAMPLE_A
from tests.test_admin_support import PASSWORD, admin_app, make_app, post_login

__all__ = ["admin_app"]


def _admins(app: Flask) -> list[Admin]:
    with app.app_context():
        return list(get_session().scalars(select(Admin)))


def test_create_admin_from_env(admin_app: Flask) -> None:
    result = admin_app.test_cli_runner().invoke(
        args=["admin", "create", " Chargee@ARRICOD.example "], env={"ADMIN_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert "chargee@arricod.example" in result.output
    (admin,) = _admins(admin_app)
    assert admin.email == "chargee@arricod.example"
    assert admin.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(admin.password_hash, PASSWORD)
    assert post_login(admin_app.test_client(), "chargee@arricod.example").status_code == 302


def test_create_admin_with_prompt(admin_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    runner = admin_app.test_cli_runner()
    result = runner.invoke(
        args=["admin", "create", "a@b.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    mismatch = runner.invoke(
        args=["admin", "create", "c@b.example"], input=f"{PASSWORD}\nautre chose encore\n" * 2
    )
    assert mismatch.exit_code != 0
    assert "do not match" in mismatch.output or "correspondent pas" in mismatch.output
    assert {a.email for a in _admins(admin_app)} == {"a@b.example"}


def test_create_admin_refuses_duplicates(admin_app: Flask) -> None:
    runner = admin_app.test_cli_runner()
    env = {"ADMIN_PASSWORD": PASSWORD}
    assert runner.invoke(args=["admin", "create", "a@b.example"], env=env).exit_code == 0
    again = runner.invoke(args=["admin", "create", "A@B.example"], env=env)
    assert again.exit_code == 1
    assert "existe déjà" in again.output
    assert len(_admins(admin_app)) == 1


@pytest.mark.parametrize("email", ["pas-une-adresse", "a@b", "a b@c.example", "@c.example", ""])
def test_create_admin_refuses_invalid_addresses(admin_app: Flask, email: str) -> None:
    result = admin_app.test_cli_runner().invoke(
        args=["admin", "create", email], env={"ADMIN_PASSWORD": PASSWORD}
    )
    assert result.exit_code != 0
    assert "invalide" in result.output or "Missing argument" in result.output
    assert _admins(admin_app) == []


def test_create_admin_refuses_a_short_password(admin_app: Flask) -> None:
    result = admin_app.test_cli_runner().invoke(
        args=["admin", "create", "a@b.example"], env={"ADMIN_PASSWORD": "court"}
    )
    assert result.exit_code == 1
    assert "au moins 12 caractères" in result.output


# --- demo-data --------------------------------------------------------------------------------


def test_demo_data_command(admin_app: Flask) -> None:
    result = admin_app.test_cli_runner().invoke(args=["demo-data", "--count", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "40 diagnostics" in result.output
    with admin_app.app_context():
        session = get_session()
        diagnostics = list(session.scalars(select(Diagnostic)))
        assert len(diagnostics) == 40
        assert all(d.status == "completed" and d.share_anonymised for d in diagnostics)
        assert all(d.completed_at is not None for d in diagnostics)
        results = list(session.scalars(select(Result)))
        assert len(results) == 40
        assert all(r.is_current for r in results)
        assert {r.diagnostic_id for r in results} == {d.id for d in diagnostics}
        n_recs = session.scalar(select(func.count()).select_from(ResultRecommendation))
        assert n_recs == sum(len(r.payload["fr"]["recommendations"]) for r in results)

        # Same payload shape as a real completion, and scores that the real engine gives.
        # The demo spreads its diagnostics over the versions, newer ones in later months.
        versions = set()
        for diagnostic, result_row in zip(
            diagnostics, sorted(results, key=lambda r: r.diagnostic_id), strict=True
        ):
            questionnaire = qn.get(diagnostic.questionnaire_version)
            assert questionnaire is not None
            versions.add(questionnaire.version)
            reference = report.build_all(questionnaire, validate(questionnaire, EXAMPLE_A))
            assert result_row.payload.keys() == reference.keys()
            assert result_row.payload["fr"].keys() == reference["fr"].keys()
            expected = report.build_all(questionnaire, diagnostic.answers)
            assert result_row.payload == expected
            assert result_row.dominant == expected["fr"]["dominant"]
            assert diagnostic.collectivity_type == diagnostic.answers["collectivity_type"]
        months = {r.month for r in results}
        now = datetime.now(UTC)
        oldest = (now - timedelta(days=31 * demo.MONTHS_BACK)).strftime("%Y-%m")
        assert all(oldest <= m <= now.strftime("%Y-%m") for m in months)
        assert len(months) > 5
        assert len({d.collectivity_type for d in diagnostics}) >= 3
        assert versions == {"1", "2"}

    # The app's own inserts still work after explicit ids (sequence / rowid untouched).
    post = admin_app.test_client().get("/")
    assert post.status_code == 200


def test_demo_data_is_reproducible_with_a_seed() -> None:
    answers = []
    for _ in range(2):
        application = make_app()
        with application.app_context():
            demo.generate(get_engine(), 15, seed=11)
            answers.append(
                [
                    d.answers
                    for d in get_session().scalars(select(Diagnostic).order_by(Diagnostic.id))
                ]
            )
        application.extensions["db_engine"].dispose()
    assert answers[0] == answers[1]


def test_demo_data_requires_a_count(admin_app: Flask) -> None:
    result = admin_app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "--count" in result.output


def test_demo_answers_have_the_intended_correlations() -> None:
    import random

    rng = random.Random(5)
    buckets = demo._partner_buckets()
    drawn = [demo.core_answers(rng, buckets) for _ in range(3000)]

    def share_of(ctype: str, predicate: object) -> float:
        group = [a for a in drawn if a["collectivity_type"] == ctype]
        return sum(1 for a in group if predicate(a)) / len(group)  # type: ignore[operator]

    big_budget = lambda a: a["budget_amount"] in ("200k_1m", "gt_1m")  # noqa: E731
    associations = lambda a: "associations" in a["local_actors"]  # noqa: E731
    assert share_of("region", big_budget) > 2 * share_of("commune", big_budget)
    assert share_of("commune", associations) > 1.5 * share_of("region", associations)


def test_admin_refusals_speak_english_with_lang_en(admin_app: Flask) -> None:
    runner = admin_app.test_cli_runner()
    short = runner.invoke(
        args=["admin", "create", "a@b.example", "--lang", "en"], env={"ADMIN_PASSWORD": "court"}
    )
    assert short.exit_code == 1
    assert "The password must be at least 12 characters long." in short.output
    unknown = runner.invoke(
        args=["admin", "set-password", "personne@b.example", "--lang", "en"],
        env={"ADMIN_PASSWORD": "un mot de passe assez long"},
    )
    assert unknown.exit_code == 1
    assert "No administrator with the address personne@b.example." in unknown.output
