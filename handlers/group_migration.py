"""A group upgraded to a supergroup: record its new chat id (bot.chat_migrations).

Telegram sends a service message into both chats — `migrate_to_chat_id` in the old group,
`migrate_from_chat_id` in the new supergroup; either one records the move. (A send to the
old id answers ChatMigrated as well: the outbox and the card refresher record it then.)
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot import chat_migrations
from handlers import notify
from handlers.common import desk_of


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record that a group became a supergroup; its team's cards go to the new id."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old_chat_id, new_chat_id = message.chat.id, message.migrate_to_chat_id
    else:
        old_chat_id, new_chat_id = message.migrate_from_chat_id, message.chat.id
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        chat_migrations.record(session, old_chat_id, new_chat_id, desk.clock.now())
    notify.wake(context)


def register(application: Application) -> None:
    migrations = filters.StatusUpdate.MIGRATE & filters.ChatType.GROUPS
    application.add_handler(MessageHandler(migrations, group_migrated))
