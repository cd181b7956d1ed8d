"""Taking and reading the published statistics snapshots (SQLAlchemy, no Flask).

A snapshot has the database sum the ``shared_result`` rows (GROUP BY, ``summary_of``), releases
the figures with ``release.publish`` and stores only the released (noisy) figures. There is at
most one snapshot a day, and none when the shared data have not changed since the last one: a
new release of the same data would draw new noise, which an attacker could average. Every page
reads the latest snapshot, so reloading a page returns the very same noise.

One figure is exact, and only as a yes/no: whether the snapshot holds at least k shared
diagnostics (``releasable``). Below that, nothing at all is shown, as the contract requires; the
gate only matters while the network has fewer than k shared diagnostics in all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from app import partners
from app import questionnaire as qn
from app.core.summary import released_rows
from app.models import (
    RECOMMENDATION_SEPARATOR,
    SHARED_SCORE_COLUMNS,
    DiagnosticLink,
    SharedResult,
    StatsCell,
)
from app.models import StatsSnapshot as Snapshot
from app.stats import release

MAX_AGE = timedelta(days=1)
YEARS_BACK = 4  # half-years released: this year's and those of the four years before


def domains(today: date) -> release.Domains:
    """Return the fixed cells of every dimension: from the questionnaires and reference data."""
    questionnaires = list(qn.load_all().values())

    def options(question_id: str) -> list[str]:
        found: list[str] = []
        for questionnaire in questionnaires:
            question = questionnaire.questions.get(question_id)
            for option in question.options if question else ():
                if option.code not in found:
                    found.append(option.code)
        return found

    rules = sorted({rule.id for questionnaire in questionnaires for rule in questionnaire.rules})
    half_years = [
        f"{year}-S{half}"
        for year in range(today.year - YEARS_BACK, today.year + 1)
        for half in (1, 2)
        if year < today.year or half == 1 or today.month > 6
    ]
    regions = partners.regions()
    return release.Domains(
        values={
            "collectivity_type": options("collectivity_type"),
            "population": options("population"),
            "region": [r.code for r in regions],
            "half_year": half_years,
            "income_group": [*partners.INCOME_GROUPS, "none"],
            "version": sorted(qn.load_all(), key=lambda v: (len(v), v)),
        },
        recommendations=rules,
        overseas=frozenset(r.code for r in regions if not r.metropolitan),
        answers={q.version: released_rows(q) for q in questionnaires},
    )


def records(session: Session) -> tuple[list[release.Record], str]:
    """Return every shared diagnostic as a record, and a digest of the results read (for checks
    and measurements; publishing reads ``summary_of`` instead).
    """
    columns = [getattr(SharedResult, c) for c in SHARED_SCORE_COLUMNS[:3]]
    stmt = select(
        SharedResult.result_id,
        SharedResult.collectivity_type,
        SharedResult.population,
        SharedResult.region,
        SharedResult.month,
        SharedResult.questionnaire_version,
        SharedResult.dominant,
        SharedResult.partner_income_group,
        SharedResult.recommendations,
        SharedResult.answer_codes,
        *columns,
    ).order_by(SharedResult.result_id)
    found: list[release.Record] = []
    digest = hashlib.sha256()
    for row in session.execute(stmt):
        digest.update(f"{row[0]};".encode())
        found.append(
            release.Record(
                collectivity_type=str(row[1]),
                population=str(row[2]),
                region=str(row[3]),
                month=str(row[4]),
                version=str(row[5]),
                dominant=str(row[6]),
                income_group=str(row[7]),
                recommendations=tuple(
                    r for r in str(row[8] or "").split(RECOMMENDATION_SEPARATOR) if r
                ),
                answer_codes=tuple(
                    t for t in str(row[9] or "").split(release.ANSWER_SEPARATOR) if t
                ),
                scores=tuple(float(x) for x in row[10:]),
            )
        )
    return found, digest.hexdigest()


def digest_of(session: Session) -> str:
    """Return a digest of the shared results (their ids change at every share, withdrawal and
    new completion), to tell whether the data changed since the last snapshot.
    """
    digest = hashlib.sha256()
    for result_id in session.scalars(
        select(SharedResult.result_id).order_by(SharedResult.result_id)
    ):
        digest.update(f"{result_id};".encode())
    return digest.hexdigest()


def summary_of(session: Session, found: release.Domains | None = None) -> release.Summary:
    """Return the exact inputs of a release, summed by the database (GROUP BY), never a row.

    Scores are 0–100 by construction; a group outside that range would break the sensitivity
    the noise is calibrated for, so it stops the publication.
    """
    found = found or domains(datetime.now(UTC).date())
    summary = release.Summary()
    scores = [getattr(SharedResult, c) for c in SHARED_SCORE_COLUMNS[:3]]
    keys = (
        SharedResult.collectivity_type,
        SharedResult.population,
        SharedResult.region,
        SharedResult.month,
        SharedResult.partner_income_group,
        SharedResult.questionnaire_version,
        SharedResult.dominant,
    )
    stmt = select(
        *keys,
        func.count(),
        *(func.sum(c) for c in scores),
        *(func.min(c) for c in scores),
        *(func.max(c) for c in scores),
    ).group_by(*keys)
    width = len(scores)
    for row in session.execute(stmt):
        kind, population, region, month, income, version, dominant, n = row[:8]
        sums, lows, highs = row[8 : 8 + width], row[8 + width : 8 + 2 * width], row[8 + 2 * width :]
        if min(lows) < 0 or max(highs) > release.SCORE_MAX:
            raise ValueError("a shared score lies outside 0–100: nothing is published")
        key = (kind, population, region, release.half_year(month), income, version, dominant)
        centred = [float(x) - release.SCORE_MAX / 2 * int(n) for x in sums]
        summary.add_group(tuple(str(k) for k in key), int(n), centred)
    for positioning, column in zip(release.POSITIONINGS, scores, strict=True):
        for value, n in session.execute(select(column, func.count()).group_by(column)):
            summary.add_scores(positioning, float(value), int(n))
    sets = SharedResult.recommendations
    for joined, n in session.execute(select(sets, func.count()).group_by(sets)):
        ids = [r for r in str(joined or "").split(RECOMMENDATION_SEPARATOR) if r]
        summary.add_recommendations(ids, int(n))
    version, codes = SharedResult.questionnaire_version, SharedResult.answer_codes
    stmt = select(version, codes, func.count()).group_by(version, codes)
    for value, joined, n in session.execute(stmt):
        tokens = [t for t in str(joined or "").split(release.ANSWER_SEPARATOR) if t]
        summary.add_answers(str(value), tokens, int(n), release.widths(found, str(value)))
    _add_pairs(session, summary)
    return summary


def _add_pairs(session: Session, summary: release.Summary) -> None:
    """Sum the re-diagnosis pairs in the database: each shared diagnostic that was redone, with
    the newest shared diagnostic redone from it (one pair per earlier diagnostic, however many
    times it was redone), and the changes of their scores.
    """
    newest = (
        select(
            DiagnosticLink.previous_id.label("older"),
            func.max(DiagnosticLink.diagnostic_id).label("newer"),
        )
        .join(SharedResult, SharedResult.diagnostic_id == DiagnosticLink.diagnostic_id)
        .where(DiagnosticLink.previous_id.is_not(None))
        .group_by(DiagnosticLink.previous_id)
        .subquery()
    )
    newer, older = aliased(SharedResult), aliased(SharedResult)
    scores = SHARED_SCORE_COLUMNS[:3]
    stmt = (
        select(
            func.count(),
            *(func.sum(getattr(newer, c) - getattr(older, c)) for c in scores),
        )
        .select_from(newest)
        .join(newer, newer.diagnostic_id == newest.c.newer)
        .join(older, older.diagnostic_id == newest.c.older)
    )
    row = session.execute(stmt).one()
    if row[0]:
        summary.add_pairs(int(row[0]), [float(x or 0.0) for x in row[1:]])


def latest(session: Session) -> Snapshot | None:
    """Return the newest published snapshot, if any."""
    return session.scalars(select(Snapshot).order_by(Snapshot.id.desc()).limit(1)).first()


def publish(session: Session, now: datetime, epsilon: float, k: int) -> Snapshot:
    """Publish today's snapshot unless one exists or the shared data have not changed; return the
    snapshot now in force. Commits.
    """
    day = now.date().isoformat()
    current = latest(session)
    if current is not None and current.day >= day:
        return current
    digest = digest_of(session)
    if current is not None and current.digest == digest:
        current.checked_at = now
        session.commit()
        return current
    cells = domains(now.date())
    summary = summary_of(session, cells)
    figures = release.publish(summary, cells, epsilon)
    snapshot = Snapshot(
        day=day,
        published_at=now,
        checked_at=now,
        epsilon=epsilon,
        min_cell_size=k,
        digest=digest,
        releasable=summary.size >= k,
    )
    snapshot.cells = [
        StatsCell(dimension=dimension, value=value, figures=cell)
        for (dimension, value), cell in figures.items()
    ]
    session.add(snapshot)
    try:
        session.commit()
    except IntegrityError:  # published meanwhile by another process: keep theirs
        session.rollback()
        found = latest(session)
        if found is None:
            raise
        return found
    return snapshot


def ensure_fresh(session: Session, now: datetime, epsilon: float, k: int) -> Snapshot:
    """Return the snapshot in force, publishing one first if none was checked within a day."""
    current = latest(session)
    if current is not None and _aware(current.checked_at) > now - MAX_AGE:
        return current
    return publish(session, now, epsilon, k)


def _aware(moment: datetime) -> datetime:
    """Return a datetime read from the database as UTC-aware (SQLite drops the zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read(
    session: Session, snapshot: Snapshot, dimensions: Sequence[str] | None = None
) -> release.Release:
    """Return the released figures of a snapshot (of some dimensions only, if given)."""
    stmt = select(StatsCell.dimension, StatsCell.value, StatsCell.figures).where(
        StatsCell.snapshot_id == snapshot.id
    )
    if dimensions is not None:
        stmt = stmt.where(StatsCell.dimension.in_(dimensions))
    cells = session.execute(stmt)
    published = _aware(snapshot.published_at).date()
    return release.Release(
        epsilon=snapshot.epsilon,
        cells={(str(d), str(v)): f for d, v, f in cells},
        domains=domains(published),
    )
