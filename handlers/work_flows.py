"""The card actions that need more than one press: pend, resolve, reassign."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot import conversations, work
from bot.lifecycle import Origin, TransitionRefused, version
from bot.models import Team, Ticket
from bot.people import PersonView
from handlers import delivery, notify, versions
from handlers.callbacks import as_id, drop_buttons, markup
from handlers.card_sync import refresh_cards
from handlers.common import desk_of, origin_of, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.knowledge_drafts import draft_from_ticket
from handlers.refusals import Refusal, refusals
from handlers.renderers import work as texts
from handlers.renderers.common import escape
from handlers.reporter_buttons import resolved_rows

PEND_FLOW, RESOLVE_FLOW = "pend", "resolve"


def _allowed(context: ContextTypes.DEFAULT_TYPE, person: PersonView, ticket_id: int
             ) -> tuple[Ticket | None, str | None]:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None, texts.STALE
        try:
            work.check_may_work(person, ticket)
        except work.WorkRefused as error:
            return None, str(error)
        return ticket, None


async def _pend_menu(update, context, person, ticket_id, args) -> None:
    ticket, refusal = _allowed(context, person, ticket_id)
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    await update.callback_query.answer()
    await reply(update, texts.ASK_PEND_REASON.format(number=ticket.number),
                reply_markup=markup(texts.pend_rows(ticket_id, work.PENDING_REASONS,
                                                    _version_of(context, ticket_id))))


def _version_of(context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> int:
    with desk_of(context).sessions.begin() as session:
        return version(session, ticket_id)


async def _pend_reason(update, context, person, ticket_id, args) -> None:
    args, shown = versions.split(args)
    reason = work.PENDING_REASONS.get(args[0]) if len(args) == 1 else None
    if reason is None:
        await update.callback_query.answer(texts.STALE, show_alert=True)
        return
    await pend_with(update, context, person, ticket_id, reason, shown)


@refusals
async def pend_with(update, context, person: PersonView, ticket_id: int, reason: str,
                    shown: int | None) -> None:
    """Pend the ticket (if it is still as the prompt showed it) and tell the reporter why."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        versions.check(session, ticket_id, shown)
        try:
            if ticket is None or person is None:
                raise work.WorkRefused(texts.STALE)
            work.pend(session, ticket, person, reason, origin_of(update, person), desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            raise Refusal(str(error)) from None
        notify.to_person(session, desk, ticket.reporter.telegram_id,
                         texts.TO_REPORTER_PENDED.format(number=ticket.number,
                                                         reason=escape(reason)),
                         ticket_id=ticket.id, kind="status")
        number = ticket.number
    if update.callback_query:
        await update.callback_query.answer()
    await reply(update, texts.DONE.format(number=number))
    await refresh_cards(context, ticket_id)
    notify.wake(context)


async def _in_private(update, context, person: PersonView, flow: str, step: str,
                      data: dict, prompt: str) -> None:
    """Continue a text conversation in the person's private chat."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversations.begin(session, desk.clock, person.telegram_id, person.telegram_id, flow,
                            step, data)
    try:
        await delivery.send_to(context.bot, person.telegram_id, prompt)
    except Forbidden:
        await update.callback_query.answer(texts.CHECK_PRIVATE, show_alert=True)
        return
    await update.callback_query.answer(texts.CHECK_PRIVATE if update.effective_chat.id < 0
                                       else None)


async def _pend_typed(update, context, person, ticket_id, args) -> None:
    ticket, refusal = _allowed(context, person, ticket_id)
    _, shown = versions.split(args)
    if refusal or shown != _version_of(context, ticket_id):
        await update.callback_query.answer(refusal or texts.STALE, show_alert=True)
        return
    await _in_private(update, context, person, PEND_FLOW, "reason",
                      {"ticket_id": ticket_id, "version": shown},
                      texts.ASK_PEND_TYPED.format(number=ticket.number))


async def _pend_typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           text: str) -> None:
    desk, person = desk_of(context), person_of(update, context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        ticket_id = conversation.data.get("ticket_id", 0)
        shown = conversation.data.get("version")
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
    await pend_with(update, context, person, ticket_id, text, shown)


async def _resolve(update, context, person, ticket_id, args) -> None:
    ticket, refusal = _allowed(context, person, ticket_id)
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    await _in_private(update, context, person, RESOLVE_FLOW, "resolution",
                      {"ticket_id": ticket_id, "version": _version_of(context, ticket_id)},
                      texts.ASK_RESOLUTION.format(number=ticket.number))


async def _resolution_text(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           text: str) -> None:
    desk = desk_of(context)
    text = text.strip()
    if not text or len(text) > work.MAX_RESOLUTION_CHARS:
        await reply(update, texts.RESOLUTION_BAD.format(limit=work.MAX_RESOLUTION_CHARS))
        return
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        conversations.advance(session, desk.clock, conversation, "effort", resolution=text)
    await reply(update, texts.ASK_EFFORT)


@refusals
async def _effort_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk, person = desk_of(context), person_of(update, context)
    try:
        minutes = work.parse_effort(text)
    except work.WorkRefused as error:
        await reply(update, escape(error))
        return
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        data = dict(conversation.data)
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
        ticket = session.get(Ticket, data.get("ticket_id", 0))
        try:
            if ticket is None or person is None or data.get("version") != version(
                    session, ticket.id):  # the ticket moved on while the resolution was typed
                raise work.WorkRefused(texts.STALE)
            work.resolve(session, ticket, person, data["resolution"], minutes,
                         Origin(person.id, update.effective_chat.id, "private"),
                         desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            raise Refusal(escape(error), alert=False, html=True) from None
        notify.to_person(session, desk, ticket.reporter.telegram_id,
                         texts.resolved_for_reporter(ticket.number, data["resolution"]),
                         ticket_id=ticket.id, kind="status", rows=resolved_rows(ticket))
        number, ticket_id = ticket.number, ticket.id
    await reply(update, texts.ASK_KB_DRAFT.format(number=number),
                reply_markup=markup(texts.draft_rows(ticket_id)))
    await refresh_cards(context, ticket_id)
    notify.wake(context)


async def _kb_draft(update, context, person, ticket_id, args) -> None:
    ticket, refusal = _allowed(context, person, ticket_id)
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    key = draft_from_ticket(context, ticket_id, person)
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, texts.KB_DRAFT_DONE.format(key=escape(key)) if key
                else texts.KB_DRAFT_SKIPPED)


async def _kb_no(update, context, person, ticket_id, args) -> None:
    _, refusal = _allowed(context, person, ticket_id)
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, texts.KB_DRAFT_SKIPPED)


async def _move_menu(update, context, person, ticket_id, args) -> None:
    ticket, refusal = _allowed(context, person, ticket_id)
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        people = sorted({(m.person.id, m.person.name) for m in ticket.team.members
                         if m.person.active and m.person.id != ticket.assignee_id})
        teams = [(t.code, t.name) for t in session.scalars(
            select(Team).where(Team.active, Team.id != ticket.team_id).order_by(Team.id))]
        number, shown = ticket.number, version(session, ticket_id)
    await update.callback_query.answer()
    await reply(update, texts.ASK_REASSIGN.format(number=number),
                reply_markup=markup(texts.reassign_rows(ticket_id, people, teams, shown)))


@refusals
async def _move_to_person(update, context, person, ticket_id, args) -> None:
    desk = desk_of(context)
    args, shown = versions.split(args)
    target_id = as_id(args[0]) if len(args) == 1 else None
    if target_id is None:
        await update.callback_query.answer(texts.STALE, show_alert=True)
        return
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        versions.check(session, ticket_id, shown)
        try:
            if ticket is None:
                raise work.WorkRefused(texts.STALE)
            target = work.reassign_to_person(session, ticket, person, target_id,
                                             origin_of(update, person), desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            raise Refusal(str(error)) from None
        notify.assigned(session, desk, ticket, person.name)
        text = texts.MOVED_TO_PERSON.format(number=ticket.number, name=escape(target.name))
    await update.callback_query.answer()
    await reply(update, text)
    await refresh_cards(context, ticket_id)
    notify.wake(context)


@refusals
async def _move_to_team(update, context, person, ticket_id, args) -> None:
    desk = desk_of(context)
    args, shown = versions.split(args)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        versions.check(session, ticket_id, shown)
        source = ticket.team.name if ticket else ""
        try:
            if ticket is None or len(args) != 1:
                raise work.WorkRefused(texts.STALE)
            team = work.reassign_to_team(session, ticket, person, args[0],
                                         origin_of(update, person), desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            raise Refusal(str(error)) from None
        notify.new_ticket(session, desk, ticket, note=texts.TO_TEAM_MOVED.format(
            number=ticket.number, source=escape(source)))
        text = texts.MOVED_TO_TEAM.format(number=ticket.number, team=escape(team.name))
    await update.callback_query.answer()
    await reply(update, text)
    await refresh_cards(context, ticket_id)
    notify.wake(context)


ACTIONS = {
    "pend": _pend_menu, "pendr": _pend_reason, "pendt": _pend_typed, "resolve": _resolve,
    "kbyes": _kb_draft, "kbno": _kb_no, "move": _move_menu, "to": _move_to_person,
    "team": _move_to_team,
}


def register_flows() -> None:
    register_flow(PEND_FLOW, {"reason": FlowStep(_pend_typed_text)})
    register_flow(RESOLVE_FLOW, {"resolution": FlowStep(_resolution_text),
                                 "effort": FlowStep(_effort_text)})


