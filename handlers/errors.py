"""The last resort: log the error with its traceback and tell the user to try again."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from handlers.common import reply
from handlers.renderers.common import BUSY, STALE_BUTTON, UNKNOWN_COMMAND, escape

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback, then tell the person the desk is busy."""
    logger.error("handler failed for update %s", getattr(update, "update_id", "?"),
                 exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(BUSY, show_alert=True)
        elif update.effective_message is not None:
            await reply(update, BUSY)
    except TelegramError:
        logger.warning("could not tell the user about the failure", exc_info=True)


def _known_commands(application: Application) -> frozenset[str]:
    return frozenset(
        command
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command nobody handles."""
    command = (update.effective_message.text or "/").split()[0].split("@")[0]
    if command[1:].lower() in _known_commands(context.application):
        return
    await reply(update, UNKNOWN_COMMAND.format(command=escape(command[:40])))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press no handler claims (an unknown prefix, an old version's button): stop the
    spinner with a clear answer instead of leaving it turning."""
    await update.callback_query.answer(STALE_BUTTON, show_alert=True)


def register(application: Application) -> None:
    """Add the error handler, the answer to unknown buttons (registered last in group 0,
    so only presses no other handler matched reach it) and to unknown commands."""
    application.add_error_handler(on_error)
    application.add_handler(CallbackQueryHandler(stale_button))
    private_commands = filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private_commands, unknown_command), group=2)
