"""duty roster (placeholder: filled in by the routing/duty work)

Revision ID: 0004_duty
Revises: 0003_tickets
"""

from __future__ import annotations

revision = "0004_duty"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
