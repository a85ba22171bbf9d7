"""Close resolved tickets their reporters never confirmed, after N working days.

A sweep over rows (`bot.reporter_actions.close_unconfirmed`): a run missed while the bot was
down closes what became due then, once; the reporter's notice has a dedupe key.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

from bot import reporter_actions
from bot.desk import Desk
from handlers import notify
from handlers.card_sync import REFRESHER_KEY
from handlers.common import DESK_KEY
from handlers.renderers import jobs as texts
from schedules.common import wake_sender

logger = logging.getLogger(__name__)


def close_due(desk: Desk) -> list[int]:
    """Close what is due and tell the reporters; return the closed tickets' ids."""
    days = desk.settings.tickets.auto_close_working_days
    window = desk.settings.tickets.reopen_window_working_days
    with desk.sessions.begin() as session:
        closed = reporter_actions.close_unconfirmed(session, desk.clock.now(), desk.calendar,
                                                    days)
        for ticket in closed:
            notify.to_person(session, desk, ticket.reporter.telegram_id,
                             texts.AUTO_CLOSED.format(number=ticket.number, days=days,
                                                      window=window),
                             ticket_id=ticket.id, kind="status",
                             dedupe_key=f"autoclose:{ticket.id}:{ticket.resolved_at.isoformat()}")
        return [ticket.id for ticket in closed]


async def run(application: Application) -> int:
    """The scheduled job: close in a worker thread, then refresh the cards and send."""
    desk: Desk = application.bot_data[DESK_KEY]
    logger.info("auto-close: start")
    closed = await asyncio.to_thread(close_due, desk)
    refresher = application.bot_data.get(REFRESHER_KEY)
    for ticket_id in closed:
        if refresher is not None:
            refresher.request(ticket_id)
    if closed:
        wake_sender(application)
    logger.info("auto-close: end, %d ticket(s) closed", len(closed))
    return len(closed)
