"""Several instances: two gunicorn processes on one PostgreSQL database serve one respondent.

The respondent's requests alternate between the instances, as behind a load balancer without
sticky sessions. The session cookie (which carries the CSRF secret) is signed with the shared
SECRET_KEY, so a form served by one instance is accepted by the other.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from app.models import Diagnostic, Result
from app.services import hash_token
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.pg import Gunicorn, Respondent, answer_step, section_ids, start_diagnostic, step_path

pg_url = pg.pg_url
gunicorn_servers = pg.gunicorn_servers

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def journey(respondent: Respondent, answers: dict[str, object]) -> str:
    """Complete a diagnostic through the respondent's servers; return its token."""
    send = respondent.request
    token = start_diagnostic(send)
    steps = section_ids()
    for index, section_id in enumerate(steps):
        last = index == len(steps) - 1
        sent = answer_step(send, token, section_id, answers, nav="finish" if last else "next")
        assert sent.status == 302, (section_id, sent.status, sent.body[:400])
        expected = f"/resultat/{token}" if last else step_path(token, steps[index + 1])
        assert sent.location == expected
    result = send("GET", f"/resultat/{token}", None)
    assert result.status == 200
    assert 'data-recommendation-id="' in result.body
    return token


def test_a_respondent_alternating_between_two_instances_completes(
    pg_url: str, gunicorn_servers: list[Gunicorn], tmp_path: Path
) -> None:
    pg.migrate_with_cli(pg_url)
    first, second = Gunicorn(pg_url), Gunicorn(pg_url)
    gunicorn_servers += [first, second]
    for server in gunicorn_servers:
        server.launch(tmp_path)
    for server in gunicorn_servers:
        server.wait_ready()

    alice = Respondent([first.base_url, second.base_url])
    bob = Respondent([second.base_url, first.base_url])
    token_a = journey(alice, EXAMPLE_A)
    token_b = journey(bob, EXAMPLE_B)
    # Every other request went to each instance.
    assert alice.sent_to[0::2] == [first.base_url] * len(alice.sent_to[0::2])
    assert alice.sent_to[1::2] == [second.base_url] * len(alice.sent_to[1::2])

    # The resume link works on either instance.
    for server in (first, second):
        resumed = Respondent([server.base_url]).get(f"/diagnostic/{token_a}")
        assert resumed.status == 302
        assert resumed.location == f"/resultat/{token_a}"

    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            for token, answers in ((token_a, EXAMPLE_A), (token_b, EXAMPLE_B)):
                row = connection.execute(
                    select(Diagnostic.id, Diagnostic.answers, Diagnostic.status).where(
                        Diagnostic.token_hash == hash_token(token)
                    )
                ).one()
                assert row.status == "completed"
                assert row.answers == answers
                current = connection.execute(
                    select(Result.id).where(Result.diagnostic_id == row.id, Result.is_current)
                ).all()
                assert len(current) == 1
    finally:
        engine.dispose()
