"""Edited messages: never handled as new ones (see docs/DECISIONS.md, "Edited messages").

Telegram sends an edit as an `edited_message` update, and PTB's message and command
handlers would match it like a new message: an edited /note would record a second comment,
an edited reply would reach the other side twice, an edited question would be answered
again. Every edit stops here, before any other handler. The sender is told (with a hint
to send the correction anew) where the original was acted upon: anything in a private
chat, and in a group a command or a reply to the bot. Other group chatter and channel
posts are ignored silently.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, MessageHandler, filters

from handlers.common import is_private, reply
from handlers.renderers.common import EDIT_IGNORED

logger = logging.getLogger(__name__)

EDITS_GROUP = -1  # before every other handler


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave the edit unprocessed; hint where the original message did something."""
    message = update.edited_message
    if message is not None and _was_acted_upon(update, message, context.bot.id):
        logger.info("edit of message %s in chat %s ignored", message.message_id,
                    message.chat_id)
        await reply(update, EDIT_IGNORED)
    raise ApplicationHandlerStop


def _was_acted_upon(update: Update, message: Message, bot_id: int) -> bool:
    if is_private(update):
        return True
    text = message.text or message.caption or ""
    parent = message.reply_to_message
    return text.startswith("/") or (parent is not None and parent.from_user is not None
                                    and parent.from_user.id == bot_id)


def register(application: Application) -> None:
    """Catch every edited message or post before the handlers of new messages see it."""
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, on_edit), group=EDITS_GROUP)
