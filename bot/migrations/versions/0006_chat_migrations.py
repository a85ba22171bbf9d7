"""chat migrations: a team's group upgraded to a supergroup keeps receiving its cards

Revision ID: 0006_chat_migrations
Revises: 0005_sla
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_chat_migrations"
down_revision = "0005_sla"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_migrations",
        sa.Column("old_chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("new_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("migrated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("old_chat_id", name=op.f("pk_chat_migrations")),
    )


def downgrade() -> None:
    op.drop_table("chat_migrations")
