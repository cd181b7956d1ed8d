"""Operations that write diagnostics and results (the views stay thin)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, defer

from app import questionnaire as qn
from app import report
from app.answers import AnswerErrors, validate
from app.models import (
    RECOMMENDATION_SEPARATOR,
    SHARED_SCORE_COLUMNS,
    Diagnostic,
    Result,
    ResultRecommendation,
    SharedResult,
    utcnow,
)
from app.questionnaire import Questionnaire
from app.scoring import AnswerValue

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
# Session.info key: the transaction holding row locks, and the ids of the diagnostics locked.
_LOCKS = "diagnostic_locks"


def new_token() -> str:
    """Return a fresh private token for a resume link (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the stored form of a token: its SHA-256, so the database holds no working link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _plausible(token: str) -> bool:
    """Return whether a token is worth looking up (not empty, not absurdly long)."""
    return bool(token) and len(token) <= 100


def _by_token(token: str) -> Any:
    """Return the WHERE clause selecting the diagnostic a token opens."""
    return Diagnostic.token_hash == hash_token(token)


def find_by_token(session: Session, token: str, *, lock: bool = False) -> Diagnostic | None:
    """Return the diagnostic a private token opens, if any.

    With ``lock``, the diagnostic's row is also locked until the transaction ends (see
    ``lock``), in the same statement: what a write of the diagnostic starts with.
    """
    if not _plausible(token):
        return None
    if lock:
        return _lock_where(session, _by_token(token))
    return session.scalar(select(Diagnostic).where(_by_token(token)))


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


def _lock_where(session: Session, where: Any) -> Diagnostic | None:
    """Lock the diagnostic's row matching where and return it as stored, in one statement.

    A no-op UPDATE takes the lock on every dialect: the row lock on PostgreSQL (like ``SELECT …
    FOR UPDATE``), the database write lock on SQLite, which ignores ``FOR UPDATE``; its
    RETURNING clause reads the row at the same time.
    """
    diagnostic = session.scalars(
        update(Diagnostic)
        .where(where)
        .values(current_step=Diagnostic.current_step)
        .returning(Diagnostic),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if diagnostic is not None:
        held = session.info.get(_LOCKS)
        transaction = session.get_transaction()
        ids = held[1] if held is not None and held[0] is transaction else set()
        session.info[_LOCKS] = (transaction, ids | {diagnostic.id})
    return diagnostic


def _holds_lock(session: Session, diagnostic: Diagnostic) -> bool:
    """Return whether the session's current transaction already locked the diagnostic."""
    held = session.info.get(_LOCKS)
    transaction = session.get_transaction()
    return (
        transaction is not None
        and held is not None
        and held[0] is transaction
        and diagnostic.id in held[1]
    )


def lock(session: Session, diagnostic: Diagnostic) -> None:
    """Lock the diagnostic's row until the transaction ends, and reload it from the database.

    Concurrent writers of one diagnostic (a double submission, two tabs) then queue up and each
    one merges into the latest answers instead of overwriting the other's. Within a transaction
    that already holds the lock (``find_by_token(..., lock=True)``), this does nothing.
    """
    if not _holds_lock(session, diagnostic):
        _lock_where(session, Diagnostic.id == diagnostic.id)


def _merge(
    diagnostic: Diagnostic,
    answers: Mapping[str, AnswerValue],
    current_step: str,
    cleared: Sequence[str] | None,
    share_anonymised: bool | None,
) -> bool:
    """Merge a step into the diagnostic's (locked, current) answers; return if consent changed."""
    merged = {k: v for k, v in diagnostic.answers.items() if k not in (cleared or ())}
    merged.update(answers)
    diagnostic.answers = merged
    diagnostic.current_step = current_step
    if share_anonymised is None or share_anonymised == diagnostic.share_anonymised:
        return False
    diagnostic.share_anonymised = share_anonymised
    return True


def save_answers(
    session: Session,
    diagnostic: Diagnostic,
    answers: Mapping[str, AnswerValue],
    current_step: str,
    cleared: Sequence[str] | None = None,
    share_anonymised: bool | None = None,
) -> None:
    """Merge a step's clean answers into the diagnostic and commit, in one transaction.

    ``cleared`` lists answers the respondent emptied; ``share_anonymised``, when given, records
    the consent checkbox of the last step (so that going back and forth keeps it). The merge
    is made into the latest stored answers, under the row lock.
    """
    lock(session, diagnostic)
    if _merge(diagnostic, answers, current_step, cleared, share_anonymised):
        sync_shared(session, diagnostic)
    session.commit()


def finish(
    session: Session,
    diagnostic: Diagnostic,
    answers: Mapping[str, AnswerValue],
    current_step: str,
    cleared: Sequence[str] | None = None,
    share_anonymised: bool | None = None,
    lang: str | None = None,
) -> Result:
    """Save the last step and score the whole diagnostic, in one transaction (one commit).

    The step is merged as by ``save_answers``, then scored as by ``complete``. If an answer of
    another step is missing or invalid, the step is saved alone and answers.AnswerErrors is
    raised; on any other failure nothing at all is stored.
    """
    lock(session, diagnostic)
    consent_changed = _merge(diagnostic, answers, current_step, cleared, share_anonymised)
    try:
        result = _record_result(session, diagnostic, lang)
    except AnswerErrors:
        if consent_changed:
            sync_shared(session, diagnostic)
        session.commit()
        raise
    except Exception:
        session.rollback()
        raise
    session.commit()
    return result


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
    diagnostic.share_anonymised = share_anonymised
    try:
        result = _record_result(session, diagnostic, lang)
    except Exception:
        session.rollback()  # release the row lock at once
        raise
    session.commit()
    return result


def _record_result(session: Session, diagnostic: Diagnostic, lang: str | None) -> Result:
    """Score the locked diagnostic's answers and add its new current result, without committing.

    Raises answers.AnswerErrors, having changed nothing, if an answer is missing or invalid.
    """
    questionnaire = questionnaire_of(diagnostic)
    answers = validate(questionnaire, diagnostic.answers, lang or diagnostic.lang)
    payload = report.build_all(questionnaire, answers)
    now = utcnow()
    diagnostic.status = COMPLETED
    diagnostic.completed_at = now
    diagnostic.collectivity_type = str(answers.get("collectivity_type"))
    diagnostic.population = str(answers.get("population"))
    diagnostic.region = str(answers.get("region"))
    session.flush()  # one UPDATE of the diagnostic's row, with the step's answers if any
    session.execute(
        update(Result).where(Result.diagnostic_id == diagnostic.id).values(is_current=False)
    )
    result = make_result(diagnostic.id, questionnaire.version, payload, now)
    session.add(result)
    session.flush()  # the new result's id, for its shared_result row
    sync_shared(session, diagnostic, result)
    return result


def make_result(diagnostic_id: int, version: str, payload: dict[str, Any], now: Any) -> Result:
    """Return a current Result row (with its recommendation rows) for a stored payload."""
    fr = payload["fr"]
    scores, logics = fr["scores"], fr["logics"]
    return Result(
        diagnostic_id=diagnostic_id,
        questionnaire_version=version,
        is_current=True,
        created_at=now,
        month=now.strftime("%Y-%m"),
        dominant=fr["dominant"],
        score_business_internationalisation=scores["business_internationalisation"],
        score_economic_cooperation=scores["economic_cooperation"],
        score_multisector_cooperation=scores["multisector_cooperation"],
        logic_business_support=logics["business_support"],
        logic_sustainable_development=logics["sustainable_development"],
        logic_territorial_promotion=logics["territorial_promotion"],
        partner_income_group=fr["partner_income_group"],
        payload=payload,
        recommendations=[
            ResultRecommendation(recommendation_id=r["id"], priority=r["priority"])
            for r in fr["recommendations"]
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
