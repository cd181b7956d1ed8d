"""Shared fixtures: a fresh application and database per test, its client and CLI runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.db import Base, dispose_engines, get_engine
from config import TestConfig


@pytest.fixture
def app() -> Iterator[Flask]:
    """Yield an application on an empty in-memory SQLite database."""
    application = create_app(TestConfig)
    with application.app_context():
        Base.metadata.create_all(get_engine())
    yield application
    with application.app_context():
        dispose_engines()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client of the application."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner of the application."""
    return app.test_cli_runner()
