"""Put messages about tickets into the outbox (they are delivered by the outbox sender)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from telegram.ext import ContextTypes

from bot import card_sla, outbox
from bot.desk import Desk
from bot.models import Ticket
from bot.routing import new_ticket_recipients
from bot.team_changes import Departure
from handlers.callbacks import as_json
from handlers.renderers import work as work_texts
from handlers.renderers.cards import card_rows, card_text
from handlers.renderers.common import escape
from handlers.renderers.limits import fit_html
from handlers.renderers.queues import DEPARTURE_TO_LEAD, RETURNED_CARD_NOTE

SENDER_KEY = "outbox_sender"


def card_of(desk: Desk, ticket: Ticket) -> str:
    """The ticket's card text as of now (with its SLA mark)."""
    return card_text(ticket, desk.timezone, card_sla.mark(ticket, desk.sla, desk.clock.now()))


def new_ticket(session: Session, desk: Desk, ticket: Ticket, note: str | None = None) -> None:
    """The ticket's card to its team's group and the on-duty technician (see bot.routing).

    A first card is enqueued once per chat (dedupe key); a card after a move to another
    team (`note` says where it came from) is always posted.
    """
    now = desk.clock.now()
    text, rows = card_of(desk, ticket), as_json(card_rows(ticket))
    if note:
        text = f"{note}\n\n{text}"
    recipients = new_ticket_recipients(session, ticket, desk.roster, now)
    chats = ([recipients.group_chat_id] if recipients.group_chat_id is not None else [])
    for chat_id in chats + list(recipients.private_chat_ids):
        key = None if note else f"card:{ticket.id}:{chat_id}:new"
        outbox.enqueue(session, now, chat_id, text, keyboard=rows, kind="card",
                       ticket_id=ticket.id, dedupe_key=key)


def assigned(session: Session, desk: Desk, ticket: Ticket, by_name: str) -> None:
    """A ticket handed to a person (转派/指派): they get its full card with its actions (in
    private, kept up to date like the group's); the reporter is told who handles it now."""
    assignee = ticket.assignee
    if assignee is None:
        return
    note = work_texts.TO_ASSIGNEE_NEW.format(number=ticket.number, name=escape(by_name))
    if assignee.telegram_id is not None:
        outbox.enqueue(session, desk.clock.now(), assignee.telegram_id,
                       fit_html(f"{note}\n\n{card_of(desk, ticket)}"),
                       keyboard=as_json(card_rows(ticket)), kind="card", ticket_id=ticket.id)
    to_person(session, desk, ticket.reporter.telegram_id,
              work_texts.TO_REPORTER_REASSIGNED.format(number=ticket.number,
                                                       name=escape(assignee.name)),
              ticket_id=ticket.id, kind="status")


def to_person(session: Session, desk: Desk, telegram_id: int | None, text: str, *,
              ticket_id: int | None = None, kind: str = "message",
              rows: list[list[tuple[str, str]]] | None = None,
              dedupe_key: str | None = None) -> None:
    """A message to one person, stored before it is sent (linked to the ticket, if given)."""
    if telegram_id is None:
        return
    outbox.enqueue(session, desk.clock.now(), telegram_id, fit_html(text),
                   keyboard=as_json(rows) if rows else None, kind=kind,
                   ticket_id=ticket_id, dedupe_key=dedupe_key)


def wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the outbox sender there is something to send now."""
    sender = context.application.bot_data.get(SENDER_KEY)
    if sender is not None:
        sender.wake()


async def sent_recorded(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Wait until the messages sent so far are linked to their tickets (before a reply to
    one of them is looked up)."""
    sender = context.application.bot_data.get(SENDER_KEY)
    if sender is not None:
        await sender.recorded()


def announce_departure(session: Session, desk: Desk, departure: Departure) -> None:
    """Someone left a team holding tickets: tell its leads, and post the tickets' cards anew."""
    tickets = [session.get(Ticket, ticket_id) for ticket_id in departure.returned_ticket_ids]
    numbers = "、".join(t.number for t in tickets) or "无"
    text = DEPARTURE_TO_LEAD.format(name=escape(departure.person_name),
                                    team=escape(departure.team_name), count=len(tickets),
                                    numbers=numbers)
    for telegram_id in departure.lead_telegram_ids:
        outbox.enqueue(session, desk.clock.now(), telegram_id, text, kind="departure")
    for ticket in tickets:
        new_ticket(session, desk, ticket, note=RETURNED_CARD_NOTE.format(
            number=ticket.number, name=escape(departure.person_name)))
