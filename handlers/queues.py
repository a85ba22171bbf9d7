"""/queue, /mine and /team: the technicians' and leads' lists of open tickets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import queues
from bot.desk import Desk
from bot.lifecycle import version
from bot.models import Team
from handlers.callbacks import markup
from handlers.common import desk_of, person_of, reply
from handlers.renderers import queues as texts
from handlers.renderers.common import escape
from handlers.renderers.welcome import NOT_REGISTERED

WORKERS = ("technician", "lead", "supervisor", "admin")


def _teams(session: Session, codes: tuple[str, ...] | None) -> list[Team]:
    """Active teams with these codes (all of them for None), in config order."""
    query = select(Team).where(Team.active).order_by(Team.id)
    if codes is not None:
        query = query.where(Team.code.in_(codes))
    return list(session.scalars(query))


async def show_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unclaimed tickets of my teams, most urgent first, with claim buttons."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    if not person.has_role(*WORKERS):
        await reply(update, texts.NOT_TECHNICIAN)
        return
    desk = desk_of(context)
    everything = person.has_role("supervisor", "admin") and not person.team_codes
    with desk.sessions.begin() as session:
        teams = _teams(session, None if everything else person.team_codes)
        items = queues.unclaimed(session, desk.sla, [t.code for t in teams], desk.clock.now())
        names = [t.name for t in teams]
        versions = {t.id: version(session, t.id) for t in items[:texts.CLAIM_BUTTONS]}
    if not teams:
        await reply(update, texts.NO_TEAMS)
        return
    rows = texts.queue_rows(items, versions)
    await reply(update, texts.queue_text(items, names, desk.timezone),
                reply_markup=markup(rows) if rows else None)


async def show_mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """My open tickets, most urgent first."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    if not person.has_role(*WORKERS):
        await reply(update, texts.NOT_TECHNICIAN)
        return
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        items = queues.assigned_to(session, desk.sla, person.id, desk.clock.now())
    await reply(update, texts.mine_text(items, desk.timezone))


async def show_team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A lead's teams' open tickets by assignee (/team CODE for one team)."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    overseer = person.has_role("supervisor", "admin")
    if not person.lead_of and not overseer:
        await reply(update, texts.NOT_LEAD)
        return
    desk = desk_of(context)
    wanted = context.args[0].lower()[:32] if context.args else None
    with desk.sessions.begin() as session:
        allowed = _teams(session, None if overseer else person.lead_of)
        codes = [t.code for t in allowed]
        if wanted is not None and wanted not in codes:
            text = texts.UNKNOWN_TEAM.format(code=escape(wanted), codes="、".join(codes)) \
                if overseer or not _teams(session, (wanted,)) else texts.NOT_LEAD
            pages = [text]
        else:
            pages = [_board(session, desk, [t for t in allowed if wanted in (None, t.code)])]
    for page in pages:
        await reply(update, page)


def _board(session: Session, desk: Desk, teams: list[Team]) -> str:
    """One team's board by assignee; several teams in one overview (issue 17)."""
    if not teams:
        return texts.NO_TEAMS
    now = desk.clock.now()
    if len(teams) == 1:
        return texts.team_text(teams[0].name, queues.team_open(session, desk.sla, teams[0], now),
                               desk.timezone)
    return texts.overview_text([(t.name, t.code, queues.team_open(session, desk.sla, t, now))
                                for t in teams], desk.timezone)


def register(application: Application) -> None:
    """Add /queue, /mine and /team."""
    application.add_handler(CommandHandler("queue", show_queue))
    application.add_handler(CommandHandler("mine", show_mine))
    application.add_handler(CommandHandler("team", show_team))
