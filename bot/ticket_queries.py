"""Reading a ticket's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import TicketEvent


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    """The ticket's history, oldest first."""
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.at, TicketEvent.id)))
