"""duty roster: overrides (临时顶班) of a team's rotation

Revision ID: 0004_duty
Revises: 0003_tickets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_duty"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"],
                                name=op.f("fk_duty_overrides_created_by_id_people"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_duty_overrides_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_duty_overrides_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_overrides")),
    )
    op.create_index("ix_duty_overrides_team_period", "duty_overrides",
                    ["team_id", "starts_at", "ends_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_duty_overrides_team_period", table_name="duty_overrides")
    op.drop_table("duty_overrides")
