"""admin.session_version: logging out or changing the password ends every copy of a session

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the session version of each administrator (0 for existing ones)."""
    with op.batch_alter_table("admin") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop the session version."""
    with op.batch_alter_table("admin") as batch:
        batch.drop_column("session_version")
