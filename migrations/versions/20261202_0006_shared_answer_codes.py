"""shared_result.answer_codes: the summary rows each shared diagnostic's answers count in

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, then fill it for the rows already shared, from their diagnostic's answers
    and the engine's summaries of the questionnaire version they were answered on.
    """
    with op.batch_alter_table("shared_result") as batch:
        batch.add_column(sa.Column("answer_codes", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.diagnostic_id, d.questionnaire_version, d.answers FROM shared_result s "
            "JOIN diagnostic d ON d.id = s.diagnostic_id"
        )
    ).all()
    if not rows:
        return  # nothing shared yet: the questionnaire files are not even read
    from app import questionnaire as qn
    from app.services import answer_codes

    questionnaires = qn.load_all()
    for diagnostic_id, version, answers in rows:
        questionnaire = questionnaires.get(str(version))
        if questionnaire is None:
            continue
        found = json.loads(answers) if isinstance(answers, str) else answers
        conn.execute(
            sa.text("UPDATE shared_result SET answer_codes = :codes WHERE diagnostic_id = :id"),
            {"codes": answer_codes(questionnaire, found or {}), "id": diagnostic_id},
        )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("shared_result") as batch:
        batch.drop_column("answer_codes")
