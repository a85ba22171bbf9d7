"""Knowledge base: similar questions (相似问法) of articles.

Revision ID: 0008_article_questions
Revises: 0007_outbox_claims

Hand-written to match `knowledge.models.ArticleQuestion`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_article_questions"
down_revision = "0007_outbox_claims"
branch_labels = None
depends_on = None

TABLE = "kb_article_questions"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey(
                "kb_articles.id", name=f"fk_{TABLE}_article_id_kb_articles", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("normalized", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'rejected')", name=f"ck_{TABLE}_status"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
        sa.UniqueConstraint("article_id", "normalized", name="uq_kb_article_questions"),
    )
    op.create_index("ix_kb_article_questions_status", TABLE, ["status"])


def downgrade() -> None:
    op.drop_index("ix_kb_article_questions_status", table_name=TABLE)
    op.drop_table(TABLE)
