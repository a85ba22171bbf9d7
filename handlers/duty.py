"""/duty, /duty_set and /duty_cancel: the duty roster in chat.

/duty shows who is on duty now and next for every team (staff only). A lead changes their
team's roster with an override:  /duty_set 组代码 成员 开始 结束 [原因]  — e.g.
/duty_set infra 陈工 2026-12-01 22:00 2026-12-02 09:00 替李工值夜班 — and withdraws it
with /duty_cancel 编号. The person covering is told in private.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import duty
from bot.duty_input import find_member, parse_override_request
from bot.models import Team
from handlers import notify
from handlers.callbacks import as_id
from handlers.common import desk_of, person_of, reply
from handlers.refusals import Refusal, refusals
from handlers.renderers import duty as texts
from handlers.renderers.common import escape
from handlers.renderers.report import local
from handlers.renderers.welcome import NOT_REGISTERED


async def show_duty(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Who is on duty now and next, per team."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    if not person.is_staff:
        await reply(update, texts.STAFF_ONLY)
        return
    desk = desk_of(context)
    now, roster = desk.clock.now(), desk.roster
    with desk.sessions.begin() as session:
        teams = session.scalars(select(Team).where(Team.active).order_by(Team.id)).all()
        shown = [texts.TeamDuty(team.name, roster.has_rotation(team.code),
                                team.chat_id is not None, roster.turn_at(session, team, now),
                                roster.next_turn(session, team, now),
                                duty.overrides_of(session, team, now)) for team in teams]
        text = texts.duty_text(shown, now, desk.timezone,
                               lead=bool(person.lead_of) or person.has_role("admin"))
    await reply(update, text)


@refusals
async def set_override(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A lead lets someone cover the team's duty for a while."""
    person = person_of(update, context)
    if person is None:
        raise Refusal(NOT_REGISTERED, alert=False, html=True)
    desk = desk_of(context)
    now = desk.clock.now()
    with desk.sessions.begin() as session:
        try:
            request = parse_override_request(context.args, desk.timezone, now)
            team = duty.team_by_code(session, request.team_code.lower())
            if team is None:
                raise duty.DutyError(_unknown_team(session, request.team_code))
            if not duty.may_manage(person, team):
                raise duty.DutyError("无权操作：只有该组组长可以调整值班表。")
            covering = find_member(team, request.person)
            override = duty.set_override(session, team, covering, request.starts_at,
                                         request.ends_at, by=person, reason=request.reason,
                                         source="chat", now=now)
        except duty.DutyError as error:
            text = escape(error) + texts.SET_HINT if context.args else texts.SET_USAGE
            raise Refusal(text, alert=False, html=True) from None
        start, end = local(override.starts_at, desk.timezone), local(override.ends_at,
                                                                      desk.timezone)
        if covering.id != person.id:
            reason = f"原因：{escape(override.reason)}" if override.reason else ""
            notify.to_person(session, desk, covering.telegram_id, texts.TO_COVERING.format(
                by=escape(person.name), start=start, end=end, team=escape(team.name),
                reason=reason), kind="duty")
        text = texts.SET_DONE.format(name=escape(covering.name), start=start, end=end,
                                     team=escape(team.name), id=override.id)
    notify.wake(context)
    await reply(update, text)


def _unknown_team(session: Session, code: str) -> str:
    codes = "、".join(session.scalars(select(Team.code).where(Team.active).order_by(Team.id)))
    return texts.UNKNOWN_TEAM.format(code=code[:32], codes=codes)


@refusals
async def cancel_override(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Withdraw an override by its number."""
    person = person_of(update, context)
    if person is None:
        raise Refusal(NOT_REGISTERED, alert=False, html=True)
    override_id = as_id(context.args[0].lstrip("#")) if len(context.args) == 1 else None
    if override_id is None:
        raise Refusal(texts.CANCEL_USAGE, alert=False)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        try:
            override = duty.cancel_override(session, override_id,
                                            by=person, now=desk.clock.now())
        except duty.DutyError as error:
            raise Refusal(escape(error), alert=False, html=True) from None
        text = texts.CANCEL_DONE.format(id=override.id, name=escape(override.person.name),
                                        team=escape(override.team.name))
    await reply(update, text)


def register(application: Application) -> None:
    """Add /duty, /duty_set and /duty_cancel."""
    application.add_handler(CommandHandler("duty", show_duty))
    application.add_handler(CommandHandler("duty_set", set_override))
    application.add_handler(CommandHandler("duty_cancel", cancel_override))
