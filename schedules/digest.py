"""The supervisors' morning digest, on working days at DIGEST_AT (09:00, desk time).

A sweep every few minutes: on a working day from DIGEST_AT on, the day's digest is claimed in
`job_runs` and sent to every supervisor once — also when the bot was down at 09:00 (it goes
out when the bot is back that day); a day the bot was down throughout is not sent late.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import time

from telegram.ext import Application

from bot import digest, job_runs, outbox
from bot.desk import Desk
from bot.sla_recipients import supervisors
from handlers.common import DESK_KEY
from handlers.renderers import jobs as texts
from schedules.common import wake_sender

logger = logging.getLogger(__name__)

DIGEST_AT = time(9, 0)


def send_if_due(desk: Desk) -> int:
    """Send today's digest if it is time and it was not sent; return how many got it."""
    now = desk.clock.now()
    local = now.astimezone(desk.timezone)
    if local.time() < DIGEST_AT or not desk.calendar.is_working_day(local.date()):
        return 0
    with desk.sessions.begin() as session:
        people = [p for p in supervisors(session) if p.telegram_id is not None]
        if not job_runs.claim(session, "digest", local.date().isoformat(), now,
                              result=f"{len(people)} supervisor(s)"):
            return 0
        text = texts.digest_text(digest.morning_digest(session, desk.sla, now, desk.timezone),
                                 desk.timezone)
        for person in people:
            outbox.enqueue(session, now, person.telegram_id, text, kind="digest",
                           dedupe_key=f"digest:{local.date().isoformat()}:{person.telegram_id}")
        return len(people)


async def run(application: Application) -> int:
    """The scheduled job."""
    desk: Desk = application.bot_data[DESK_KEY]
    logger.info("morning digest: start")
    count = await asyncio.to_thread(send_if_due, desk)
    if count:
        wake_sender(application)
    logger.info("morning digest: end, sent to %d supervisor(s)", count)
    return count
