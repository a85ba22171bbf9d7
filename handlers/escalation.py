"""Buttons on SLA escalations: 「督办」「改派」 (level 1, leads), 「接管/指派」「查看」 (level 2).

Each press: decode strictly, check the presser's role against the ticket (leads of its team
for level 1, supervisors for level 2), call the domain, answer after the transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import escalation, outbox, sla_explain, tickets
from bot.escalation import EscalationRefused
from bot.lifecycle import TransitionRefused, version
from bot.models import Team, Ticket
from bot.people import PersonView
from handlers import notify, versions
from handlers.callbacks import as_json, markup, parse
from handlers.card_sync import refresh_cards
from handlers.common import desk_of, origin_of, person_of, reply
from handlers.refusals import Refusal, refusals
from handlers.renderers import escalation as texts
from handlers.renderers import work as work_texts
from handlers.renderers.common import escape
from handlers.renderers.limits import fit_answer

Action = Callable[[Update, ContextTypes.DEFAULT_TYPE, PersonView, int], Awaitable[None]]


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Decode an escalation button, check who pressed it, and run the action."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    action = ACTIONS.get(callback.action) if callback else None
    size = 2 if action is _mine else 1  # 我来接管 carries the version it was shown for
    ticket_id = callback.number(0) if callback and len(callback.args) == size else None
    if action is None or ticket_id is None:
        await query.answer(texts.STALE, show_alert=True)
        return
    person = person_of(update, context)
    if person is None or not person.is_staff:
        await query.answer(texts.NOT_STAFF, show_alert=True)
        return
    if action is _mine:
        await _mine(update, context, person, ticket_id, versions.split(callback.args[1:])[1])
        return
    await action(update, context, person, ticket_id)


def _ticket(session, ticket_id: int, person: PersonView, level: int) -> Ticket:
    """The ticket, if the person may act on it at this escalation level (else Refusal)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise Refusal(texts.STALE)
    try:
        escalation.check_level(person, ticket, level)
    except EscalationRefused as error:
        raise Refusal(str(error)) from None
    return ticket


@refusals
async def _urge(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = _ticket(session, ticket_id, person, 1)
        try:
            recipients = escalation.urge(session, ticket, person, origin_of(update, person),
                                         desk.clock.now(), getattr(desk, "roster", None))
        except EscalationRefused as error:
            raise Refusal(str(error)) from None
        text, rows = texts.urged(ticket, person.name)
        for recipient in recipients:
            outbox.enqueue(session, desk.clock.now(), recipient.chat_id, text,
                           keyboard=as_json(rows), kind="urge", ticket_id=ticket.id)
        names = "、".join(escape(r.name) for r in recipients)
        answer = (texts.URGE_DONE.format(number=ticket.number, names=names) if recipients
                  else texts.URGE_NOBODY.format(number=ticket.number))
    await update.callback_query.answer(fit_answer(answer), show_alert=True)
    notify.wake(context)


@refusals
async def _move(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int) -> None:
    """改派: the card's reassign menu (its buttons check the role again)."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = _ticket(session, ticket_id, person, 1)
        people, teams = _choices(session, ticket)
        number, shown = ticket.number, version(session, ticket_id)
    await update.callback_query.answer()
    await reply(update, work_texts.ASK_REASSIGN.format(number=number),
                reply_markup=markup(work_texts.reassign_rows(ticket_id, people, teams, shown)))


@refusals
async def _take(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int) -> None:
    """接管/指派: take it yourself, or pick a technician or a team."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = _ticket(session, ticket_id, person, 2)
        people, teams = _choices(session, ticket)
        number, shown = ticket.number, version(session, ticket_id)
    await update.callback_query.answer()
    await reply(update, texts.ASK_TAKE.format(number=number),
                reply_markup=markup(texts.take_rows(ticket_id, people, teams, shown)))


def _choices(session, ticket: Ticket) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    people = sorted({(m.person.id, m.person.name) for m in ticket.team.members
                     if m.person.active and m.person.id != ticket.assignee_id})
    teams = [(t.code, t.name) for t in session.scalars(
        select(Team).where(Team.active, Team.id != ticket.team_id).order_by(Team.id))]
    return people, teams


@refusals
async def _mine(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int, shown: int | None = None) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = _ticket(session, ticket_id, person, 2)
        versions.check(session, ticket_id, shown)
        try:
            escalation.take_over(session, ticket, person, origin_of(update, person),
                                 desk.clock.now())
        except (EscalationRefused, TransitionRefused) as error:
            raise Refusal(str(error)) from None
        notify.to_person(session, desk, ticket.reporter.telegram_id,
                         texts.TO_REPORTER_TAKEN.format(number=ticket.number,
                                                        name=escape(person.name)),
                         ticket_id=ticket.id, kind="status")
        number = ticket.number
    await update.callback_query.answer()
    await reply(update, texts.TAKEN.format(number=number))
    await refresh_cards(context, ticket_id)
    notify.wake(context)


@refusals
async def _view(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int) -> None:
    """查看: the ticket's SLA timeline, as `govdesk sla explain` prints it."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or not tickets.may_view(person, ticket):
            raise Refusal(texts.STALE if ticket is None else texts.NOT_STAFF)
        text = sla_explain.explain(session, ticket, desk.sla, desk.clock.now(),
                                   desk.timezone).text()
    await update.callback_query.answer()
    await reply(update, texts.timeline(text))


ACTIONS: dict[str, Action] = {
    "urge": _urge, "move": _move, "take": _take, "mine": _mine, "view": _view,
}


def register(application: Application) -> None:
    """Add the escalation buttons."""
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^esc:"))
