"""The SLA sweep job: fire the reminders and escalations that have come due, store the messages.

Runs every `[sla] sweep_seconds` (30 s). The database work runs in a worker thread, in short
transactions of at most CHUNK tickets; the outbox sender delivers afterwards.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session
from telegram.ext import Application

from bot import outbox, sla_alerts
from bot.desk import Desk
from handlers.callbacks import as_json
from handlers.card_sync import refresh_alerted
from handlers.common import DESK_KEY
from handlers.renderers import escalation as texts
from schedules.common import chunks, wake_sender

logger = logging.getLogger(__name__)

CHUNK = 200
ROUND_LIMIT = 1000
MAX_ROUNDS = 50


def sweep(desk: Desk) -> int:
    """One sweep over the tickets whose next SLA check has come; return the alerts sent."""
    now = desk.clock.now()
    roster = getattr(desk, "roster", None)
    seen: set[int] = set()
    sent = 0
    for _ in range(MAX_ROUNDS):
        with desk.sessions.begin() as session:
            ids = [i for i in sla_alerts.due_ticket_ids(session, desk.sla, now, ROUND_LIMIT)
                   if i not in seen]
        if not ids:
            break
        seen.update(ids)
        for chunk in chunks(ids, CHUNK):
            with desk.sessions.begin() as session:
                for fired in sla_alerts.fire_due(session, desk.sla, roster, chunk, now):
                    deliver(session, desk, fired)
                    sent += 1
    return sent


def deliver(session: Session, desk: Desk, fired: sla_alerts.Fired) -> None:
    """Store the alert's message for each recipient (the alert row made it unique)."""
    text, rows = texts.alert_message(fired, desk.timezone)
    keyboard = as_json(rows)
    for recipient in fired.recipients:
        outbox.add_claimed(
            session, desk.clock.now(), recipient.chat_id, text, keyboard=keyboard,
            kind="sla_alert", ticket_id=fired.ticket_id,
            dedupe_key=f"sla:{fired.ticket_id}:{fired.clock}:{fired.percent}:"
                       f"{recipient.chat_id}",
            meta={"clock": fired.clock, "percent": fired.percent, "level": fired.level,
                  "recipient": recipient.name})


async def run(application: Application) -> int:
    """The scheduled job: sweep in a worker thread, then wake the outbox sender."""
    desk: Desk = application.bot_data[DESK_KEY]
    logger.info("sla sweep: start")
    started = desk.clock.now()
    sent = await asyncio.to_thread(sweep, desk)
    if sent:
        wake_sender(application)
        await refresh_alerted(application, started)  # the cards show 即将超时 / 已超时 / 已升级
    logger.info("sla sweep: end, %d alert(s)", sent)
    return sent
