"""Re-diagnosis across questionnaire versions: when the version changed between two results, the
earlier answers are rescored under the newer version where they allow it, and the progress chart
separates « le questionnaire a changé » from « nous avons changé », saying which.

Each case is a questionnaire release: a folder holding an older and a newer version. A first
diagnostic is completed while only the older version is served, then the newer one ships
(``QUESTIONS_DIR`` now holds both) and the diagnostic is redone. To add a release, add a
``Release`` to ``RELEASES``: the tests below ask nothing of its content but what its fields say.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app, services
from app import questionnaire as qn
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import DiagnosticLink
from app.plan import progress
from app.results.views import score_text
from config import TestConfig
from tests.factories import EXAMPLE_A
from tests.test_results import stored_report

QUESTIONNAIRES = Path(__file__).resolve().parent / "questionnaires"


@dataclass(frozen=True)
class Release:
    """A questionnaire release for these tests.

    ``answers`` is a complete answer set under the older version that still holds under the
    newer one (None when the newer version cannot score any older answer set, e.g. it adds a
    required question); ``change`` the answers the respondent changes when redoing (enough to
    move the newer result's dominant positioning's score); ``stale`` a complete answer set under
    the older version that the newer one cannot score (an option gone from a required question,
    a new required question), with ``stale_redo`` the answers the respondent then gives, or None.
    For the shipped questionnaire: ``source=qn.QUESTIONS_DIR, old="v1", new="v2"``.
    """

    id: str
    source: Path  # the folder holding both version folders
    old: str  # the older version's folder ("v1")
    new: str  # the newer version's folder ("v2")
    answers: dict[str, Any] | None
    change: dict[str, Any] = field(default_factory=dict)
    stale: dict[str, Any] | None = None
    stale_redo: dict[str, Any] = field(default_factory=dict)


RELEASES = [
    Release(
        id="test-v1-v2",
        source=QUESTIONNAIRES / "versions",
        old="v1",
        new="v2",
        answers={"collectivity_type": "commune", "mode": "projects", "support": "missions"},
        change={"support": "network"},
        stale={"collectivity_type": "commune", "mode": "projects", "support": "fair"},
        stale_redo={"support": "network"},
    ),
    # The shipped release: worked example A answered under v1, then redone under v2. v2 keeps
    # every v1 code and asks nothing more, so v1's answers score under v2; a v1 answer naming
    # a French overseas territory as a partner does not (v2 takes foreign countries only).
    Release(
        id="shipped-v1-v2",
        source=qn.QUESTIONS_DIR,
        old="v1",
        new="v2",
        answers=dict(EXAMPLE_A),
        change={"work_mode": "project", "cross_service": 4, "impact_evaluation": "systematic"},
        stale={**EXAMPLE_A, "partner_countries": ["DE", "RE"]},
        stale_redo={"partner_countries": ["DE"]},
    ),
]


def _rescorable(release: Release) -> dict[str, Any]:
    """Return the release's older answers that the newer version scores, or skip the test."""
    if release.answers is None:
        pytest.skip(f"{release.id}: the newer version scores no older answer set")
    return release.answers


def _served(folder: Path, release: Release, *versions: str) -> Path:
    """Return a questions folder serving some versions of a release (links to its folders)."""
    folder.mkdir()
    for name in versions:
        (folder / name).symlink_to(release.source / name, target_is_directory=True)
    return folder


@dataclass
class Shipping:
    """An application serving a release's older version until ``ship()`` adds the newer one."""

    app: Flask
    release: Release
    after: Path
    monkeypatch: pytest.MonkeyPatch

    def ship(self) -> None:
        """Serve the newer version too: from now on it is the current questionnaire."""
        self.monkeypatch.setattr(qn, "QUESTIONS_DIR", self.after)


@pytest.fixture(params=RELEASES, ids=[r.id for r in RELEASES])
def shipping(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shipping]:
    """Yield an application on the older version of a release, on an empty database."""
    release: Release = request.param
    before = _served(tmp_path / "before", release, release.old)
    after = _served(tmp_path / "after", release, release.old, release.new)
    monkeypatch.setattr(qn, "QUESTIONS_DIR", before)
    application = create_app(TestConfig)
    with application.app_context():
        Base.metadata.create_all(get_engine())
    yield Shipping(application, release, after, monkeypatch)
    with application.app_context():
        dispose_engines()


def _complete(app: Flask, answers: dict[str, Any]) -> str:
    """Complete a diagnostic on the current questionnaire; return its private token."""
    with app.app_context():
        session = get_session()
        diagnostic, token = services.start(session)
        services.save_answers(session, diagnostic, answers, diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=False)
        return token


def _redo(app: Flask, token: str, answers: dict[str, Any]) -> tuple[str, list[str]]:
    """Redo a diagnostic, change some answers and complete it; return its token and the
    answers that were not carried over."""
    with app.app_context():
        session = get_session()
        previous = services.find_by_token(session, token)
        assert previous is not None
        diagnostic, new_token, dropped = services.redo(session, previous)
        services.save_answers(session, diagnostic, answers, diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=False)
        return new_token, dropped


def _stored(app: Flask, token: str) -> tuple[str, dict[str, float], str]:
    """Return the version, the positioning scores and the dominant of a current result."""
    fr = stored_report(app, token)
    return str(fr["questionnaire_version"]), dict(fr["scores"]), str(fr["dominant"])


def _progress(app: Flask, token: str, lang: str = "fr") -> dict[str, Any]:
    """Return the progress section of a result, as the result page gets it."""
    with app.test_request_context(f"/?lang={lang}"):
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        result = services.current_result(session, diagnostic)
        assert result is not None
        found = progress.context(session, diagnostic, result, lang, score_text)
        assert found is not None
        return found


def _traces(section: dict[str, Any]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Return, by positioning label, the chart's scores as stored and as rescored."""
    stored: dict[str, list[float]] = {}
    rescored: dict[str, list[float]] = {}
    for trace in section["chart"]["figure"]["data"]:
        if trace["mode"] == "lines+markers":
            stored[trace["name"]] = trace["y"]
        else:
            label = trace["name"].split(", recalculé avec le questionnaire actuel")[0]
            rescored[label] = trace["y"]
    return stored, rescored


def _page(shipping: Shipping, token: str, lang: str = "fr") -> str:
    """Return the text of a result page, entities decoded, no-break spaces as spaces."""
    response = shipping.app.test_client().get(f"/resultat/{token}?lang={lang}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def _figure(page: str) -> dict[str, Any]:
    """Return the progress chart's figure as the page embeds it."""
    match = re.search(r'id="chart-progress-data">(.*?)</script>', page, re.S)
    assert match, "no progress chart on the page"
    figure: dict[str, Any] = json.loads(match.group(1))
    return figure


def _points(value: float) -> str:
    """Return a number of points as the French page writes it (« 12,5 »)."""
    return f"{value:.1f}".replace(".", ",")


def test_the_release_changes_the_score_of_the_same_answers(shipping: Shipping) -> None:
    """The case is worth testing: the newer version scores the same answers differently."""
    release = shipping.release
    old = qn.load_folder(release.source / release.old)
    new = qn.load_folder(release.source / release.new)
    assert old.version != new.version
    carried, dropped = services.carry_over(old, new, _rescorable(release))
    assert dropped == []
    before = services.score_answers(old, _rescorable(release)).reports["fr"].scores
    after = services.score_answers(new, carried).reports["fr"].scores
    assert before != after


def test_unchanged_answers_put_the_whole_gap_on_the_questionnaire(shipping: Shipping) -> None:
    release = shipping.release
    token = _complete(shipping.app, _rescorable(release))
    old_version, old_scores, _dominant = _stored(shipping.app, token)
    shipping.ship()
    new_token, dropped = _redo(shipping.app, token, {})
    new_version, new_scores, dominant = _stored(shipping.app, new_token)
    assert dropped == []
    assert old_version != new_version

    section = _progress(shipping.app, new_token)
    stored, rescored = _traces(section)
    assert section["versions_differ"]
    assert section["rescored"]
    # The earlier result keeps its stored scores; rescored under the newer version, its
    # answers (the same as the newer result's) give exactly the newer result's scores.
    payload = _progress_labels(shipping.app, new_token)
    for dim, label in payload.items():
        assert stored[label] == [old_scores[dim], new_scores[dim]], label
        assert rescored[label] == [new_scores[dim]], label
    assert any(old_scores[d] != new_scores[d] for d in payload)

    page = _page(shipping, new_token)
    section_text = page[page.index("Vos progrès depuis vos diagnostics précédents") :]
    assert "Le questionnaire a changé entre vos diagnostics" in section_text
    assert "recalculé avec le questionnaire actuel" in section_text
    questionnaire_part = new_scores[dominant] - old_scores[dominant]
    label = payload[dominant]
    assert (
        f"« {label} » : le changement de questionnaire compte pour "
        f"{_points(questionnaire_part)} points, vos changements pour {_points(0.0)} points."
    ) in section_text
    assert "avec le même questionnaire" not in section_text
    figure = _figure(page)
    assert [t["y"] for t in figure["data"] if t["mode"] == "markers"] == [
        [new_scores[d]] for d in payload
    ]


def test_changed_answers_are_told_apart_from_the_new_questionnaire(shipping: Shipping) -> None:
    """Redone twice from the same result, once as it was and once with changes: the rescored
    earlier result is what the unchanged redo scored, and the rest is what the respondent
    changed."""
    release = shipping.release
    token = _complete(shipping.app, _rescorable(release))
    _v, old_scores, _d = _stored(shipping.app, token)
    shipping.ship()
    unchanged, _dropped = _redo(shipping.app, token, {})
    _v, as_before, _d = _stored(shipping.app, unchanged)
    changed, _dropped = _redo(shipping.app, token, release.change)
    _v, new_scores, dominant = _stored(shipping.app, changed)

    payload = _progress_labels(shipping.app, changed)
    stored, rescored = _traces(_progress(shipping.app, changed))
    for dim, label in payload.items():
        assert stored[label] == [old_scores[dim], new_scores[dim]], label
        assert rescored[label] == [as_before[dim]], label
    ours = new_scores[dominant] - as_before[dominant]
    assert ours != 0, "the change does not move the dominant positioning's score"

    page = _page(shipping, changed)
    reading = (
        f"« {payload[dominant]} » : le changement de questionnaire compte pour "
        f"{_points(as_before[dominant] - old_scores[dominant])} points, vos changements pour "
        f"{_points(ours)} points."
    )
    assert reading in page
    rows = page[page.index('id="chart-progress-figure"') :].split("</table>")[0]
    assert rows.count("<tr>") == 4  # header, the earlier result, its rescoring, the newer one


def test_answers_the_newer_version_cannot_score_are_said_so(shipping: Shipping) -> None:
    release = shipping.release
    if release.stale is None:
        pytest.skip(f"{release.id}: every earlier answer set scores under the newer version")
    token = _complete(shipping.app, release.stale)
    _v, old_scores, _d = _stored(shipping.app, token)
    shipping.ship()
    new_token, dropped = _redo(shipping.app, token, release.stale_redo)
    _v, new_scores, dominant = _stored(shipping.app, new_token)
    assert dropped
    with shipping.app.app_context():
        link = get_session().get(
            DiagnosticLink, services.find_by_token(get_session(), new_token).id
        )  # type: ignore[union-attr]
        assert link is not None
        assert link.dropped == dropped

    section = _progress(shipping.app, new_token)
    assert section["versions_differ"]
    assert not section["rescored"]
    assert _traces(section)[1] == {}

    page = _page(shipping, new_token)
    text = page[page.index("Vos progrès depuis vos diagnostics précédents") :]
    assert "vos réponses précédentes ne suffisent pas pour les recalculer" in text
    assert "avec le même questionnaire" not in text
    assert "recalculé avec le questionnaire actuel" not in text
    label = _progress_labels(shipping.app, new_token)[dominant]
    assert (
        f"« {label} » passe de {_points(old_scores[dominant])} à {_points(new_scores[dominant])} "
        "sur 100, mais le questionnaire a changé"
    ) in text


def test_the_reading_says_it_in_english(shipping: Shipping) -> None:
    release = shipping.release
    token = _complete(shipping.app, _rescorable(release))
    shipping.ship()
    new_token, _dropped = _redo(shipping.app, token, release.change)

    page = _page(shipping, new_token, "en")

    assert "Your progress since your previous diagnostics" in page
    assert "the change of questionnaire accounts for" in page
    assert "rescored with the current questionnaire" in page
    assert "le questionnaire" not in page


def _progress_labels(app: Flask, token: str) -> dict[str, str]:
    """Return the French label of each positioning of a current result."""
    fr = stored_report(app, token)
    return {dim: fr["labels"][dim] for dim in fr["scores"]}


def test_the_printed_brief_tells_the_two_changes_apart(shipping: Shipping) -> None:
    """The server PDF draws the progress chart with the rescored marks and their legend, every
    value written inside the drawing, and gives the same reading as the page."""
    from pypdf import PdfReader

    from app.results import svg
    from tests.test_brief_pdf import normalise, page_texts, svg_boxes

    release = shipping.release
    token = _complete(shipping.app, _rescorable(release))
    shipping.ship()
    new_token, _dropped = _redo(shipping.app, token, release.change)
    _v, new_scores, dominant = _stored(shipping.app, new_token)
    figure = _figure(_page(shipping, new_token))

    markup = str(svg.lines_svg(figure, "Progrès", _points, ident="progress"))
    (width, height), lines = svg_boxes(markup)
    written = [text for text, *_ in lines]
    for trace in figure["data"]:
        for value in trace["y"]:
            assert any(text.endswith(_points(value)) for text in written), value
    assert "Recalculé avec le questionnaire actuel" in normalise(" ".join(written))
    for text, left, right, baseline in lines:
        assert left >= 0, text
        assert right <= width, text
        assert 0 < baseline <= height, text

    response = shipping.app.test_client().get(f"/resultat/{new_token}/synthese.pdf")
    assert response.status_code == 200
    everything = " ".join(page_texts(PdfReader(io.BytesIO(response.data))))
    assert "Vos progrès depuis vos diagnostics précédents" in everything
    assert "Recalculé avec le questionnaire actuel" in everything
    label = _progress_labels(shipping.app, new_token)[dominant]
    assert f"« {label} » : le changement de questionnaire compte pour" in everything
    assert _points(new_scores[dominant]) in everything
