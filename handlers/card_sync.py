"""Keep every card of a ticket showing its current state; post a new one if editing fails."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import message_links, outbox
from bot.models import Ticket
from handlers.callbacks import as_json, markup
from handlers.common import desk_of
from handlers.renderers.cards import card_rows, card_text

logger = logging.getLogger(__name__)


async def refresh_cards(context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    """Edit the ticket's cards in place; a card that cannot be edited is posted anew."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        links = [(link.chat_id, link.message_id)
                 for link in message_links.messages_of(session, ticket_id, "card")]
        text, rows = card_text(ticket, desk.timezone), card_rows(ticket)
    failed = []
    for chat_id, message_id in links:
        try:
            await context.bot.edit_message_text(text, chat_id, message_id,
                                                parse_mode=ParseMode.HTML,
                                                reply_markup=markup(rows))
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                failed.append(chat_id)
        except (Forbidden, TelegramError):
            logger.warning("card %s/%s of ticket %s not edited", chat_id, message_id, ticket_id,
                           exc_info=True)
            failed.append(chat_id)
    if failed:
        _repost(context, ticket_id, text, rows, failed)


def _repost(context: ContextTypes.DEFAULT_TYPE, ticket_id: int, text: str, rows,
            failed: list[int]) -> None:
    """Post a fresh card where the old one could not be edited (deleted, too old …)."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        for chat_id in set(failed):
            outbox.enqueue(session, desk.clock.now(), chat_id, text, keyboard=as_json(rows),
                           kind="card", ticket_id=ticket_id)
    sender = context.application.bot_data.get("outbox_sender")
    if sender is not None:
        sender.wake()
