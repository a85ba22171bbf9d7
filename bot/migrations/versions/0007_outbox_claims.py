"""outbox claims: a sender claims a message before sending it, for a limited time

Revision ID: 0007_outbox_claims
Revises: 0006_chat_migrations

Two nullable columns on `notifications`; existing messages start unclaimed, so pending ones
are sent as before. Nothing is rewritten or dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_claims"
down_revision = "0006_chat_migrations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
