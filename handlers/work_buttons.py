"""Buttons on a ticket card: claim (handlers.claims), start, pend, resolve, reassign, details.

Each press: decode strictly, check the presser's role against the ticket, call the domain,
tell the people concerned (through the outbox), and refresh the ticket's cards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import work
from bot.lifecycle import TransitionRefused, version
from bot.models import Ticket
from bot.people import PersonView
from handlers import claims, notify, relay, versions, work_flows
from handlers.callbacks import parse
from handlers.card_sync import refresh_cards, refresh_if_stale
from handlers.card_sync import replaced as card_replaced
from handlers.common import desk_of, origin_of, person_of
from handlers.my_tickets import send_detail
from handlers.refusals import Refusal, refusals
from handlers.renderers import work as texts

Action = Callable[[Update, ContextTypes.DEFAULT_TYPE, PersonView, int, tuple[str, ...]],
                  Awaitable[None]]


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Decode a card press, check who pressed it, and run the action."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    action = ACTIONS.get(callback.action) if callback else None
    ticket_id = callback.number(0) if callback else None
    if action is None or ticket_id is None:
        await query.answer(texts.STALE, show_alert=True)
        return
    if card_replaced(context, query.message):  # a newer card of the ticket was posted
        await query.answer(texts.CARD_REPLACED, show_alert=True)
        return
    if action is claims.claim:  # the hot path: who pressed is looked up with the claim
        if len(callback.args) > 1 and not _still_shown(context, ticket_id, callback.args[1:]):
            await query.answer(texts.STALE, show_alert=True)  # an old /queue list's button
            return
        await claims.claim(update, context, None, ticket_id, ())
        return
    person = person_of(update, context)
    if person is None or not person.is_staff:
        await query.answer(texts.NO_RIGHT, show_alert=True)
        return
    await action(update, context, person, ticket_id, callback.args[1:])


def _still_shown(context: ContextTypes.DEFAULT_TYPE, ticket_id: int,
                 args: tuple[str, ...]) -> bool:
    """Whether the ticket is as the list that carried these arguments showed it."""
    rest, shown = versions.split(args)
    with desk_of(context).sessions.begin() as session:
        return not rest and shown is not None and version(session, ticket_id) == shown


@refusals
async def _simple(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                  ticket_id: int, step: Callable[..., None], message: str | None) -> bool:
    """Run a one-press domain step on a ticket; tell the reporter `message` if given."""
    desk, query = desk_of(context), update.callback_query
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        try:
            if ticket is None:
                raise work.WorkRefused(texts.STALE)
            step(session, ticket, person, origin_of(update, person), desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            refresh_if_stale(context, query, ticket_id, ticket.status if ticket else None)
            raise Refusal(str(error)) from None
        if message:
            notify.to_person(session, desk, ticket.reporter.telegram_id,
                             message.format(number=ticket.number), ticket_id=ticket.id,
                             kind="status")
    await query.answer()
    await refresh_cards(context, ticket_id)
    notify.wake(context)
    return True


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                 ticket_id: int, args: tuple[str, ...]) -> None:
    def step(session, ticket, who, origin, now):
        if ticket.status == "pending":
            work.resume(session, ticket, who, origin, now)
        else:
            work.start(session, ticket, who, origin, now)

    await _simple(update, context, person, ticket_id, step, texts.TO_REPORTER_STARTED)


async def _details(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                   ticket_id: int, args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        number = ticket.number if ticket else ""
    await update.callback_query.answer()
    if number:
        await send_detail(update, context, person, number)


ACTIONS: dict[str, Action] = {
    "claim": claims.claim, "start": _start, "info": _details, "ask": relay.ask_reporter,
    **work_flows.ACTIONS,
}


def register(application: Application) -> None:
    """Add the card buttons and the technicians' text steps."""
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^tk:"))
    work_flows.register_flows()
