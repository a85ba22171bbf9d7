"""What every handler needs: the desk, the person behind an update, role checks."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.desk import Desk
from bot.lifecycle import Origin
from bot.people import PersonView, view_by_telegram_id
from handlers import delivery
from handlers.renderers.limits import fit_html

DESK_KEY = "desk"


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> Desk:
    """The desk the composition root put into bot_data."""
    return context.application.bot_data[DESK_KEY]


_PERSON_KEY = "_govdesk_person"


def person_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> PersonView | None:
    """The registered, active person behind this update, if any."""
    user = update.effective_user
    if user is None:
        return None
    memo = vars(context)  # PTB makes one context per update, shared by its handlers
    known = memo.get(_PERSON_KEY)
    if known is not None and known.telegram_id == user.id:
        return known
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        person = view_by_telegram_id(session, user.id)
    if person is not None:  # a registration later in this update must still be seen
        memo[_PERSON_KEY] = person
    return person


def origin_in_chat(person_id: int, chat_id: int) -> Origin:
    """Where a person's action came from: a group chat (negative id) or a private one."""
    return Origin(person_id, chat_id, "group" if chat_id < 0 else "private")


def origin_of(update: Update, person: PersonView) -> Origin:
    """The origin of this update's action by `person`."""
    return origin_in_chat(person.id, update.effective_chat.id)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Reply in the update's chat with HTML text (through the outbox if Telegram cannot be
    reached: handlers.delivery)."""
    message = update.effective_message
    if message is not None:
        await delivery.reply_to(message, fit_html(text), **kwargs)

