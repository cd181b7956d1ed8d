"""shared_result: the narrow read model of ARRICOD's statistics, backfilled

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per completed, shared diagnostic, from its current result (the newest one should
# several be marked current). Recommendation ids are sorted and joined with ",".
BACKFILL = """
INSERT INTO shared_result (
    diagnostic_id, result_id, questionnaire_version, month, collectivity_type, population,
    region, dominant, score_business_internationalisation, score_economic_cooperation,
    score_multisector_cooperation, logic_business_support, logic_sustainable_development,
    logic_territorial_promotion, partner_income_group, recommendations
)
SELECT
    d.id, r.id, r.questionnaire_version, r.month, coalesce(d.collectivity_type, ''),
    coalesce(d.population, ''), coalesce(d.region, ''), r.dominant,
    r.score_business_internationalisation, r.score_economic_cooperation,
    r.score_multisector_cooperation, r.logic_business_support, r.logic_sustainable_development,
    r.logic_territorial_promotion, r.partner_income_group, coalesce(({recommendations}), '')
FROM diagnostic AS d
JOIN result AS r ON r.diagnostic_id = d.id
WHERE d.share_anonymised AND d.status = 'completed' AND r.is_current
    AND r.id = (
        SELECT max(c.id) FROM result AS c WHERE c.diagnostic_id = d.id AND c.is_current
    )
"""
RECOMMENDATIONS = {
    "postgresql": (
        "SELECT string_agg(rr.recommendation_id, ',' ORDER BY rr.recommendation_id) "
        "FROM result_recommendation AS rr WHERE rr.result_id = r.id"
    ),
    # SQLite before 3.44 has no ORDER BY inside group_concat: it concatenates in the order of
    # the subquery, itself read from the (result_id, recommendation_id) primary key.
    "sqlite": (
        "SELECT group_concat(o.recommendation_id, ',') FROM (SELECT rr.recommendation_id "
        "FROM result_recommendation AS rr WHERE rr.result_id = r.id "
        "ORDER BY rr.recommendation_id) AS o"
    ),
}


def upgrade() -> None:
    op.create_table(
        "shared_result",
        sa.Column("diagnostic_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("collectivity_type", sa.String(length=32), nullable=False),
        sa.Column("population", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("dominant", sa.String(length=40), nullable=False),
        sa.Column("score_business_internationalisation", sa.Float(), nullable=False),
        sa.Column("score_economic_cooperation", sa.Float(), nullable=False),
        sa.Column("score_multisector_cooperation", sa.Float(), nullable=False),
        sa.Column("logic_business_support", sa.Float(), nullable=False),
        sa.Column("logic_sustainable_development", sa.Float(), nullable=False),
        sa.Column("logic_territorial_promotion", sa.Float(), nullable=False),
        sa.Column("partner_income_group", sa.String(length=16), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostic.id"],
            name=op.f("fk_shared_result_diagnostic_id_diagnostic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["result.id"],
            name=op.f("fk_shared_result_result_id_result"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("diagnostic_id", name=op.f("pk_shared_result")),
        sa.UniqueConstraint("result_id", name=op.f("uq_shared_result_result_id")),
    )
    scores = [
        "score_business_internationalisation",
        "score_economic_cooperation",
        "score_multisector_cooperation",
        "logic_business_support",
        "logic_sustainable_development",
        "logic_territorial_promotion",
    ]
    with op.batch_alter_table("shared_result", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shared_result_cube",
            [
                "collectivity_type",
                "partner_income_group",
                "month",
                "questionnaire_version",
                "dominant",
                *scores,
            ],
            unique=False,
        )
        batch_op.create_index("ix_shared_result_region", ["region"], unique=False)
        batch_op.create_index("ix_shared_result_month", ["month"], unique=False)
        for score in scores[:3]:
            batch_op.create_index(
                f"ix_shared_result_{score}",
                [score, "collectivity_type", "population", "region", "month"],
                unique=False,
            )
        batch_op.create_index(
            "ix_shared_result_recommendations",
            ["recommendations", "collectivity_type", "region", "month"],
            unique=False,
        )

    dialect = op.get_context().dialect.name
    recommendations = RECOMMENDATIONS.get(dialect, RECOMMENDATIONS["postgresql"])
    op.execute(BACKFILL.format(recommendations=recommendations))


def downgrade() -> None:
    op.drop_table("shared_result")  # its indexes go with it
