"""plan_action, diagnostic_link, perspective: a diagnostic's plan, its predecessor, team views

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create plan_action, diagnostic_link (backwards link) and perspective (team views)."""
    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("recommendation_id", sa.String(length=40), nullable=True),
        sa.Column("recommendation_title", sa.String(length=200), nullable=True),
        sa.Column("pilot", sa.String(length=32), nullable=True),
        sa.Column("elected", sa.String(length=32), nullable=True),
        sa.Column("start_quarter", sa.String(length=7), nullable=True),
        sa.Column("end_quarter", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instruments", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostic.id"],
            name=op.f("fk_plan_action_diagnostic_id_diagnostic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action")),
    )
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_action_diagnostic_id"), ["diagnostic_id"], unique=False
        )

    op.create_table(
        "diagnostic_link",
        sa.Column("diagnostic_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("dropped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostic.id"],
            name=op.f("fk_diagnostic_link_diagnostic_id_diagnostic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["diagnostic.id"],
            name=op.f("fk_diagnostic_link_previous_id_diagnostic"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("diagnostic_id", name=op.f("pk_diagnostic_link")),
    )
    with op.batch_alter_table("diagnostic_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnostic_link_previous_id"), ["previous_id"], unique=False
        )

    op.create_table(
        "perspective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostic.id"],
            name=op.f("fk_perspective_diagnostic_id_diagnostic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perspective")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_perspective_token_hash")),
    )
    with op.batch_alter_table("perspective", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perspective_diagnostic_id"), ["diagnostic_id"], unique=False
        )


def downgrade() -> None:
    """Drop the perspective, diagnostic_link and plan_action tables."""
    with op.batch_alter_table("perspective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perspective_diagnostic_id"))
    op.drop_table("perspective")
    with op.batch_alter_table("diagnostic_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnostic_link_previous_id"))
    op.drop_table("diagnostic_link")
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_diagnostic_id"))
    op.drop_table("plan_action")
