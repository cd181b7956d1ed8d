"""The respondent's multi-step diagnostic, through the Flask test client (CSRF on)."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app import create_app, services
from app import questionnaire as qn
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A

CATALOGUE = Path(__file__).resolve().parent.parent / "app/survey/translations/en/LC_MESSAGES"
# A SQLite file, then a PostgreSQL database of the test's own (tests/pg.py).
db_url = pg.db_url

# The steps of a respondent answering EXAMPLE_A (no partnership blocks: that step is skipped).
SECTIONS = pg.section_ids(EXAMPLE_A)
# The progress counts the steps shown: a respondent answering EXAMPLE_A never has the
# partnership blocks' step, which skip logic leaves out.
STEPS = len(SECTIONS)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module", autouse=True)
def _english_catalogue() -> None:
    """Compile the survey's English catalogue when it is missing or older than its source."""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


# --- Helpers ----------------------------------------------------------------------------------


def csrf(page: str) -> str:
    """Return the CSRF token of the first form of a page."""
    found = CSRF_RE.search(page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def text(response: TestResponse) -> str:
    """Return the response body with HTML entities decoded and no-break spaces as spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def start(client: FlaskClient, lang: str = "fr") -> str:
    """Start a diagnostic from the landing page; return its private token."""
    landing = client.get(f"/?lang={lang}")
    response = client.post("/diagnostic/commencer", data={"csrf_token": csrf(landing.text)})
    assert response.status_code == 302
    found = re.fullmatch(r"/diagnostic/([\w-]+)/etape/profile", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def start_v1(app: Flask) -> str:
    """Start a diagnostic on questionnaire v1, as those begun before v2; return its token.

    It keeps v1's steps, the partner-country picker among them, until it is finished.
    """
    with app.app_context():
        session = get_session()
        diagnostic, token = services.start(session, "fr")
        diagnostic.questionnaire_version = "1"
        session.commit()
    return token


def step_url(token: str, section_id: str) -> str:
    """Return the address of a step."""
    return f"/diagnostic/{token}/etape/{section_id}"


def form_data(section_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Return what a browser posts for a step's answers (scales as strings, lists repeated)."""
    section = qn.current().section(section_id)
    assert section is not None
    data: dict[str, Any] = {}
    for question in section.questions:
        if question.id in answers:
            value = answers[question.id]
            data[question.id] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def post_step(
    client: FlaskClient, token: str, section_id: str, data: dict[str, Any], nav: str
) -> TestResponse:
    """Open a step (for its CSRF token) and post it with the button nav."""
    page = client.get(step_url(token, section_id))
    assert page.status_code == 200
    payload = {**data, "nav": nav, "csrf_token": csrf(page.text)}
    return client.post(step_url(token, section_id), data=payload)


def stored(app: Flask, token: str) -> Diagnostic:
    """Return the stored diagnostic of a token (read in its own app context)."""
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        return diagnostic


def results_of(app: Flask, token: str) -> list[Result]:
    """Return every result stored for a diagnostic, oldest first."""
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        return list(
            session.scalars(
                select(Result).where(Result.diagnostic_id == diagnostic.id).order_by(Result.id)
            )
        )


def answer_all(client: FlaskClient, token: str, answers: dict[str, Any], **extra: Any) -> str:
    """Answer every step with next, then finish; return the last response's Location."""
    for section_id in SECTIONS[:-1]:
        response = post_step(client, token, section_id, form_data(section_id, answers), "next")
        assert response.status_code == 302, text(response)
    last = SECTIONS[-1]
    response = post_step(client, token, last, {**form_data(last, answers), **extra}, "finish")
    assert response.status_code == 302, text(response)
    return str(response.headers["Location"])


@pytest.fixture
def file_db(tmp_path: Path) -> str:
    """Return the URL of a SQLite database file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'survey.sqlite3'}"


@pytest.fixture
def make_app() -> Iterator[Callable[[str], Flask]]:
    """Yield a factory of applications on a database URL (schema created); close them after."""
    made: list[Flask] = []

    def make(url: str) -> Flask:
        application = create_app(TestConfig, DATABASE_URL=url)
        with application.app_context():
            Base.metadata.create_all(get_engine())
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            dispose_engines()


# --- The journey ------------------------------------------------------------------------------


def test_start_opens_the_first_step(client: FlaskClient) -> None:
    token = start(client)
    page = text(client.get(step_url(token, "profile")))
    assert f"Étape 1 sur {STEPS}" in page
    assert '<li class="progress__step progress__step--current" aria-current="step">' in page
    assert "Votre collectivité" in page
    assert "Vos objectifs" in page
    assert "<legend>Quel type de collectivité représentez-vous ?" in page
    assert "(obligatoire)" in page
    assert 'name="nav" value="next"' in page
    assert 'name="nav" value="save"' in page
    assert 'value="prev"' not in page  # nothing before the first step
    assert 'value="finish"' not in page


def test_start_needs_the_csrf_token(client: FlaskClient) -> None:
    assert client.post("/diagnostic/commencer").status_code == 400


def test_whole_journey_with_example_a(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    for index, section_id in enumerate(SECTIONS[:-1]):
        response = post_step(client, token, section_id, form_data(section_id, EXAMPLE_A), "next")
        assert response.headers["Location"] == step_url(token, SECTIONS[index + 1])
        assert stored(app, token).current_step == SECTIONS[index + 1]
    last_page = text(client.get(step_url(token, SECTIONS[-1])))
    assert f"Étape {STEPS} sur {STEPS}" in last_page
    assert 'name="nav" value="finish"' in last_page
    assert 'value="next"' not in last_page
    response = post_step(client, token, SECTIONS[-1], form_data("goals", EXAMPLE_A), "finish")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/resultat/{token}"
    diagnostic = stored(app, token)
    assert diagnostic.answers == EXAMPLE_A
    assert diagnostic.status == "completed"
    assert diagnostic.share_anonymised is False
    assert [r.is_current for r in results_of(app, token)] == [True]
    if "results.show" in app.view_functions:
        assert client.get(f"/resultat/{token}").status_code == 200
    # The private link now leads to the result.
    assert client.get(f"/diagnostic/{token}").headers["Location"] == f"/resultat/{token}"


def test_every_choice_has_a_label_and_every_group_a_legend(client: FlaskClient) -> None:
    token = start(client)
    for section_id in SECTIONS:
        page = client.get(step_url(token, section_id)).text
        inputs = re.findall(
            r'<input id="([^"]+)" name="(?!csrf_token)[^"]+" type="(?:radio|checkbox)"', page
        )
        assert inputs
        for input_id in inputs:
            assert f'<label for="{input_id}">' in page
        assert page.count("<fieldset") == page.count("<legend>")
        # CSP: the only script is the survey's file, with the request's nonce.
        assert re.findall(r"<script[^>]*>", page) == [
            re.search(r'<script src="[^"]*js/survey\.js[^"]*" nonce="[^"]+" defer>', page)[0]  # type: ignore[index]
        ]
        assert " on" + "click=" not in page


def test_validation_errors_are_shown_in_french_and_the_invalid_answer_is_not_saved(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    response = post_step(
        client, token, "profile", {"collectivity_type": "martien", "region": "84"}, "next"
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="error-summary" role="alert"' in page
    assert "Réponse non reconnue : « martien »." in page
    assert "Veuillez répondre à cette question." in page
    # The summary links to the fields; the fields point at their messages.
    assert 'href="#collectivity_type-0"' in page
    assert 'href="#population-0"' in page
    assert 'aria-describedby="collectivity_type-help collectivity_type-error"' in page
    assert 'id="population-error"' in page
    assert 'aria-invalid="true"' in page
    assert page.count("Erreur :") >= 2
    assert "<title>Erreur :" in page
    assert "Erreur\u00a0:" in response.text  # French typography: no-break space before « : »
    diagnostic = stored(app, token)
    assert diagnostic.answers == {"region": "84"}  # the valid answer is kept, not the invalid one
    assert diagnostic.current_step == "profile"
    # The valid answer shown again, checked.
    assert re.search(r'<input checked id="region-\d+" name="region" type="radio" value="84">', page)


def test_prev_and_save_keep_valid_answers_without_blocking(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    post_step(client, token, "profile", form_data("profile", EXAMPLE_A), "next")
    partial = {"budget_trend": "decrease", "elected_awareness": "2", "roi_demand": "nonsense"}
    response = post_step(client, token, "budget", partial, "prev")
    assert response.headers["Location"] == step_url(token, "profile")
    answers = stored(app, token).answers
    assert answers["budget_trend"] == "decrease"
    assert answers["elected_awareness"] == 2
    assert "roi_demand" not in answers
    # Going back shows the stored answers; going forward again shows them too.
    profile = client.get(step_url(token, "profile")).text
    assert (
        'checked id="collectivity_type-0" name="collectivity_type" type="radio" value="commune"'
        in profile
    )
    budget = client.get(step_url(token, "budget")).text
    assert 'checked id="budget_trend-1" name="budget_trend" type="radio" value="decrease"' in budget
    assert (
        'checked id="elected_awareness-1" name="elected_awareness" type="radio" value="2"' in budget
    )
    # Too many goals on "save": not stored, but the respondent is not held back.
    goals = {"goals": ["business_export", "attract_talent", "solidarity", "innovation_trust"]}
    response = post_step(client, token, "goals", goals, "save")
    assert response.headers["Location"] == f"/diagnostic/{token}/enregistre"
    assert "goals" not in stored(app, token).answers


def test_save_shows_the_private_link(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    response = post_step(client, token, "profile", {"population": "lt_20k"}, "save")
    assert response.headers["Location"] == f"/diagnostic/{token}/enregistre"
    page = text(client.get(f"/diagnostic/{token}/enregistre"))
    link = f"http://localhost/diagnostic/{token}"
    assert f'value="{link}" readonly' in page
    assert "seul moyen de revenir à votre diagnostic" in page
    assert 'data-copy="private-link"' in page
    assert stored(app, token).answers == {"population": "lt_20k"}
    # Every step shows it too, discreetly.
    step = text(client.get(step_url(token, "budget")))
    assert "<details" in step
    assert f'value="{link}"' in step


def test_resume_after_the_application_is_recreated(
    file_db: str, make_app: Callable[[str], Flask]
) -> None:
    first = make_app(file_db).test_client()
    token = start(first)
    post_step(first, token, "profile", form_data("profile", EXAMPLE_A), "next")
    post_step(first, token, "budget", {"budget_trend": "stable"}, "save")

    second = make_app(file_db).test_client()  # a new process, a new browser
    response = second.get(f"/diagnostic/{token}")
    assert response.headers["Location"] == step_url(token, "budget")
    page = second.get(step_url(token, "budget")).text
    assert 'checked id="budget_trend-2" name="budget_trend" type="radio" value="stable"' in page
    assert f"Étape 2 sur {STEPS}" in page


@pytest.mark.parametrize(
    "path",
    [
        "/diagnostic/unknown-token",
        "/diagnostic/" + "x" * 300,
        "/diagnostic/unknown-token/etape/profile",
        "/diagnostic/unknown-token/enregistre",
    ],
)
def test_an_unknown_link_gives_a_french_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert "Lien inconnu ou expiré" in page
    assert 'action="/diagnostic/commencer"' in page


def test_an_unknown_step_is_a_404(client: FlaskClient) -> None:
    token = start(client)
    assert client.get(step_url(token, "nowhere")).status_code == 404


def test_a_step_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    response = client.post(step_url(token, "profile"), data={"population": "lt_20k", "nav": "next"})
    assert response.status_code == 400
    assert stored(app, token).answers == {}


def test_english_journey(client: FlaskClient) -> None:
    token = start(client, lang="en")
    page = text(client.get(step_url(token, "profile")))
    assert '<html lang="en">' in page
    assert f"Step 1 of {STEPS}" in page
    assert "What kind of local authority do you represent?" in page
    assert "(required)" in page
    assert "Next step" in page
    response = post_step(client, token, "profile", {"collectivity_type": "martian"}, "next")
    page = text(response)
    assert "Unrecognised answer: “martian”." in page
    assert "Please answer this question." in page
    assert "Veuillez" not in page
    partners = text(client.get(step_url(token, "partnerships_intro")))
    assert "Does your authority have partnerships with foreign local authorities today?" in partners


def test_share_is_unticked_by_default_and_stored_when_ticked(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    goals = client.get(step_url(token, "goals")).text
    checkbox = re.search(r"<input[^>]*name=\"share_anonymised\"[^>]*>", goals)
    assert checkbox is not None
    assert 'type="checkbox"' in checkbox[0]
    assert 'value="y"' in checkbox[0]
    assert "checked" not in checkbox[0]
    assert "n'entre dans aucune statistique" in html.unescape(goals)
    assert answer_all(client, token, EXAMPLE_A, share_anonymised="y") == f"/resultat/{token}"
    assert stored(app, token).share_anonymised is True


def test_partner_countries_work_without_javascript(app: Flask, client: FlaskClient) -> None:
    token = start_v1(app)
    page = text(client.get(step_url(token, "partners")))
    assert re.search(r'<select[^>]*multiple[^>]*name="partner_countries"', page)
    assert '<option data-income="revenu intermédiaire (tranche inférieure)"' in page
    assert ">Maroc — revenu intermédiaire (tranche inférieure)</option>" in page
    assert ">Allemagne — revenu élevé, membre de l'OCDE</option>" in page
    data = {"partner_countries": ["DE", "MA"], "partner_metropolises": "some"}
    response = post_step(client, token, "partners", data, "save")
    assert response.status_code == 302
    assert stored(app, token).answers["partner_countries"] == ["DE", "MA"]
    page = text(client.get(step_url(token, "partners")))
    assert '<li data-code="DE">Allemagne — revenu élevé, membre de l\'OCDE</li>' in page
    assert (
        '<li data-code="MA">Maroc — revenu intermédiaire (tranche inférieure), hors OCDE</li>'
        in page
    )
    assert re.search(r'<option[^>]*selected[^>]*value="MA"', page)
    assert "Pays choisis (2)" in page


def test_an_unknown_country_is_refused(app: Flask, client: FlaskClient) -> None:
    token = start_v1(app)
    data = {"partner_countries": ["DE", "ZZ"], "partner_metropolises": "some"}
    response = post_step(client, token, "partners", data, "next")
    assert response.status_code == 200
    assert "Pays inconnu : « ZZ »" in text(response)
    assert "partner_countries" not in stored(app, token).answers


def test_clearing_partner_countries_is_stored(app: Flask, client: FlaskClient) -> None:
    token = start_v1(app)
    post_step(client, token, "partners", {"partner_countries": ["DE"]}, "save")
    assert stored(app, token).answers["partner_countries"] == ["DE"]
    post_step(client, token, "partners", {"partner_metropolises": "none"}, "save")
    assert stored(app, token).answers["partner_countries"] == []
    assert "Aucun pays choisi pour l'instant." in text(client.get(step_url(token, "partners")))


def test_finish_with_missing_answers_goes_to_the_first_incomplete_step(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    post_step(client, token, "profile", form_data("profile", EXAMPLE_A), "next")
    response = post_step(client, token, "goals", form_data("goals", EXAMPLE_A), "finish")
    assert response.headers["Location"] == step_url(token, "budget")
    page = text(client.get(response.headers["Location"]))
    assert "Il manque des réponses pour terminer le diagnostic" in page
    assert "évolution du budget RI" in page
    assert stored(app, token).status == "in_progress"
    assert results_of(app, token) == []


def test_modifying_and_finishing_again_keeps_the_old_result(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    answer_all(client, token, EXAMPLE_A)
    # "Modify my answers" from the result page: the first step, prefilled.
    page = client.get(step_url(token, SECTIONS[0])).text
    assert 'checked id="collectivity_type-0"' in page
    post_step(
        client, token, "profile", {**form_data("profile", EXAMPLE_A), "population": "gt_1m"}, "next"
    )
    response = post_step(client, token, "goals", form_data("goals", EXAMPLE_A), "finish")
    assert response.headers["Location"] == f"/resultat/{token}"
    assert [r.is_current for r in results_of(app, token)] == [False, True]
    assert stored(app, token).answers["population"] == "gt_1m"


def _at_once(token: str, posts: list[tuple[FlaskClient, str]], nav: str) -> list[int]:
    """Post EXAMPLE_A's answers to each (client, step) at the same moment; return the statuses."""
    ready = [
        (client, section_id, csrf(client.get(step_url(token, section_id)).text))
        for client, section_id in posts
    ]
    barrier = threading.Barrier(len(ready))
    statuses: list[int] = []

    def post(client: FlaskClient, section_id: str, csrf_token: str) -> None:
        payload = {**form_data(section_id, EXAMPLE_A), "nav": nav, "csrf_token": csrf_token}
        barrier.wait()
        statuses.append(client.post(step_url(token, section_id), data=payload).status_code)

    threads = [threading.Thread(target=post, args=args) for args in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_a_double_submission_stores_one_answer_set(
    db_url: str, make_app: Callable[[str], Flask]
) -> None:
    app = make_app(db_url)
    tabs = [app.test_client() for _ in range(3)]
    token = start(tabs[0])
    assert _at_once(token, [(tab, "profile") for tab in tabs], "next") == [302, 302, 302]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Diagnostic)) == 1
    diagnostic = stored(app, token)
    assert diagnostic.answers == {k: EXAMPLE_A[k] for k in form_data("profile", EXAMPLE_A)}
    assert diagnostic.current_step == "budget"


def test_two_steps_saved_at_once_keep_both(db_url: str, make_app: Callable[[str], Flask]) -> None:
    """Two tabs saving different steps at the same moment lose neither (a lost update shows
    only when the requests interleave, so the race is run a few times)."""
    app = make_app(db_url)
    expected = {**form_data("budget", EXAMPLE_A), **form_data("organisation", EXAMPLE_A)}
    for _attempt in range(4):
        tabs = [app.test_client(), app.test_client()]
        token = start(tabs[0])
        posts = [(tabs[0], "budget"), (tabs[1], "organisation")]
        assert _at_once(token, posts, "save") == [302, 302]
        assert set(stored(app, token).answers) == set(expected)


def test_finishing_twice_at_once_leaves_one_current_result(
    db_url: str, make_app: Callable[[str], Flask]
) -> None:
    app = make_app(db_url)
    client = app.test_client()
    token = start(client)
    for section_id in SECTIONS[:-1]:
        post_step(client, token, section_id, form_data(section_id, EXAMPLE_A), "next")
    posts = [(client, "goals"), (app.test_client(), "goals")]
    assert _at_once(token, posts, "finish") == [302, 302]
    results = results_of(app, token)
    assert len(results) == 2
    assert sum(r.is_current for r in results) == 1


def test_the_progress_counts_the_steps_shown(client: FlaskClient) -> None:
    """« Étape N sur M » counts the steps this respondent goes through: the partnership blocks'
    step joins the count once the respondent says they have partnerships, and leaves it when
    they say they have none."""
    every = [s.id for s in qn.current().sections]
    token = start(client)
    post_step(client, token, "profile", form_data("profile", EXAMPLE_A), "next")
    post_step(client, token, "budget", form_data("budget", EXAMPLE_A), "next")
    response = post_step(client, token, "partnerships_intro", {"has_partnerships": "yes"}, "next")
    assert response.headers["Location"] == step_url(token, "partnerships")
    page = client.get(step_url(token, "partnerships")).text
    number = every.index("partnerships") + 1
    assert f"Étape {number} sur {len(every)}" in page
    post_step(client, token, "partnerships_intro", {"has_partnerships": "no"}, "next")
    page = client.get(step_url(token, "organisation")).text
    assert f"Étape {number} sur {len(every) - 1}" in page
