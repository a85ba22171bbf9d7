"""Put messages about tickets into the outbox (they are delivered by the outbox sender)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from telegram.ext import ContextTypes

from bot import outbox
from bot.desk import Desk
from bot.models import Ticket
from bot.routing import new_ticket_recipients
from handlers.callbacks import as_json
from handlers.renderers.cards import card_rows, card_text

SENDER_KEY = "outbox_sender"


def new_ticket(session: Session, desk: Desk, ticket: Ticket, note: str | None = None) -> None:
    """The ticket's card to its team's group, or to its people in private.

    A first card is enqueued once per chat (dedupe key); a card after a move to another
    team (`note` says where it came from) is always posted.
    """
    now = desk.clock.now()
    text, rows = card_text(ticket, desk.timezone), as_json(card_rows(ticket))
    if note:
        text = f"{note}\n\n{text}"
    recipients = new_ticket_recipients(session, ticket)
    chats = ([recipients.group_chat_id] if recipients.group_chat_id is not None else [])
    for chat_id in chats + list(recipients.private_chat_ids):
        key = None if note else f"card:{ticket.id}:{chat_id}:new"
        outbox.enqueue(session, now, chat_id, text, keyboard=rows, kind="card",
                       ticket_id=ticket.id, dedupe_key=key)


def to_person(session: Session, desk: Desk, telegram_id: int | None, text: str, *,
              ticket: Ticket | None = None, kind: str = "message",
              rows: list[list[tuple[str, str]]] | None = None,
              dedupe_key: str | None = None) -> None:
    """A message to one person, stored before it is sent."""
    if telegram_id is None:
        return
    outbox.enqueue(session, desk.clock.now(), telegram_id, text,
                   keyboard=as_json(rows) if rows else None, kind=kind,
                   ticket_id=ticket.id if ticket else None, dedupe_key=dedupe_key)


def wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the outbox sender there is something to send now."""
    sender = context.application.bot_data.get(SENDER_KEY)
    if sender is not None:
        sender.wake()
