"""Operations that write diagnostics and results (the views stay thin)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import JSON, Dialect, bindparam, insert, select, text, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app import questionnaire as qn
from app.core import report
from app.core.answers import AnswerErrors, validate
from app.core.model import AnswerValue, Questionnaire
from app.core.relevance import prune
from app.core.report import Report
from app.core.summary import diagnostic_codes
from app.models import (
    PROFILE_COLUMNS,
    RECOMMENDATION_SEPARATOR,
    SHARED_SCORE_COLUMNS,
    Diagnostic,
    DiagnosticLink,
    PlanAction,
    Result,
    ResultRecommendation,
    SharedResult,
    utcnow,
)
from app.stats.release import ANSWER_JOINER, ANSWER_SEPARATOR

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
T = TypeVar("T")


def new_token() -> str:
    """Return a fresh private token for a resume link (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the stored form of a token: its SHA-256, so the database holds no working link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _plausible(token: str) -> bool:
    """Return whether a token is worth looking up (not empty, not absurdly long)."""
    return bool(token) and len(token) <= 100


def find_by_token(session: Session, token: str) -> Diagnostic | None:
    """Return the diagnostic a private token opens, if any."""
    if not _plausible(token):
        return None
    return session.scalar(select(Diagnostic).where(Diagnostic.token_hash == hash_token(token)))


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
    database write lock on SQLite, which ignores ``FOR UPDATE``; its RETURNING clause reads the
    row at the same time.
    """
    session.scalars(
        update(Diagnostic)
        .where(Diagnostic.id == diagnostic.id)
        .values(current_step=Diagnostic.current_step)
        .returning(Diagnostic),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one()


def _write(session: Session, diagnostic: Diagnostic, change: Callable[[], T]) -> T:
    """Apply change to the diagnostic as read, and commit: one transaction, one write of its row.

    change writes the diagnostic's row first, and that UPDATE holds only if nobody changed the
    row since it was read (``Diagnostic.updated_at`` is its version); otherwise the transaction
    is rolled back and the change made again on the row read under its lock (``lock``). The
    database's write lock (SQLite's is database-wide) is thus held for the writes only, not for
    reading the form or scoring. On any error nothing is stored.
    """
    try:
        try:
            outcome = change()
            session.commit()
            return outcome
        except StaleDataError:
            session.rollback()
        lock(session, diagnostic)
        outcome = change()
        session.commit()
        return outcome
    except BaseException:
        session.rollback()
        raise


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
    diagnostic.answers = prune(questionnaire_of(diagnostic), merged)
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
    is made into the latest stored answers (see ``_write``).
    """

    def change() -> None:
        consent_changed = _merge(diagnostic, answers, current_step, cleared, share_anonymised)
        session.flush()
        if consent_changed:
            sync_shared(session, diagnostic)

    _write(session, diagnostic, change)


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

    def change() -> Result | AnswerErrors:
        consent_changed = _merge(diagnostic, answers, current_step, cleared, share_anonymised)
        try:
            return _record_result(session, diagnostic, lang)
        except AnswerErrors as exc:
            session.flush()
            if consent_changed:
                sync_shared(session, diagnostic)
            return exc

    outcome = _write(session, diagnostic, change)
    if isinstance(outcome, AnswerErrors):
        raise outcome
    return outcome


def set_sharing(session: Session, diagnostic: Diagnostic, share_anonymised: bool) -> None:
    """Record the respondent's consent to share anonymously, and commit (see ``_write``).

    A completed diagnostic enters or leaves ``shared_result`` (ARRICOD's statistics) at once.
    """

    def change() -> None:
        if share_anonymised != diagnostic.share_anonymised:
            diagnostic.share_anonymised = share_anonymised
            session.flush()
            sync_shared(session, diagnostic)

    _write(session, diagnostic, change)


def sync_shared(session: Session, diagnostic: Diagnostic, result: Result | None = None) -> None:
    """Make the diagnostic's ``shared_result`` row match its consent, status and current result.

    The row is deleted, then written again from the current result (``result``, else read from
    the database) only when the diagnostic is completed and shared. Call it inside the
    transaction that changes the diagnostic, once its row is written (``_write``) or locked.
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
    return _shared_row(
        diagnostic.id,
        result.id,
        {column: getattr(diagnostic, column) for column in PROFILE_COLUMNS},
        {column: getattr(result, column) for column in SHARED_RESULT_COLUMNS},
        [r.recommendation_id for r in result.recommendations],
        answer_codes(questionnaire_of(diagnostic), diagnostic.answers),
    )


def answer_codes(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> str:
    """Return the ``answer_codes`` of a shared row: the summary rows each question counts the
    diagnostic in ("question=row", sorted, joined with ","), never the answers themselves.
    """
    codes = diagnostic_codes(questionnaire, answers)
    tokens = (f"{qid}{ANSWER_JOINER}{code}" for qid, found in codes.items() for code in found)
    return ANSWER_SEPARATOR.join(sorted(tokens))


def _shared_row(
    diagnostic_id: int,
    result_id: int,
    profile: Mapping[str, Any],
    result: Mapping[str, Any],
    recommendation_ids: Iterable[str],
    codes: str,
) -> dict[str, Any]:
    """Return a ``shared_result`` row: the profile, the result's columns, its recommendations
    and the summary rows its answers count in.
    """
    return {
        "diagnostic_id": diagnostic_id,
        "result_id": result_id,
        **{column: profile[column] for column in PROFILE_COLUMNS},
        **{column: result[column] for column in SHARED_RESULT_COLUMNS},
        "recommendations": RECOMMENDATION_SEPARATOR.join(sorted(recommendation_ids)),
        "answer_codes": codes,
    }


def complete(
    session: Session, diagnostic: Diagnostic, share_anonymised: bool, lang: str | None = None
) -> Result:
    """Score the diagnostic's answers and store a new current result (older ones are kept).

    Raises answers.AnswerErrors if an answer is missing or invalid; nothing is stored then.
    Two concurrent completions leave exactly one current result (see ``_write``). The
    diagnostic's ``shared_result`` row is replaced in the same transaction: by the new result
    if shared, by nothing otherwise.
    """

    def change() -> Result:
        diagnostic.share_anonymised = share_anonymised
        return _record_result(session, diagnostic, lang)

    return _write(session, diagnostic, change)


def _record_result(session: Session, diagnostic: Diagnostic, lang: str | None) -> Result:
    """Score the diagnostic's answers and add its new current result, without committing.

    Raises answers.AnswerErrors, having written nothing, if an answer is missing or invalid.
    The diagnostic's row is written first: the other rows are written under its lock.
    """
    scored = score_answers(
        questionnaire_of(diagnostic), diagnostic.answers, lang or diagnostic.lang
    )
    now = utcnow()
    for column, value in completion_values(scored, now).items():
        setattr(diagnostic, column, value)
    session.flush()  # one UPDATE of the diagnostic's row, with the step's answers if any
    session.execute(
        update(Result).where(Result.diagnostic_id == diagnostic.id).values(is_current=False)
    )
    result = make_result(diagnostic.id, scored, now)
    session.add(result)
    session.flush()  # the new result's id, for its shared_result row
    sync_shared(session, diagnostic, result)
    return result


@dataclass(frozen=True)
class Scored:
    """Valid answers to a questionnaire version, scored once: what a completion stores."""

    questionnaire: Questionnaire
    answers: dict[str, AnswerValue]
    reports: dict[str, Report]  # report.build_all: the report in every language

    @cached_property
    def payload(self) -> dict[str, Any]:
        """Return the JSON the result stores: the report in every language."""
        return report.payload_of(self.reports)

    @cached_property
    def columns(self) -> dict[str, Any]:
        """Return the result's queryable columns: dominant positioning, scores, partner group."""
        fr = self.reports["fr"]
        return {
            "questionnaire_version": self.questionnaire.version,
            "dominant": fr.dominant,
            **fr.columns(),
            "partner_income_group": fr.partner_income_group,
        }

    @cached_property
    def shared_codes(self) -> str:
        """Return the summary rows the answers count in, as a shared row stores them."""
        return answer_codes(self.questionnaire, self.answers)

    @cached_property
    def profile(self) -> dict[str, str]:
        """Return the profile columns a completed diagnostic copies from its answers."""
        return {column: str(self.answers.get(column)) for column in PROFILE_COLUMNS}

    @cached_property
    def recommendations(self) -> tuple[tuple[str, str], ...]:
        """Return the (id, priority) of each recommendation of the result."""
        return tuple((r.id, r.priority) for r in self.reports["fr"].recommendations)

    @cached_property
    def answers_json(self) -> str:
        """Return the answers as compact JSON, serialised once (the bulk path)."""
        return _compact(self.answers)

    @cached_property
    def payload_json(self) -> str:
        """Return the payload as compact JSON, serialised once (the bulk path)."""
        return _compact(self.payload)


def _compact(value: Any) -> str:
    """Return value as compact JSON (no spaces, UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def score_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], lang: str = "fr"
) -> Scored:
    """Validate and score a whole answer set; raise answers.AnswerErrors if one is missing."""
    clean = validate(questionnaire, answers, lang)
    return Scored(questionnaire, clean, report.build_all(questionnaire, clean))


def completion_values(scored: Scored, now: datetime) -> dict[str, Any]:
    """Return the columns a diagnostic takes on completion (status, date, profile)."""
    return {"status": COMPLETED, "completed_at": now, **scored.profile}


def result_values(scored: Scored, now: datetime) -> dict[str, Any]:
    """Return the columns of a new current result (payload and recommendations aside)."""
    return {"is_current": True, "created_at": now, "month": now.strftime("%Y-%m"), **scored.columns}


def make_result(diagnostic_id: int, scored: Scored, now: datetime) -> Result:
    """Return a current Result row (with its recommendation rows) for scored answers."""
    return Result(
        diagnostic_id=diagnostic_id,
        payload=scored.payload,
        recommendations=[
            ResultRecommendation(recommendation_id=rec_id, priority=priority)
            for rec_id, priority in scored.recommendations
        ],
        **result_values(scored, now),
    )


# --- The bulk path: many completed diagnostics at once (synthetic data, imports) ----------------

BULK_BATCH = 5000


@dataclass(frozen=True)
class Completion:
    """A completed diagnostic for ``complete_many``: its scored answers, language, dates, consent.

    Many completions may share one ``Scored``: its rows are then built from one serialisation.
    """

    scored: Scored
    lang: str
    created_at: datetime
    completed_at: datetime
    share_anonymised: bool = True


class _SerialisedJSON(TypeDecorator[str]):
    """A JSON column bound from already serialised text (``Scored.answers_json``)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """Pass the JSON text through unchanged."""
        return None


def complete_many(
    session: Session, completions: Iterable[Completion], *, batch: int = BULK_BATCH
) -> int:
    """Store completed diagnostics with their results, as ``complete`` does; return how many.

    Each diagnostic gets a fresh private token (of which only the hash is kept, and which no one
    knows), its result, the result's recommendations and, when consented, its ``shared_result``
    row, from the same values as a completion: ``completion_values``, ``result_values``,
    ``_shared_row``. Rows are inserted with executemany, ``batch`` diagnostics per transaction.
    """
    count = 0
    pending: list[Completion] = []
    for completion in completions:
        pending.append(completion)
        if len(pending) >= batch:
            count += _insert_batch(session, pending)
            pending = []
    if pending:
        count += _insert_batch(session, pending)
    if count and session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, so that the planner does not take the bulk-loaded tables for empty.
        session.execute(text("ANALYZE diagnostic, result, result_recommendation, shared_result"))
        session.commit()
    return count


def _insert_batch(session: Session, batch: list[Completion]) -> int:
    """Insert one batch of completed diagnostics and their rows, in one transaction."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _tune_bulk_load(conn)
    diagnostic_ids = _reserve_ids(conn, "diagnostic", len(batch))
    result_ids = _reserve_ids(conn, "result", len(batch))
    diagnostics: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    recommendations: list[dict[str, Any]] = []
    shared: list[dict[str, Any]] = []
    for diagnostic_id, result_id, c in zip(diagnostic_ids, result_ids, batch, strict=True):
        scored, done = c.scored, c.completed_at
        diagnostics.append(
            {
                "id": diagnostic_id,
                "token_hash": hash_token(new_token()),
                "questionnaire_version": scored.questionnaire.version,
                "lang": c.lang,
                "answers": scored.answers_json,
                "current_step": scored.questionnaire.sections[-1].id,
                "share_anonymised": c.share_anonymised,
                "created_at": c.created_at,
                "updated_at": done,
                **completion_values(scored, done),
            }
        )
        result = result_values(scored, done)
        results.append(
            {"id": result_id, "diagnostic_id": diagnostic_id, "payload": scored.payload_json}
            | result
        )
        recommendations.extend(
            {"result_id": result_id, "recommendation_id": rec_id, "priority": priority}
            for rec_id, priority in scored.recommendations
        )
        if c.share_anonymised:
            ids = (rec_id for rec_id, _priority in scored.recommendations)
            codes = scored.shared_codes
            shared.append(_shared_row(diagnostic_id, result_id, scored.profile, result, ids, codes))
    json_text = bindparam("answers", type_=_SerialisedJSON())
    conn.execute(insert(Diagnostic.__table__).values(answers=json_text), diagnostics)  # type: ignore[arg-type]
    payload_text = bindparam("payload", type_=_SerialisedJSON())
    conn.execute(insert(Result.__table__).values(payload=payload_text), results)  # type: ignore[arg-type]
    _executemany_plain(conn, insert(ResultRecommendation.__table__), recommendations)  # type: ignore[arg-type]
    _executemany_plain(conn, insert(SharedResult.__table__), shared)  # type: ignore[arg-type]
    session.commit()
    return len(batch)


def _reserve_ids(conn: Connection, table: str, n: int) -> list[int]:
    """Return n fresh primary keys for a table.

    PostgreSQL draws them from the table's sequence, so concurrent inserts stay safe; SQLite
    continues after the highest id, inside the batch's transaction.
    """
    if conn.dialect.name == "postgresql":
        stmt = text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608 - fixed names
            "FROM generate_series(1, :n)"
        )
        return [int(i) for i in conn.execute(stmt, {"n": n}).scalars()]
    start = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
    return list(range(int(start) + 1, int(start) + 1 + n))


def _tune_bulk_load(conn: Connection) -> None:
    """Speed up a bulk load on PostgreSQL, for this transaction only.

    Payloads (about 20 KB each) are compressed with lz4 rather than pglz when the server has it,
    and commits do not wait for the WAL flush (a crash could lose the last batches of a bulk
    load, never corrupt anything).
    """
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    has_lz4 = conn.execute(
        text(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
    ).first()
    if has_lz4:
        conn.execute(text("SET LOCAL default_toast_compression = 'lz4'"))


def _executemany_plain(conn: Connection, stmt: Any, rows: list[dict[str, Any]]) -> None:
    """Run an INSERT of plain values (ints, strings) as one DBAPI executemany.

    The statement is compiled once by SQLAlchemy for the connection's dialect; skipping the
    per-row parameter processing, which these values do not need, halves the time of the
    recommendation rows (about eight per diagnostic).
    """
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]))
    if compiled.positional:
        order = compiled.positiontup
        params: list[Any] = [tuple(row[key] for key in order) for row in rows]
    else:
        params = rows
    conn.exec_driver_sql(str(compiled), params)


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
    lock(session, diagnostic)  # its latest version, whatever changed since it was read
    session.execute(
        sql_delete(SharedResult)
        .where(SharedResult.diagnostic_id == diagnostic.id)
        .execution_options(synchronize_session=False)
    )
    session.delete(diagnostic)
    session.commit()


# --- Re-diagnosis: a new diagnostic pre-filled from an earlier one -----------------------------

PLAN_COLUMNS = (
    "title",
    "recommendation_id",
    "recommendation_title",
    "pilot",
    "elected",
    "start_quarter",
    "end_quarter",
    "status",
    "instruments",
)


def carry_over(
    old: Questionnaire, new: Questionnaire, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Return the answers that hold under the new questionnaire, and the ids of those dropped.

    An answer is dropped when its question is gone from the new version, when one of its
    option codes no longer exists there, or when the new version refuses its value; answers
    the new version's skip logic leaves out are pruned as on every save.
    """
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    sections = {s.id for s in new.sections if s.repeat is not None}
    for qid, value in answers.items():
        question = new.questions.get(qid)
        if question is None and qid not in sections:
            dropped.append(qid)
            continue
        if question is not None and old.version != new.version:
            try:  # an option code gone, a French territory named as a partner…
                question.kind.clean(question, value, "fr")
            except ValueError:
                dropped.append(qid)
                continue
        kept[qid] = value
    return prune(new, kept), dropped


def redo(session: Session, previous: Diagnostic) -> tuple[Diagnostic, str, list[str]]:
    """Start a diagnostic on the current questionnaire, pre-filled from a completed one.

    The new diagnostic is linked to the previous one (``DiagnosticLink``) and takes a copy of
    its action plan, so that the plan's statuses carry on; consent to share is asked again.
    Returns it with its new private token and the ids of the answers that could not be carried
    over. One commit.
    """
    questionnaire = qn.current()
    answers, dropped = carry_over(questionnaire_of(previous), questionnaire, previous.answers)
    token = new_token()
    diagnostic = Diagnostic(
        token_hash=hash_token(token),
        questionnaire_version=questionnaire.version,
        lang=previous.lang,
        answers=answers,
        current_step=questionnaire.sections[0].id,
        status="in_progress",
        share_anonymised=False,
    )
    session.add(diagnostic)
    session.flush()
    session.add(
        DiagnosticLink(diagnostic_id=diagnostic.id, previous_id=previous.id, dropped=dropped)
    )
    plan = session.scalars(
        select(PlanAction).where(PlanAction.diagnostic_id == previous.id).order_by(PlanAction.id)
    )
    for action in plan:
        copy = {column: getattr(action, column) for column in PLAN_COLUMNS}
        session.add(PlanAction(diagnostic_id=diagnostic.id, **copy))
    session.commit()
    return diagnostic, token, dropped


def history(session: Session, diagnostic: Diagnostic, limit: int = 20) -> list[Diagnostic]:
    """Return the diagnostic and those it was redone from, oldest first (at most ``limit``)."""
    chain = [diagnostic]
    seen = {diagnostic.id}
    while len(chain) < limit:
        link = session.get(DiagnosticLink, chain[-1].id)
        if link is None or link.previous_id is None or link.previous_id in seen:
            break
        previous = session.get(Diagnostic, link.previous_id)
        if previous is None:
            break
        seen.add(previous.id)
        chain.append(previous)
    return chain[::-1]


def link_of(session: Session, diagnostic: Diagnostic) -> DiagnosticLink | None:
    """Return the link of a diagnostic redone from an earlier one, if it is one."""
    return session.get(DiagnosticLink, diagnostic.id)
