"""「查看附件」: send a ticket's photos and documents to the presser's private chat.

The press is checked like /ticket (bot.tickets.may_view: the technicians and leads of the
ticket's team, its assignee, its reporter, supervisors); each stored Telegram file id goes out
again with sendPhoto or sendDocument, so a photo arrives as a photo and a file as a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import tickets
from bot.models import Ticket
from handlers.callbacks import parse
from handlers.common import desk_of, person_of
from handlers.refusals import Refusal, refusals
from handlers.renderers import attachments as texts

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


def register(application: Application) -> None:
    """Add the 「查看附件」 button."""
    application.add_handler(CallbackQueryHandler(on_view, pattern=rf"^{texts.PREFIX}:"))
