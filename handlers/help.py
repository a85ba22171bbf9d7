"""/help: the commands of the person's own roles."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from handlers.common import desk_of, person_of, reply
from handlers.renderers.welcome import NOT_REGISTERED, help_text


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands this person may use."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    await reply(update, help_text(desk_of(context).settings.desk.name, person.roles))


def register(application: Application) -> None:
    """Add /help."""
    application.add_handler(CommandHandler("help", show_help))
