"""SLA alerts: one row per ticket, clock and threshold — the guard that makes them exactly-once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UtcDateTime


class SlaAlert(Base):
    """A threshold of a ticket's SLA clock that was reached and dealt with (sent or superseded).

    The UNIQUE (ticket_id, clock, percent) constraint decides, among concurrent sweeps, which
    one sends: the one whose INSERT succeeded.
    """

    __tablename__ = "sla_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "percent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    clock: Mapped[str] = mapped_column(String(12))  # "response" or "resolution"
    percent: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[str] = mapped_column(String(12))  # "reminder", "lead", "supervisor"
    priority: Mapped[str] = mapped_column(String(2))
    reached_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the threshold was reached
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the sweep dealt with it
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)  # a higher one was sent
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
