"""The composition root: config, database, knowledge base, handlers and scheduler, wired once."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.desk import Desk
from bot.telegram_http import AiohttpRequest, DeskRateLimiter
from handlers import (
    attachments,
    duty,
    edits,
    errors,
    escalation,
    flows,
    group_migration,
    help,
    knowledge_admin,
    knowledge_ask,
    knowledge_questions,
    knowledge_review,
    my_tickets,
    queues,
    relay,
    report,
    start,
    work_buttons,
)
from handlers.card_sync import REFRESHER_KEY, CardRefresher
from handlers.common import DESK_KEY
from handlers.delivery import DeskBot
from handlers.notify import SENDER_KEY
from handlers.ordering import PerChatUpdateProcessor
from handlers.renderers.welcome import commands_for
from schedules.outbox_sender import OutboxSender
from schedules.scheduler import start_scheduler, stop_scheduler

logger = logging.getLogger(__name__)

# Handler modules in registration order. Within group 0 the first match wins, so the
# command handlers come before anything that looks at plain messages; the private-message
# router sits in group 1 and the unknown-command answer in group 2 (see each register()).
# relay's reply handler is the only group-0 handler for plain text: a reply to a ticket's
# message is relayed and stops there; any other text goes on to the router in group 1.
# Edited messages never reach them: handlers.edits stops every edit in group -1.
HANDLER_MODULES = (edits, start, help, report, my_tickets, work_buttons, escalation, queues, duty,
                   relay, knowledge_ask, knowledge_admin, knowledge_review, knowledge_questions,
                   flows, group_migration, attachments,
                   errors)  # errors last: its button fallback answers the rest


def build_application(desk: Desk) -> Application:
    """Build the bot for this desk: the same wiring for `govdesk run`, the sandbox and tests."""
    builder = ApplicationBuilder().bot(_bot(desk))
    builder = builder.post_init(_post_init).post_stop(_post_stop)
    builder = builder.concurrent_updates(PerChatUpdateProcessor())
    application = builder.build()
    application.bot_data[DESK_KEY] = desk
    for module in HANDLER_MODULES:
        module.register(application)
    return application


def _bot(desk: Desk) -> DeskBot:
    """The bot: getUpdates keeps PTB's httpx transport (as ApplicationBuilder makes it), every
    other call goes through aiohttp (bot.telegram_http); direct replies that fail are handed
    to the outbox (handlers.delivery)."""
    telegram = desk.settings.telegram
    urls = {}
    if telegram.api_url:
        urls = {"base_url": telegram.api_url,
                "base_file_url": telegram.file_api_url or _file_url(telegram.api_url)}
    return DeskBot(
        telegram.token or "0:unset", request=AiohttpRequest(),
        get_updates_request=HTTPXRequest(connection_pool_size=1,
                                         read_timeout=telegram.poll_timeout + 10),
        rate_limiter=DeskRateLimiter(max_retries=1), **urls)


def _file_url(api_url: str) -> str:
    """http://host/bot -> http://host/file/bot, as the Bot API lays out its file URLs."""
    head, _, tail = api_url.rpartition("/")
    return f"{head}/file/{tail}"


async def _post_init(application: Application) -> None:
    """Start the background services and publish the command menu."""
    desk: Desk = application.bot_data[DESK_KEY]
    await desk.database.warm()
    sender = OutboxSender(desk, application.bot)
    application.bot_data[SENDER_KEY] = sender
    if isinstance(application.bot, DeskBot):
        application.bot.use_outbox(sender)
    sender.start()
    refresher = CardRefresher(application)
    application.bot_data[REFRESHER_KEY] = refresher
    refresher.start()
    start_scheduler(application)  # SLA sweep, auto-close, hand-offs, digest
    commands = [BotCommand(cmd, desc) for cmd, desc in commands_for(("reporter",))]
    try:
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    except TelegramError:
        logger.warning("could not publish the command menu", exc_info=True)


async def _post_stop(application: Application) -> None:
    """Stop the background services before the bot shuts down."""
    stop_scheduler(application)
    refresher = application.bot_data.pop(REFRESHER_KEY, None)
    if refresher is not None:
        await refresher.stop()
    sender = application.bot_data.pop(SENDER_KEY, None)
    if isinstance(application.bot, DeskBot):
        application.bot.use_outbox(None)
    if sender is not None:
        await sender.stop()
    await application.bot_data[DESK_KEY].database.aclose()
