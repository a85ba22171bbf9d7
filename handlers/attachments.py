"""「查看附件」: send a ticket's photos and documents to the presser's private chat.

The press is checked like /ticket (bot.tickets.may_view: the technicians and leads of the
ticket's team, its assignee, its reporter, supervisors); each stored Telegram file id goes out
again with sendPhoto or sendDocument, so a photo arrives as a photo and a file as a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import outbox, reporter_actions, tickets
from bot.desk import Desk
from bot.lifecycle import Origin
from bot.models import Ticket
from bot.people import PersonView
from bot.routing import new_ticket_recipients
from handlers import notify
from handlers import relay as relay_handlers
from handlers.callbacks import as_json, parse
from handlers.card_sync import request_refresh
from handlers.common import desk_of, person_of, reply
from handlers.media import attachment_of
from handlers.refusals import Refusal, refusals
from handlers.renderers import attachments as texts
from handlers.renderers.common import escape
from handlers.renderers.welcome import NOT_REGISTERED

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _File:
    kind: str
    file_id: str
    caption: str


@refusals
async def on_view(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send every attachment of the ticket to whoever pressed, if they may view it."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    ticket_id = callback.number(0) if callback and callback.action == "show" else None
    person = person_of(update, context)
    if ticket_id is None or len(callback.args) != 1:
        raise Refusal(texts.STALE)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise Refusal(texts.STALE)
        if person is None or not tickets.may_view(person, ticket):
            raise Refusal(texts.NO_RIGHT)
        count = len(ticket.attachments)
        files = [_File(a.kind, a.file_id, texts.caption(ticket.number, a, i, count))
                 for i, a in enumerate(ticket.attachments, 1)]
    if not files:
        raise Refusal(texts.NONE)
    await _send_all(context, query.from_user.id, files)
    await query.answer(texts.SENT.format(count=len(files)))


async def _send_all(context: ContextTypes.DEFAULT_TYPE, chat_id: int, files: list[_File]
                    ) -> None:
    """Send the files in order; a refusal by Telegram becomes a clear answer to the press."""
    bot = context.bot
    try:
        for file in files:
            if file.kind == "photo":
                await bot.send_photo(chat_id, file.file_id, caption=file.caption,
                                     parse_mode="HTML")
            else:
                await bot.send_document(chat_id, file.file_id, caption=file.caption,
                                        parse_mode="HTML")
    except Forbidden:
        raise Refusal(texts.START_FIRST) from None
    except TelegramError as error:
        logger.warning("attachments not sent to chat %s: %s", chat_id, error)
        raise Refusal(texts.SEND_FAILED) from None


async def on_file_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or document replying (in private) to a ticket's message: add it to the ticket."""
    ticket_id = await relay_handlers.linked_ticket(update, context)
    if ticket_id is None:
        return  # not about a ticket: the conversation router deals with it
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
    else:
        await add_to_ticket(update, context, person, ticket_id)
    raise ApplicationHandlerStop


@refusals
async def add_to_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                        ticket_id: int) -> None:
    """Record the file on the reporter's ticket and tell the assignee (or the team)."""
    desk = desk_of(context)
    file = attachment_of(update.effective_message)
    origin = Origin(person.id, update.effective_chat.id, "private")
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.reporter_id != person.id:
            raise Refusal(texts.ONLY_REPORTER, alert=False)
        try:
            reporter_actions.attach(session, ticket, person, file, origin, desk.clock.now(),
                                    desk.settings.tickets.max_attachments)
        except tickets.TicketError as error:
            raise Refusal(escape(error), alert=False, html=True) from None
        caption = (update.effective_message.caption or "").strip()
        if caption:  # the words sent with the file are the reporter's comment
            reporter_actions.comment(session, ticket, person, caption, origin, desk.clock.now())
        count = len(ticket.attachments)
        note = texts.added(ticket.number, person.name, file.kind, file.file_name, count,
                           caption)
        for chat_id in _staff_chats(session, desk, ticket):
            outbox.enqueue(session, desk.clock.now(), chat_id, note, kind="attachment",
                           ticket_id=ticket.id, keyboard=as_json([texts.view_row(ticket.id,
                                                                                 count)]),
                           photo_file_id=file.file_id if file.kind == "photo" else None)
        done = (texts.ADDED if ticket.assignee else texts.ADDED_UNCLAIMED).format(
            number=ticket.number, count=count)
        request_refresh(context, ticket_id)
    notify.wake(context)
    await reply(update, done)


def _staff_chats(session: Session, desk: Desk, ticket: Ticket) -> list[int]:
    """The assignee; while unclaimed, the team's group and the on-duty technician."""
    if ticket.assignee is not None:
        return [ticket.assignee.telegram_id] if ticket.assignee.telegram_id else []
    recipients = new_ticket_recipients(session, ticket, desk.roster, desk.clock.now())
    group = [recipients.group_chat_id] if recipients.group_chat_id is not None else []
    return group + list(recipients.private_chat_ids)


def register(application: Application) -> None:
    """Add the 「查看附件」 button and files sent as replies to a ticket's messages."""
    application.add_handler(CallbackQueryHandler(on_view, pattern=rf"^{texts.PREFIX}:"))
    files = filters.ChatType.PRIVATE & filters.REPLY & (filters.PHOTO | filters.Document.ALL)
    application.add_handler(MessageHandler(files, on_file_reply))
