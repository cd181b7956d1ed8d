"""Kept step pages: fresh CSRF token and nonce on every visit, never stale after a save."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.test_survey import post_step, start, step_url


def _nonce(response_text: str) -> str:
    found = re.search(r'<script[^>]* nonce="([^"]+)"', response_text)
    assert found
    return found.group(1)


def test_a_kept_page_gets_a_fresh_nonce_matching_the_policy(client: FlaskClient) -> None:
    token = start(client)
    first = client.get(step_url(token, "budget"))
    second = client.get(step_url(token, "budget"))
    assert _nonce(first.text) != _nonce(second.text)
    assert f"'nonce-{_nonce(second.text)}'" in second.headers["Content-Security-Policy"]
    assert "\x00" not in second.text
    assert re.search(r'name="csrf_token" type="hidden" value="[^"\x00]+"', second.text)


def test_a_kept_page_shows_the_answers_saved_since(client: FlaskClient) -> None:
    token = start(client)
    before = client.get(step_url(token, "budget")).text
    assert 'checked id="budget_trend-2"' not in before
    post_step(client, token, "budget", {"budget_trend": "stable"}, "save")
    after = client.get(step_url(token, "budget")).text
    assert 'checked id="budget_trend-2"' in after


def test_the_language_and_the_query_string_are_part_of_the_kept_page(
    client: FlaskClient,
) -> None:
    token = start(client)
    french = client.get(step_url(token, "budget")).text
    english = client.get(step_url(token, "budget") + "?lang=en").text
    assert "Budget et attentes des élus" in french
    assert "Budget and elected officials" in english
    again = client.get(step_url(token, "budget")).text
    assert "Budget and elected officials" in again  # the choice sticks
