"""Which ticket a bot message is about, so replies and buttons on it find their ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import MessageLink, Ticket


def _link_once(dialect: Any) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING of one link, in the dialect's own words."""
    return dialect.insert(MessageLink.__table__).on_conflict_do_nothing(
        index_elements=["chat_id", "message_id"])


_LINK = {"sqlite": _link_once(sqlite), "postgresql": _link_once(postgresql)}  # built once


def link(session: Session, chat_id: int, message_id: int, ticket_id: int, now: datetime,
         kind: str = "message") -> None:
    """Remember that this message in this chat is about this ticket (once: a message sent
    again after a retry keeps its first link). One statement, no savepoint."""
    session.execute(_LINK[session.get_bind().dialect.name],
                    {"chat_id": chat_id, "message_id": message_id, "ticket_id": ticket_id,
                     "kind": kind, "created_at": now})


def ticket_for(session: Session, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket a message in a chat is about, if any."""
    ticket_id = session.scalar(select(MessageLink.ticket_id).where(
        MessageLink.chat_id == chat_id, MessageLink.message_id == message_id))
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def messages_of(session: Session, ticket_id: int, kind: str) -> list[MessageLink]:
    """The ticket's messages of one kind (e.g. its cards in group chats)."""
    return list(session.scalars(select(MessageLink).where(
        MessageLink.ticket_id == ticket_id, MessageLink.kind == kind).order_by(MessageLink.id)))


def relabel(session: Session, chat_id: int, message_id: int, kind: str) -> None:
    """Change what a linked message is (e.g. a card that can no longer be edited)."""
    session.execute(update(MessageLink).where(
        MessageLink.chat_id == chat_id, MessageLink.message_id == message_id).values(kind=kind))
