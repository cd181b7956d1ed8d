"""Database models: diagnostics, their results, and ARRICOD administrators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Diagnostic(Base):
    """One collectivité's diagnostic: answers saved step by step, reached by a private link.

    Only a hash of the private token is stored, so the database alone never yields a working link.
    """

    __tablename__ = "diagnostic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(2), default="fr")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_step: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="in_progress", index=True)
    share_anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    # Profile columns copied from the answers on completion, for aggregate queries.
    collectivity_type: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Optimistic concurrency: every ORM write of a diagnostic is an UPDATE … WHERE updated_at =
    # <the value read>, which fails (StaleDataError) if another request changed it meanwhile;
    # services then read it again under its row lock and redo the change.
    __mapper_args__ = {"version_id_col": updated_at, "version_id_generator": lambda _: utcnow()}

    results: Mapped[list[Result]] = relationship(
        back_populates="diagnostic",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Result.id",
    )


class ScoredRow:
    """The columns a result and its shared copy have in common: dominant positioning, scores."""

    dominant: Mapped[str] = mapped_column(String(40))
    score_business_internationalisation: Mapped[float] = mapped_column(Float)
    score_economic_cooperation: Mapped[float] = mapped_column(Float)
    score_multisector_cooperation: Mapped[float] = mapped_column(Float)
    logic_business_support: Mapped[float] = mapped_column(Float)
    logic_sustainable_development: Mapped[float] = mapped_column(Float)
    logic_territorial_promotion: Mapped[float] = mapped_column(Float)
    partner_income_group: Mapped[str] = mapped_column(String(16))


class Result(ScoredRow, Base):
    """A scoring of a diagnostic's answers, kept with the questionnaire version that produced it.

    Modifying one's answers adds a new result and keeps the old one (``is_current`` marks the
    latest). The score columns duplicate the payload so the dashboard aggregates in SQL.
    """

    __tablename__ = "result"
    __table_args__ = (Index("ix_result_current_month", "is_current", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="CASCADE"), index=True
    )
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    month: Mapped[str] = mapped_column(String(7))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    diagnostic: Mapped[Diagnostic] = relationship(back_populates="results")
    recommendations: Mapped[list[ResultRecommendation]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ResultRecommendation(Base):
    """One recommendation emitted by a result (for "most frequent recommendations")."""

    __tablename__ = "result_recommendation"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("result.id", ondelete="CASCADE"), primary_key=True
    )
    recommendation_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    priority: Mapped[str] = mapped_column(String(8))


SHARED_SCORE_COLUMNS = (
    "score_business_internationalisation",
    "score_economic_cooperation",
    "score_multisector_cooperation",
    "logic_business_support",
    "logic_sustainable_development",
    "logic_territorial_promotion",
)
PROFILE_COLUMNS = ("collectivity_type", "population", "region")


class SharedResult(ScoredRow, Base):
    """What ARRICOD's statistics may read, and nothing else: one narrow row per shared diagnostic.

    A diagnostic has a row here only while it is completed and its respondent ticked
    ``share_anonymised``, and the row copies its current result only (``services`` keeps it so:
    completion replaces it, withdrawing consent deletes it, deleting the diagnostic or the result
    cascades). It holds the profile, the scores, the recommendation ids and the summary rows
    each question counts it in, never the answers or the result's payload, so the dashboard, the
    exports and the peer benchmark scan a small table without any join.
    """

    __tablename__ = "shared_result"
    # Covering indexes, so that SQLite aggregates by reading one index in order (no sort, no
    # table row) and PostgreSQL can too; rows change once per completion, so they cost little.
    __table_args__ = (
        # The dashboard's cube: its five GROUP BY keys, then the six scores it sums. Its first
        # column serves the collectivity_type filter.
        Index(
            "ix_shared_result_cube",
            "collectivity_type",
            "partner_income_group",
            "month",
            "questionnaire_version",
            "dominant",
            *SHARED_SCORE_COLUMNS,
        ),
        Index("ix_shared_result_region", "region"),
        Index("ix_shared_result_month", "month"),
        # The histogram of each positioning score (dashboard quartiles, peer benchmark), with
        # the columns the filters and peer groups read.
        *(
            Index(f"ix_shared_result_{column}", column, *PROFILE_COLUMNS, "month")
            for column in SHARED_SCORE_COLUMNS[:3]
        ),
        # The counts of each distinct set of recommendations, filters included.
        Index(
            "ix_shared_result_recommendations",
            "recommendations",
            "collectivity_type",
            "region",
            "month",
        ),
    )

    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    result_id: Mapped[int] = mapped_column(ForeignKey("result.id", ondelete="CASCADE"), unique=True)
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    collectivity_type: Mapped[str] = mapped_column(String(32))
    population: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(2))
    # The result's recommendation ids, sorted and joined with "," (RECOMMENDATION_SEPARATOR):
    # the dashboard counts each distinct set once in SQL and splits the sets in Python.
    recommendations: Mapped[str] = mapped_column(Text)
    # The rows of the questions' dashboard summaries this diagnostic counts in, never the answers
    # themselves: "question=row" tokens, each once, sorted and joined with ","
    # (``app.core.summary.diagnostic_codes``); the snapshot counts each distinct set once in SQL.
    answer_codes: Mapped[str] = mapped_column(Text, default="", server_default="")


RECOMMENDATION_SEPARATOR = ","


class Admin(Base):
    """An ARRICOD administrator who may see the anonymised dashboard and exports."""

    __tablename__ = "admin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Stored in the session at login; logging out or changing the password increments it, so
    # that every copy of an earlier session cookie is refused.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsSnapshot(Base):
    """A published statistics snapshot of the shared diagnostics (at most one a day).

    It keeps only what was released: the figures, already noised (``StatsCell``), the privacy
    budget they were released with, and a digest of the shared results it was taken from, so
    that a day without change publishes nothing new.
    """

    __tablename__ = "stats_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), unique=True)  # "YYYY-MM-DD", UTC
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    epsilon: Mapped[float] = mapped_column(Float)
    min_cell_size: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    # Whether at least min_cell_size diagnostics were shared: below that, nothing is shown.
    releasable: Mapped[bool] = mapped_column(Boolean)
    cells: Mapped[list[StatsCell]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan", passive_deletes=True
    )


class StatsCell(Base):
    """The released (noisy) figures of one cell of a snapshot: a dimension and its value."""

    __tablename__ = "stats_cell"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("stats_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    snapshot: Mapped[StatsSnapshot] = relationship(back_populates="cells")


class PlanAction(Base):
    """One action of a diagnostic's action plan, reached only through its private link.

    Roles, never names: the pilote and the élu référent are role ids of the plan's catalogue
    (app/data/action_plan.yaml), as are the status and the instruments. An action either comes
    from a recommendation (``recommendation_id`` and its title when it was kept) or was added by
    the officer. Deleting the diagnostic deletes its plan (the foreign key cascades); no
    aggregate, export or statistic reads this table.
    """

    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    recommendation_id: Mapped[str | None] = mapped_column(String(40))
    recommendation_title: Mapped[str | None] = mapped_column(String(200))
    pilot: Mapped[str | None] = mapped_column(String(32))
    elected: Mapped[str | None] = mapped_column(String(32))
    start_quarter: Mapped[str | None] = mapped_column(String(7))  # "2027-T1"
    end_quarter: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="to_start")
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class DiagnosticLink(Base):
    """A diagnostic started again from an earlier one (« Refaire le diagnostic »).

    The link points backwards only: the newer diagnostic's private link shows the progress since
    the earlier ones, the earlier link shows nothing of the newer. Deleting the newer diagnostic
    deletes this row and leaves the earlier one whole; deleting the earlier one empties
    ``previous_id`` (the newer then no longer shows it). ``dropped`` lists the answers (question
    ids) that could not be carried over to the newer questionnaire version.
    """

    __tablename__ = "diagnostic_link"

    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="SET NULL"), index=True
    )
    dropped: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Perspective(Base):
    """A colleague's or partner's view of a diagnostic's perception questions (no account).

    Reached by its own private link, of which only the hash is kept, and tagged with a role;
    it opens the perception questions of its diagnostic and nothing else. Its answers are seen
    only through the diagnostic's private link, never by ARRICOD's statistics or exports, and
    never enter the official result: the officer settles the consolidated answers. Revoking
    deletes it; deleting the diagnostic deletes it (the foreign key cascades).
    """

    __tablename__ = "perspective"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(
        ForeignKey("diagnostic.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
