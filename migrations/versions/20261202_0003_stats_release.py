"""stats_snapshot, stats_cell: the published, differentially private statistics

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the snapshot and released-figure tables."""
    op.create_table(
        "stats_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("min_cell_size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("releasable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_snapshot")),
        sa.UniqueConstraint("day", name=op.f("uq_stats_snapshot_day")),
    )
    op.create_table(
        "stats_cell",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["stats_snapshot.id"],
            name=op.f("fk_stats_cell_snapshot_id_stats_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "dimension", "value", name=op.f("pk_stats_cell")),
    )


def downgrade() -> None:
    """Drop the published statistics."""
    op.drop_table("stats_cell")
    op.drop_table("stats_snapshot")
