"""Tickets (工单), their attachments, their append-only event log and number counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UtcDateTime
from bot.models.people import Category, Person, Team


class Ticket(Base):
    """One reported fault or request, from submission to closure."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_team", "status", "team_id"),
        Index("ix_tickets_reporter_created", "reporter_id", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reporter_unit: Mapped[str] = mapped_column(String(128), default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    description: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="new")
    pending_reason: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(Text)
    effort_minutes: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # The SLA clocks as of the last event (bot.sla replays the event log to the same values).
    # *_used_minutes: time used before *_since, the start of the running segment (None when
    # the clock is paused or stopped); *_alerted_percent: the highest threshold alerted;
    # *_stopped_at: when the clock stopped for good (response given, ticket resolved).
    response_used_minutes: Mapped[float | None] = mapped_column(Float)
    response_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    response_alerted_percent: Mapped[int] = mapped_column(SmallInteger, default=0)
    response_stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_used_minutes: Mapped[float | None] = mapped_column(Float)
    resolution_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_alerted_percent: Mapped[int] = mapped_column(SmallInteger, default=0)
    resolution_stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_paused_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    next_sla_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    reporter: Mapped[Person] = relationship(foreign_keys=[reporter_id], lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin",
        order_by="TicketAttachment.id",
    )


class TicketAttachment(Base):
    """A photo or document attached to a ticket (a Telegram file id)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    file_name: Mapped[str] = mapped_column(String(256), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class TicketEvent(Base):
    """One entry of a ticket's append-only history: who did what, from where, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship(lazy="joined")


class TicketCounter(Base):
    """The last ticket number used in a period (YYMM), for short sortable numbers."""

    __tablename__ = "ticket_counters"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class MessageLink(Base):
    """A bot message that belongs to a ticket, so a reply to it reaches the ticket."""

    __tablename__ = "message_links"
    __table_args__ = (Index("ix_message_links_chat_message", "chat_id", "message_id",
                            unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16), default="message")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
