"""Repeat groups and skip logic in Chromium: blocks added and removed with the keyboard, each a
group named for screen readers (« Partenariat 2 »), no serious accessibility violation.

The application runs on the test questionnaire ``tests/questionnaires/test_v``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app import create_app, services
from app import questionnaire as qn
from app.db import Base, get_engine, get_session
from config import TestConfig
from tests.browser.conftest import serve_in_thread

TEST_V = Path(__file__).resolve().parent.parent / "questionnaires" / "test_v"


@pytest.fixture(scope="module")
def repeat_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Yield an application on the test questionnaire and a throw-away SQLite file."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qn, "QUESTIONS_DIR", TEST_V)
        db_file = tmp_path_factory.mktemp("repeat") / "repeat.sqlite3"
        app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{db_file}")
        with app.app_context():
            Base.metadata.create_all(get_engine())
        yield app


@pytest.fixture(scope="module")
def repeat_url(repeat_app: Flask) -> Iterator[str]:
    """Serve the test questionnaire's application; yield its base URL."""
    yield from serve_in_thread(repeat_app)


def press(page: Page, name: str | re.Pattern[str]) -> None:
    """Focus a button by its accessible name and press Enter, as a keyboard user does."""
    page.get_by_role("button", name=name).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose(scope: object, name: str, page: Page) -> None:
    """Focus a radio button by its label and tick it with the space bar."""
    scope.get_by_role("radio", name=name, exact=True).focus()  # type: ignore[attr-defined]
    page.keyboard.press("Space")


def test_blocks_by_keyboard_with_named_groups(
    page: Page, repeat_app: Flask, repeat_url: str, assert_accessible: Callable[[Page], None]
) -> None:
    with repeat_app.app_context():
        _diagnostic, token = services.start(get_session(), "fr")
    page.goto(f"{repeat_url}/diagnostic/{token}/etape/profile")
    choose(page, "Commune", page)
    choose(page, "Oui", page)
    choose(page, "2", page)
    press(page, "Étape suivante")
    expect(page).to_have_url(re.compile(r"/etape/partnerships$"))
    press(page, re.compile(r"Ajouter.*Partenariat 1"))
    press(page, re.compile(r"Ajouter.*Partenariat 2"))
    first = page.get_by_role("group", name="Partenariat 1", exact=True)
    second = page.get_by_role("group", name="Partenariat 2", exact=True)
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    choose(first, "Économique", page)
    choose(second, "Solidaire", page)
    press(page, re.compile(r"Retirer.*Partenariat 1"))
    expect(page.get_by_role("group", name="Partenariat 2", exact=True)).to_have_count(0)
    only = page.get_by_role("group", name="Partenariat 1", exact=True)
    # The remaining block is the solidarity one, its answer kept.
    expect(only.get_by_role("radio", name="Solidaire", exact=True)).to_be_checked()
    assert_accessible(page)
    press(page, "Étape suivante")
    expect(page).to_have_url(re.compile(r"/etape/goals$"))
    # Relevant now that there are partnerships: the age question is shown.
    expect(page.get_by_role("group", name=re.compile("Ancienneté du plus ancien"))).to_be_visible()


TEST_DERIVE = Path(__file__).resolve().parent.parent / "questionnaires" / "test_derive"


@pytest.fixture(scope="module")
def derive_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """Serve the partnerships test questionnaire (country blocks); yield its app and base URL."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qn, "QUESTIONS_DIR", TEST_DERIVE)
        db_file = tmp_path_factory.mktemp("derive") / "derive.sqlite3"
        app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{db_file}")
        with app.app_context():
            Base.metadata.create_all(get_engine())
        for url in serve_in_thread(app):
            yield app, url


def test_the_country_of_a_block_is_chosen_with_the_keyboard(
    page: Page, derive_url: tuple[Flask, str], assert_accessible: Callable[[Page], None]
) -> None:
    app, url = derive_url
    with app.app_context():
        _diagnostic, token = services.start(get_session(), "fr")
    page.goto(f"{url}/diagnostic/{token}/etape/profile")
    choose(page, "Commune", page)
    choose(page, "Oui", page)
    press(page, "Étape suivante")
    press(page, re.compile(r"Ajouter.*Partenariat 1"))
    block = page.get_by_role("group", name="Partenariat 1", exact=True)
    select = block.get_by_role("combobox", name=re.compile("Pays du partenaire"))
    expect(select).to_have_value("")
    select.focus()
    page.keyboard.type("Mali")
    expect(select).to_have_value("ML")
    choose(block, "Plus de 10 ans", page)
    assert_accessible(page)
    press(page, "Étape suivante")
    expect(page).to_have_url(re.compile(r"/etape/network$"))
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        assert diagnostic.answers["partner_countries"] == ["ML"]
