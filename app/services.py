"""Operations that write diagnostics and results (the views stay thin)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Hashable
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, defer

from app import questionnaire as qn
from app.core import report
from app.core.answers import AnswerErrors, validate
from app.core.model import AnswerValue, Questionnaire
from app.core.relevance import prune
from app.core.report import Report
from app.db import read_first
from app.models import (
    RECOMMENDATION_SEPARATOR,
    SHARED_SCORE_COLUMNS,
    Diagnostic,
    Result,
    ResultRecommendation,
    SharedResult,
    utcnow,
)

TOKEN_BYTES = 32  # 256 bits of randomness in every private link
COMPLETED = "completed"
# Result columns copied as they are into the diagnostic's shared_result row.
SHARED_RESULT_COLUMNS = (
    "questionnaire_version",
    "month",
    "dominant",
    *SHARED_SCORE_COLUMNS,
    "partner_income_group",
)


def new_token() -> str:
    """Return a fresh private token for a resume link (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the stored form of a token: its SHA-256, so the database holds no working link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _plausible(token: str) -> bool:
    """Return whether a token is worth looking up (not empty, not absurdly long)."""
    return bool(token) and len(token) <= 100


_STAMP = select(Diagnostic.id, Diagnostic.updated_at).where(
    Diagnostic.token_hash == bindparam("token_hash")
)


def find_by_token(session: Session, token: str) -> Diagnostic | None:
    """Return the diagnostic a private token opens, if any."""
    if not _plausible(token):
        return None
    return session.scalar(select(Diagnostic).where(Diagnostic.token_hash == hash_token(token)))


def diagnostic_stamp(reader: Engine, token: str) -> tuple[Hashable, ...] | None:
    """Return a version stamp of the diagnostic a token opens (its id and last change), or None.

    One statement on the reader engine (db.read_first), no ORM session: this runs on every visit
    of a step page, to tell whether the kept copy of the page is still current. The last change
    is the driver's value (a datetime, or a string on SQLite): a stamp is compared, not read.
    """
    if not _plausible(token):
        return None
    return read_first(reader, _STAMP, {"token_hash": hash_token(token)})


def questionnaire_of(diagnostic: Diagnostic) -> Questionnaire:
    """Return the questionnaire version the diagnostic was started with (the newest if gone)."""
    return qn.get(diagnostic.questionnaire_version) or qn.current()


def start(session: Session, lang: str = "fr") -> tuple[Diagnostic, str]:
    """Create an empty diagnostic on the current questionnaire; return it with its token."""
    questionnaire = qn.current()
    token = new_token()
    diagnostic = Diagnostic(
        token_hash=hash_token(token),
        questionnaire_version=questionnaire.version,
        lang=lang,
        answers={},
        current_step=questionnaire.sections[0].id,
        status="in_progress",
        share_anonymised=False,
    )
    session.add(diagnostic)
    session.commit()
    return diagnostic, token


def lock(session: Session, diagnostic: Diagnostic) -> None:
    """Lock the diagnostic's row until the transaction ends, and reload it from the database.

    Concurrent writers of one diagnostic (a double submission, two tabs) then queue up and each
    one merges into the latest answers instead of overwriting the other's. A no-op UPDATE takes
    the lock on every dialect: the row lock on PostgreSQL (like ``SELECT … FOR UPDATE``), the
    database write lock on SQLite, which ignores ``FOR UPDATE``.
    """
    session.execute(
        update(Diagnostic)
        .where(Diagnostic.id == diagnostic.id)
        .values(current_step=Diagnostic.current_step)
        .execution_options(synchronize_session=False)
    )
    session.scalars(
        select(Diagnostic)
        .where(Diagnostic.id == diagnostic.id)
        .execution_options(populate_existing=True)
    ).one()


def save_answers(
    session: Session,
    diagnostic: Diagnostic,
    answers: dict[str, AnswerValue],
    current_step: str,
    cleared: list[str] | None = None,
    share_anonymised: bool | None = None,
) -> None:
    """Merge a step's clean answers into the diagnostic and commit, in one transaction.

    ``cleared`` lists answers the respondent emptied; ``share_anonymised``, when given, records
    the consent checkbox of the last step (so that going back and forth keeps it). The merge
    is made into the latest stored answers, under the row lock.
    """
    lock(session, diagnostic)
    merged = {k: v for k, v in diagnostic.answers.items() if k not in (cleared or [])}
    merged.update(answers)
    diagnostic.answers = prune(questionnaire_of(diagnostic), merged)
    diagnostic.current_step = current_step
    if share_anonymised is not None and share_anonymised != diagnostic.share_anonymised:
        diagnostic.share_anonymised = share_anonymised
        sync_shared(session, diagnostic)
    session.commit()


def set_sharing(session: Session, diagnostic: Diagnostic, share_anonymised: bool) -> None:
    """Record the respondent's consent to share anonymously, under the row lock, and commit.

    A completed diagnostic enters or leaves ``shared_result`` (ARRICOD's statistics) at once.
    """
    lock(session, diagnostic)
    if share_anonymised != diagnostic.share_anonymised:
        diagnostic.share_anonymised = share_anonymised
        sync_shared(session, diagnostic)
    session.commit()


def sync_shared(session: Session, diagnostic: Diagnostic, result: Result | None = None) -> None:
    """Make the diagnostic's ``shared_result`` row match its consent, status and current result.

    The row is deleted, then written again from the current result (``result``, else read from
    the database) only when the diagnostic is completed and shared. Call it under ``lock``,
    inside the transaction that changes the diagnostic.
    """
    session.execute(
        sql_delete(SharedResult)
        .where(SharedResult.diagnostic_id == diagnostic.id)
        .execution_options(synchronize_session=False)
    )
    if diagnostic.status != COMPLETED or not diagnostic.share_anonymised:
        return
    if result is None:
        result = session.scalar(
            select(Result)
            .options(defer(Result.payload))
            .where(Result.diagnostic_id == diagnostic.id, Result.is_current.is_(True))
            .order_by(Result.id.desc())
            .limit(1)
        )
        if result is None:
            return
    session.execute(insert(SharedResult).values(shared_values(diagnostic, result)))


def shared_values(diagnostic: Diagnostic, result: Result) -> dict[str, Any]:
    """Return the ``shared_result`` row of a diagnostic and its current result."""
    recommendations = sorted(r.recommendation_id for r in result.recommendations)
    return {
        "diagnostic_id": diagnostic.id,
        "result_id": result.id,
        "collectivity_type": diagnostic.collectivity_type,
        "population": diagnostic.population,
        "region": diagnostic.region,
        **{column: getattr(result, column) for column in SHARED_RESULT_COLUMNS},
        "recommendations": RECOMMENDATION_SEPARATOR.join(recommendations),
    }


def complete(
    session: Session, diagnostic: Diagnostic, share_anonymised: bool, lang: str | None = None
) -> Result:
    """Score the diagnostic's answers and store a new current result (older ones are kept).

    Raises answers.AnswerErrors if an answer is missing or invalid; nothing is stored then.
    The diagnostic's row is locked first (see ``lock``), so that two concurrent completions
    leave exactly one current result. The diagnostic's ``shared_result`` row is replaced in the
    same transaction: by the new result if shared, by nothing otherwise.
    """
    lock(session, diagnostic)
    questionnaire = questionnaire_of(diagnostic)
    try:
        answers = validate(questionnaire, diagnostic.answers, lang or diagnostic.lang)
    except AnswerErrors:
        session.rollback()  # release the row lock at once
        raise
    reports = report.build_all(questionnaire, answers)
    now = utcnow()
    session.execute(
        update(Result).where(Result.diagnostic_id == diagnostic.id).values(is_current=False)
    )
    result = make_result(diagnostic.id, questionnaire.version, reports, now)
    session.add(result)
    diagnostic.status = COMPLETED
    diagnostic.share_anonymised = share_anonymised
    diagnostic.completed_at = now
    diagnostic.collectivity_type = str(answers.get("collectivity_type"))
    diagnostic.population = str(answers.get("population"))
    diagnostic.region = str(answers.get("region"))
    session.flush()  # the new result's id, for its shared_result row
    sync_shared(session, diagnostic, result)
    session.commit()
    return result


def make_result(diagnostic_id: int, version: str, reports: dict[str, Report], now: Any) -> Result:
    """Return a current Result row (with its recommendation rows) for the reports of a result."""
    fr = reports["fr"]
    return Result(
        diagnostic_id=diagnostic_id,
        questionnaire_version=version,
        is_current=True,
        created_at=now,
        month=now.strftime("%Y-%m"),
        dominant=fr.dominant,
        **fr.columns(),
        partner_income_group=fr.partner_income_group,
        payload=report.payload_of(reports),
        recommendations=[
            ResultRecommendation(recommendation_id=r.id, priority=r.priority)
            for r in fr.recommendations
        ],
    )


def current_result(session: Session, diagnostic: Diagnostic) -> Result | None:
    """Return the diagnostic's latest result, if it was ever completed."""
    return session.scalar(
        select(Result)
        .where(Result.diagnostic_id == diagnostic.id, Result.is_current.is_(True))
        .order_by(Result.id.desc())
        .limit(1)
    )


def delete(session: Session, diagnostic: Diagnostic) -> None:
    """Delete a diagnostic with all its results, from every table."""
    session.execute(
        sql_delete(SharedResult)
        .where(SharedResult.diagnostic_id == diagnostic.id)
        .execution_options(synchronize_session=False)
    )
    session.delete(diagnostic)
    session.commit()
