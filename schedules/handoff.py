"""Duty hand-off (交接班) messages: when a team's duty turn changes, tell its group and the
person now on duty who is on, what is open and what is at risk.

A sweep every minute: for each team with a rotation, the current turn's start is the period
key (`job_runs`), so each hand-off is announced once — also when the bot was down at that
moment (caught up when it comes back, if the turn began less than CATCH_UP ago).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select
from telegram.ext import Application

from bot import job_runs, outbox
from bot.desk import Desk
from bot.handoff import handoff_message_data
from bot.models import Team
from handlers.common import DESK_KEY
from handlers.renderers.duty import handoff_text
from schedules.common import wake_sender

logger = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=12)


def announce_due(desk: Desk) -> int:
    """Announce every turn that began and was not announced yet; return how many."""
    now, roster = desk.clock.now(), desk.roster
    announced = 0
    with desk.sessions.begin() as session:
        teams = list(session.scalars(select(Team).where(Team.active).order_by(Team.id)))
        for team in teams:
            if not roster.has_rotation(team.code):
                continue
            turn = roster.turn_at(session, team, now)
            if turn.starts_at is None or now - turn.starts_at > CATCH_UP:
                continue
            period = f"{team.code}:{turn.starts_at.isoformat()}"
            if not job_runs.claim(session, "handoff", period, now):
                continue
            data = handoff_message_data(session, roster, desk.sla, team, now)
            text = handoff_text(data, desk.timezone)
            chats = [data.group_chat_id] if data.group_chat_id is not None else []
            if data.on_duty is not None and data.on_duty.telegram_id is not None:
                chats.append(data.on_duty.telegram_id)
            for chat_id in dict.fromkeys(chats):
                outbox.enqueue(session, now, chat_id, text, kind="handoff",
                               dedupe_key=f"handoff:{period}:{chat_id}")
            announced += 1
    return announced


async def run(application: Application) -> int:
    """The scheduled job."""
    desk: Desk = application.bot_data[DESK_KEY]
    logger.info("hand-off: start")
    count = await asyncio.to_thread(announce_due, desk)
    if count:
        wake_sender(application)
    logger.info("hand-off: end, %d team(s) handed over", count)
    return count
