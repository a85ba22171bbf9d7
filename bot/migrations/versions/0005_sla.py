"""SLA clocks on tickets, SLA alerts (exactly-once), job runs

Revision ID: 0005_sla
Revises: 0004_duty

Existing open tickets get `next_sla_check_at = created_at`: the first SLA sweep after the
upgrade replays their event logs and fills in the clock columns (a migration cannot run the
working calendar).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sla"
down_revision = "0004_duty"
branch_labels = None
depends_on = None

OPEN_STATUSES = ("new", "assigned", "in_progress", "pending")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_used_minutes", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("response_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("response_alerted_percent", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("response_stopped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution_used_minutes", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("resolution_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution_alerted_percent", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("resolution_stopped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_paused_minutes", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_sla_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_tickets_next_sla_check_at", ["next_sla_check_at"], unique=False)

    tickets = sa.table("tickets", sa.column("status", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("next_sla_check_at", sa.DateTime(timezone=True)))
    op.execute(tickets.update().where(tickets.c.status.in_(OPEN_STATUSES))
               .values(next_sla_check_at=tickets.c.created_at))

    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=12), nullable=False),
        sa.Column("percent", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_sla_alerts_ticket_id_tickets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint("ticket_id", "clock", "percent", name=op.f("uq_sla_alerts_ticket_id")),
    )
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_alerts_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "period", name=op.f("uq_job_runs_job")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_alerts_ticket_id"))
    op.drop_table("sla_alerts")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_next_sla_check_at")
        for column in ("next_sla_check_at", "sla_paused_minutes", "sla_paused_at",
                       "resolution_stopped_at", "resolution_alerted_percent", "resolution_since", "resolution_used_minutes",
                       "response_stopped_at", "response_alerted_percent", "response_since", "response_used_minutes"):
            batch_op.drop_column(column)
