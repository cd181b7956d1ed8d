"""The dashboard's per-question summaries and the change between two shared results of one
authority: what each shared diagnostic contributes, what the snapshot releases, and what the page
shows (« moins de k », « trop imprécis », margins), in French and English.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from app import questionnaire as qn
from app import services
from app.admin import charts
from app.core.summary import diagnostic_codes, released_rows
from app.db import Base, get_session
from app.models import SHARED_SCORE_COLUMNS, Diagnostic, DiagnosticLink, SharedResult
from app.stats import release, snapshot
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.stats_support import estimates, publish, redone, section, table
from tests.test_admin_support import admin_app, logged_in, share, variant, wire
from tests.test_engine_web import serve

__all__ = ["admin_app"]

K = 5
QUESTIONS = Path(__file__).resolve().parents[1] / "questions"


def _release(
    cells: dict[tuple[str, str], dict[str, Any]], epsilon: float, domains: release.Domains
) -> release.Release:
    """Return a release of an empty snapshot whose figures are replaced by those given."""
    figures = release.publish([], domains, epsilon)
    for key, cell in figures.items():
        if key[0] in release.PROFILE_DIMENSIONS:
            figures[key] = {"counts": [0, 0, 0], "sums": [0.0, 0.0, 0.0]}
        elif key[0] == "answers":
            figures[key] = {
                **cell,
                "counts": {q: dict.fromkeys(r, 0) for q, r in cell["counts"].items()},
            }
        elif key[0] == "pairs":
            figures[key] = {"counts": [0], "sums": [0.0, 0.0, 0.0]}
    figures.update(cells)
    return release.Release(epsilon, figures, domains)


# --- What one diagnostic contributes ------------------------------------------------------------


def test_a_diagnostic_counts_once_per_row_and_never_in_more_rows_than_it_can_tick() -> None:
    questionnaire = qn.get("1")
    assert questionnaire is not None
    rows = released_rows(questionnaire)
    assert rows["collectivity_type"][1] == 1  # a single choice: one row
    assert rows["goals"][1] == 3  # at most three goals
    assert rows["local_actors"][1] == len(rows["local_actors"][0])  # every box may be ticked
    # Partner countries are summarised by income group: five rows, however many countries.
    assert rows["partner_countries"] == (
        ("low", "lower_middle", "upper_middle", "high", "unknown"),
        5,
    )
    many = variant(EXAMPLE_A, partner_countries=["DE", "IT", "ES", "BE", "NL", "ML", "SN"])
    found = diagnostic_codes(questionnaire, many)
    assert found["partner_countries"] == ("low", "lower_middle", "high")
    assert found["goals"] == tuple(sorted(EXAMPLE_A["goals"], key=rows["goals"][0].index))
    total = release.Domains({}, [], answers={"1": rows}).answer_sensitivity("1")
    assert total == sum(width for _codes, width in rows.values())
    assert all(len(codes) <= rows[q][1] for q, codes in found.items())


def test_a_repeat_question_counts_a_diagnostic_once_per_row_whatever_its_number_of_items() -> None:
    questionnaire = qn.load_folder(Path(__file__).parent / "questionnaires" / "test_v" / "v1")
    rows = released_rows(questionnaire)
    repeated = [q for q in questionnaire.questions.values() if q.repeat is not None]
    assert repeated
    question = repeated[0]
    section_ = questionnaire.repeats[question.repeat or ""]
    assert section_.repeat is not None
    codes, width = rows[question.id]
    assert width == min(len(codes), question.kind.summary_width(question) * section_.repeat.max)
    items = [{question.id: question.kind.domain(question)[0]}] * section_.repeat.max  # type: ignore[index]
    found = diagnostic_codes(questionnaire, {question.repeat: items})
    assert len(found[question.id]) == 1  # the same answer in every item: one row, once


def test_the_shared_row_holds_summary_rows_never_answers(admin_app: Flask) -> None:
    [shared_id] = share(admin_app, EXAMPLE_B, 1)
    with admin_app.app_context():
        row = get_session().get(SharedResult, shared_id)
        assert row is not None
        tokens = row.answer_codes.split(",")
    assert "collectivity_type=region" in tokens
    assert all("=" in t for t in tokens)
    assert not any(country in row.answer_codes for country in EXAMPLE_B["partner_countries"])


def test_the_snapshot_counts_per_version_what_the_diagnostics_count_in(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 3)
    share(admin_app, EXAMPLE_B, 2)
    share(admin_app, EXAMPLE_B, 1, shared=False)
    with admin_app.app_context():
        summary = snapshot.summary_of(get_session())
    counts = summary.answers["1"]
    assert counts["collectivity_type=commune"] == 3
    assert counts["collectivity_type=region"] == 2
    for goal in EXAMPLE_A["goals"]:
        assert counts[f"goals={goal}"] >= 3


# --- What the dashboard shows -------------------------------------------------------------------


def test_each_question_is_summarised_by_its_type_with_margins_and_k(admin_app: Flask) -> None:
    domains = snapshot.domains(date(2026, 6, 1))
    questionnaire = qn.get("1")
    assert questionnaire is not None
    cells: dict[tuple[str, str], dict[str, Any]] = {
        ("collectivity_type", "commune"): {"counts": [300, 300, 400], "sums": [0.0, 0, 0]},
        ("version", "1"): {"counts": [300, 300, 400], "sums": [0.0, 0, 0]},
    }
    found = _release(cells, 500.0, domains)
    answers = found.cells[("answers", "1")]
    answers["counts"]["goals"].update({"business_export": 600, "solidarity": 3})
    answers["counts"]["partner_countries"].update({"high": 250})
    for lang in ("fr", "en"):
        with admin_app.test_request_context(f"/admin/?lang={lang}"):
            board = charts.build(found, "all", "", K, lang)
        goals = board.chart("chart-q1-goals")
        assert goals is not None
        assert goals.figure is not None
        question = questionnaire.questions["goals"]
        labels = [r.label for r in question.kind.summary(question, [], lang)]
        assert [row[0] for row in goals.rows] == labels  # the type's own rows, in its order
        first = {row[0]: row[1:] for row in goals.rows}[labels[0]]
        assert first[0].startswith("600 ± ")
        assert first[1].startswith("60")
        assert " ± " in first[1]
        solidarity = question.option("solidarity")
        assert solidarity is not None
        assert {r[0]: r[1:] for r in goals.rows}[solidarity.label.get(lang)][0] == (
            "moins de 5" if lang == "fr" else "fewer than 5"
        )
        drawn = goals.figure["data"][0]["y"]
        assert len(drawn) == 1  # only the row above k; the others are in the table
        partners = board.chart("chart-q1-partner_countries")
        assert partners is not None
        assert len(partners.rows) == 5  # the country type summarises by income group


def test_summaries_are_too_imprecise_below_the_size_the_note_gives(admin_app: Flask) -> None:
    domains = snapshot.domains(date(2026, 6, 1))
    small = {
        ("collectivity_type", "commune"): {"counts": [100, 100, 100], "sums": [0.0, 0, 0]},
        ("version", "1"): {"counts": [100, 100, 100], "sums": [0.0, 0, 0]},
    }
    found = _release(small, 2.0, domains)
    with admin_app.test_request_context():
        board = charts.build(found, "all", "", K, "fr")
    notice = board.chart("chart-q1")
    assert notice is not None
    assert notice.figure is None
    assert notice.note is not None
    assert "Trop imprécis" in notice.note
    answers = found.answers("1")
    version = found.cell("version", "1")
    assert answers is not None
    assert version is not None
    needed = charts.precise_from(answers, version.n)
    assert needed == 1770  # at ε = 2, as the README says
    assert f"{needed:,}".replace(",", "\u202f") in notice.note
    # At that size, every share's margin is within the threshold, whatever its value.
    total = release.Estimate(float(needed), version.n.margin)
    for count in (0.0, needed / 2, float(needed)):
        share_ = release.Answers("1", {"q": {"x": count}}, answers.scale, 1).share("q", "x", total)
        assert 100 * share_.margin <= release.IMPRECISE


def test_summaries_and_changes_are_for_the_whole_set_only(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 40)  # far above k, whatever the noise on the whole set
    client = logged_in(admin_app)
    page = client.get("/admin/?selection=collectivity_type:commune").get_data(as_text=True)
    assert 'id="chart-q1' not in page
    assert 'id="chart-changes' not in page
    whole = client.get("/admin/").get_data(as_text=True)
    assert 'id="chart-q1' in whole
    assert 'id="chart-changes-section"' in whole
    assert 'id="methodology-answers"' in whole
    assert "(29 pour la version 1)" in whole  # the sensitivity, as released


def test_the_change_between_two_results_is_shown_from_k_pairs_with_its_margin(
    admin_app: Flask,
) -> None:
    domains = snapshot.domains(date(2026, 6, 1))
    base = {("collectivity_type", "commune"): {"counts": [300, 300, 400], "sums": [0.0, 0, 0]}}
    many = _release(
        {**base, ("pairs", ""): {"counts": [40], "sums": [200.0, -80.0, 0.0]}}, 500.0, domains
    )
    few = _release(
        {**base, ("pairs", ""): {"counts": [4], "sums": [20.0, 0.0, 0.0]}}, 500.0, domains
    )
    with admin_app.test_request_context():
        shown = charts.build(many, "all", "", K, "fr")
        hidden = charts.build(few, "all", "", K, "fr")
    chart = shown.chart("chart-changes")
    assert chart is not None
    assert chart.figure is not None
    assert [row[2].split(" ± ")[0] for row in chart.rows] == ["+5,0", "\u22122,0", "0,0"]
    assert chart.figure["data"][0]["x"] == [5.0, -2.0, 0.0]
    tile = {t.id: t for t in shown.tiles}["tile-pairs"]
    assert tile.value == "40"
    assert tile.margin.startswith("± ")
    refused = hidden.chart("chart-changes")
    assert refused is not None
    assert refused.figure is None
    assert refused.note is not None
    assert "Moins de 5 collectivités" in refused.note
    assert {t.id: t for t in hidden.tiles}["tile-pairs"].value == "moins de 5"
    with admin_app.test_request_context("/admin/?lang=en"):
        english = charts.build(many, "all", "", K, "en").chart("chart-changes")
    assert english is not None
    assert english.caption == "Change between two shared diagnostics of the same authority"


def test_the_mean_change_needs_about_520_pairs_at_the_default_epsilon() -> None:
    domains = snapshot.domains(date(2026, 6, 1))
    pairs = release.Release(2.0, release.publish([], domains, 2.0), domains).pairs()
    assert pairs is not None

    def margin(n: int) -> float:
        found = release.Changes(float(n), pairs.count_scale, (0.0, 0.0, 0.0), pairs.sum_scale)
        return found.mean(release.POSITIONINGS[0]).margin

    assert margin(500) > release.IMPRECISE >= margin(520)  # README: « about 520 pairs »
    assert margin(1300) <= 10.0 < margin(1250)  # « ± 10 points from about 1,300 »


def test_a_snapshot_published_before_the_split_is_read_with_its_own_noise() -> None:
    domains = snapshot.domains(date(2026, 6, 1))
    figures = release.publish([], domains, 2.0)
    legacy = {k: v for k, v in figures.items() if k[0] not in ("budget", "answers", "pairs")}
    old = release.Release(2.0, legacy, domains)
    new = release.Release(2.0, figures, domains)
    assert old.budget == release.LEGACY_BUDGET
    assert old.noise["region"]["counts"] == pytest.approx(new.noise["region"]["counts"] / 2)
    assert old.answers("1") is None
    assert old.pairs() is None


# --- Several questionnaire versions -------------------------------------------------------------


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application on v1 and a v2 (a copy of v1 that became current)."""
    shutil.copytree(QUESTIONS / "v1", tmp_path / "v1")
    shutil.copytree(QUESTIONS / "v1", tmp_path / "v2")
    target = tmp_path / "v2" / "questionnaire.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1),
        encoding="utf-8",
    )
    for application in serve(tmp_path, monkeypatch):
        yield wire(application)


def test_every_version_with_shared_results_is_summarised_and_one_under_k_refused(
    two_versions: Flask,
) -> None:
    app = two_versions
    app.config["PRIVACY_EPSILON"] = 50.0  # little noise: the rule is k
    with app.app_context():
        assert qn.current().version == "2"
        for _ in range(90):
            session = get_session()
            diagnostic, _t = services.start(session)
            diagnostic.questionnaire_version = "1"
            session.commit()
            services.save_answers(session, diagnostic, dict(EXAMPLE_A), diagnostic.current_step)
            services.complete(session, diagnostic, share_anonymised=True)
    share(app, EXAMPLE_B, 1)  # on the current version, 2
    publish(app)
    page = logged_in(app).get("/admin/").get_data(as_text=True)
    v1 = table(section(page, "chart-q1-collectivity_type-section"), "chart-figure__table")
    value, margin = estimates({r[0]: r[1] for r in v1}["Commune"])[0]
    assert abs(value - 90) <= 2 * margin
    assert 'id="chart-q2-section"' in page
    assert 'id="chart-q2-collectivity_type' not in page
    with app.app_context():
        read = snapshot.read(get_session(), snapshot.latest(get_session()))  # type: ignore[arg-type]
    v2 = read.cell("version", "2")
    assert v2 is not None
    if v2.n.below(K):  # nearly always: one diagnostic, little noise
        assert "Moins de 5 diagnostics partagés sur la version 2" in page
    else:  # the noise lifted it to k: then its shares are far too imprecise to be drawn
        assert "réponses s&#39;affichent à partir d&#39;environ" in page


# --- The pairs a snapshot counts ----------------------------------------------------------------


def test_a_diagnostic_redone_many_times_makes_one_pair_with_its_newest(admin_app: Flask) -> None:
    [first] = share(admin_app, EXAMPLE_A, 1)
    better = variant(EXAMPLE_A, collectivity_type="metropole", population="gt_1m")
    for _ in range(4):
        newest = redone(admin_app, first, better)
    unshared_later = redone(admin_app, first, EXAMPLE_A)
    with admin_app.app_context():
        session = get_session()
        diagnostic = session.get(Diagnostic, unshared_later)
        assert diagnostic is not None
        services.set_sharing(session, diagnostic, False)
        summary = snapshot.summary_of(session)
        rows = {r.diagnostic_id: r for r in session.query(SharedResult)}
    assert summary.pairs == 1
    columns = ("score_business_internationalisation", "score_economic_cooperation")
    expected = [getattr(rows[newest], c) - getattr(rows[first], c) for c in columns]
    assert summary.pair_sums[:2] == pytest.approx(expected)


def test_a_chain_of_redone_diagnostics_pairs_each_with_the_one_before(admin_app: Flask) -> None:
    [first] = share(admin_app, EXAMPLE_A, 1)
    second = redone(admin_app, first, EXAMPLE_B)
    redone(admin_app, second, EXAMPLE_A)
    with admin_app.app_context():
        summary = snapshot.summary_of(get_session())
    assert summary.pairs == 2
    assert summary.pair_sums == pytest.approx([0.0, 0.0, 0.0])  # A→B→A: the changes cancel


def test_publishing_releases_pairs_and_answers_under_the_stored_split(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, K)
    found = publish(admin_app)
    with admin_app.app_context():
        read = snapshot.read(get_session(), found)
    assert read.budget == release.BUDGET
    assert read.pairs() is not None
    answers = read.answers("1")
    assert answers is not None
    assert answers.sensitivity == read.domains.answer_sensitivity("1")
    assert datetime.now(UTC).date().isoformat() == found.day


# --- The pairs' sensitivity, as the methodology note states it ---------------------------------

PAIR_ENGINE = create_engine("sqlite://")  # no foreign keys: rows are written straight in
Base.metadata.create_all(PAIR_ENGINE)


def _pairs_input(shared: dict[int, tuple[float, ...]], links: dict[int, int]) -> release.Summary:
    """Return the pairs the snapshot's SQL finds among these shared diagnostics and links."""
    with Session(PAIR_ENGINE) as session:
        session.execute(delete(SharedResult))
        session.execute(delete(DiagnosticLink))
        for newer, older in links.items():
            session.add(DiagnosticLink(diagnostic_id=newer, previous_id=older, dropped=[]))
        for diagnostic_id, scores in shared.items():
            session.add(
                SharedResult(
                    diagnostic_id=diagnostic_id,
                    result_id=diagnostic_id,
                    questionnaire_version="1",
                    month="2026-01",
                    collectivity_type="commune",
                    population="lt_20k",
                    region="84",
                    recommendations="",
                    dominant=release.POSITIONINGS[0],
                    **dict(zip(SHARED_SCORE_COLUMNS, (*scores, 0.0, 0.0, 0.0), strict=True)),
                    partner_income_group="none",
                )
            )
        session.flush()
        summary = release.Summary()
        snapshot._add_pairs(session, summary)
        session.rollback()
    return summary


forests = st.tuples(st.integers(2, 12), st.integers(0, 11)).flatmap(
    lambda nv: st.tuples(
        # Each diagnostic may be a redo of an earlier one, often of the one removed.
        st.lists(
            st.one_of(st.none(), st.just(nv[1] % nv[0]), st.integers(0, nv[0] - 1)),
            min_size=nv[0],
            max_size=nv[0],
        ),
        st.lists(st.booleans(), min_size=nv[0], max_size=nv[0]),
        st.lists(st.tuples(*[st.floats(0, 100)] * 3), min_size=nv[0], max_size=nv[0]),
        st.just(nv[1] % nv[0]),
    )
)


@settings(max_examples=60, deadline=None)
@given(forests)
def test_one_diagnostic_moves_the_pairs_by_at_most_2_and_each_sum_by_at_most_100(
    forest: tuple[list[int | None], list[bool], list[tuple[float, ...]], int],
) -> None:
    parents, shared_flags, scores, removed = forest
    ids = range(1, len(parents) + 1)
    links = {i: p + 1 for i, p in zip(ids, parents, strict=True) if p is not None and p + 1 < i}
    shared = {i: s for i, s, f in zip(ids, scores, shared_flags, strict=True) if f}
    victim = removed + 1
    with_it = _pairs_input({**shared, victim: scores[removed]}, links)
    # Without it: not shared any more, or deleted (its links go, as the cascade does).
    unshared = _pairs_input({i: s for i, s in shared.items() if i != victim}, links)
    kept = {n: (None if o == victim else o) for n, o in links.items() if n != victim}
    deleted = _pairs_input(
        {i: s for i, s in shared.items() if i != victim},
        {n: o for n, o in kept.items() if o is not None},
    )
    for without in (unshared, deleted):
        assert abs(with_it.pairs - without.pairs) <= release.SENSITIVITY["pair_counts"]
        moved = [abs(a - b) for a, b in zip(with_it.pair_sums, without.pair_sums, strict=True)]
        assert all(m <= release.SCORE_MAX + 1e-6 for m in moved)
        assert sum(moved) <= release.SENSITIVITY["pair_sums"] + 1e-6
