"""Buttons on a ticket card: claim, start, pend, resolve, reassign, details.

Each press: decode strictly, check the presser's role against the ticket, call the domain,
tell the people concerned (through the outbox), and refresh the ticket's cards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import work
from bot.claim_memo import ClaimMemo, Taken
from bot.desk import Desk
from bot.lifecycle import Origin, TransitionRefused
from bot.models import Ticket
from bot.people import PersonView, view_by_telegram_id
from handlers import notify, relay, work_flows
from handlers.callbacks import parse
from handlers.card_sync import refresh_cards, request_refresh, shows_stale_card
from handlers.common import desk_of, person_of
from handlers.my_tickets import send_detail
from handlers.ordering import Turns
from handlers.refusals import Refusal, refusals
from handlers.renderers import relay as relay_texts
from handlers.renderers import work as texts
from handlers.renderers.common import escape

CLAIM_TURNS_KEY = "claim_turns"
Action = Callable[[Update, ContextTypes.DEFAULT_TYPE, PersonView, int, tuple[str, ...]],
                  Awaitable[None]]


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Decode a card press, check who pressed it, and run the action."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    action = ACTIONS.get(callback.action) if callback else None
    if action is None or not callback.args or not callback.args[0].isdigit():
        await query.answer(texts.STALE, show_alert=True)
        return
    if action is _claim:  # the hot path: who pressed is looked up in the claim's transaction
        await _claim(update, context, None, int(callback.args[0]), ())
        return
    person = person_of(update, context)
    if person is None or not person.is_staff:
        await query.answer(texts.NO_RIGHT, show_alert=True)
        return
    await action(update, context, person, int(callback.args[0]), callback.args[1:])


def _origin(update: Update, person: PersonView) -> Origin:
    chat = update.effective_chat
    return Origin(person.id, chat.id, "group" if chat.id < 0 else "private")


@refusals
async def _claim(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView | None,
                 ticket_id: int, args: tuple[str, ...]) -> None:
    """Claim: one conditional UPDATE decides; answer the press first, refresh cards after.

    Fifty technicians may press at once: one transaction per press, a few columns read, run
    where it keeps the loop free (Desk.database).
    """
    desk, query = desk_of(context), update.callback_query
    turns = context.application.bot_data.setdefault(CLAIM_TURNS_KEY, Turns())
    async with turns.of(ticket_id):  # one press per ticket at a time asks the database
        outcome = _remembered_refusal(desk.claim_memo, update.effective_user.id, ticket_id)
        if outcome is None:
            outcome = await desk.database.run(_claim_transaction, desk,
                                              update.effective_user.id,
                                              update.effective_chat.id, ticket_id)
    if outcome.refusal is not None:
        if outcome.taken:
            _refresh_if_stale(context, query, ticket_id, outcome.status)
        raise Refusal(outcome.refusal)
    request_refresh(context, ticket_id)
    await query.answer(texts.CLAIMED_ALERT.format(number=outcome.number))
    notify.wake(context)


@dataclass(frozen=True)
class _ClaimOutcome:
    number: str = ""
    refusal: str | None = None
    taken: bool = False  # someone else holds it (the card may show a stale state)
    status: str | None = None


def _remembered_refusal(memo: ClaimMemo, telegram_id: int,
                        ticket_id: int) -> _ClaimOutcome | None:
    """The refusal for a press on a ticket known to be taken, from memory (bot.claim_memo)."""
    taken = memo.taken(ticket_id)
    if taken is None:
        return None
    known, person = memo.person(telegram_id)
    if not known:
        return None
    if person is None or not person.is_staff:
        return _ClaimOutcome(refusal=texts.NO_RIGHT)
    try:
        work.check_may_claim(person, taken.team_code)
    except work.WorkRefused as error:
        return _ClaimOutcome(refusal=str(error))
    return _ClaimOutcome(refusal=str(work.AlreadyTaken(taken.holder, taken.status)),
                         taken=True, status=taken.status)


def _claim_transaction(desk: Desk, telegram_id: int, chat_id: int,
                       ticket_id: int) -> _ClaimOutcome:
    """Who pressed and a read that refuses most presses; then the claim's transaction with
    the two notices. No Telegram here."""
    memo = desk.claim_memo
    try:
        with desk.reads() as session:  # most presses under contention end here
            person = view_by_telegram_id(session, telegram_id)
            memo.remember_person(telegram_id, person)
            if person is None or not person.is_staff:
                return _ClaimOutcome(refusal=texts.NO_RIGHT)
            work.check_claimable(session, ticket_id, person)
        with desk.sessions.begin() as session:
            origin = Origin(person.id, chat_id, "group" if chat_id < 0 else "private")
            ticket = work.claim(session, ticket_id, person, origin, desk.clock.now(),
                                checked=True)
            notify.to_person(session, desk, ticket.reporter.telegram_id,
                             texts.TO_REPORTER_CLAIMED.format(number=ticket.number,
                                                              name=escape(person.name)),
                             ticket=ticket, kind="status")
            notify.to_person(session, desk, person.telegram_id, relay_texts.TO_CLAIMER.format(
                number=ticket.number, category=escape(ticket.category.name),
                reporter=escape(ticket.reporter.name)), ticket=ticket, kind="claimed")
            number, team_code = ticket.number, ticket.team.code
        memo.remember_taken(ticket_id, Taken(person.name, "assigned", team_code))
        return _ClaimOutcome(number=number)
    except work.AlreadyTaken as error:
        memo.remember_taken(ticket_id, Taken(error.holder, error.status, error.team_code))
        return _ClaimOutcome(refusal=str(error), taken=True, status=error.status)
    except work.WorkRefused as error:
        return _ClaimOutcome(refusal=str(error))


def _refresh_if_stale(context: ContextTypes.DEFAULT_TYPE, query, ticket_id: int,
                      status: str | None) -> None:
    """A press on a card that no longer shows its ticket's state: bring the card up to date."""
    if shows_stale_card(query.message, ticket_id, status):
        request_refresh(context, ticket_id)


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
            step(session, ticket, person, _origin(update, person), desk.clock.now())
        except (work.WorkRefused, TransitionRefused) as error:
            _refresh_if_stale(context, query, ticket_id, ticket.status if ticket else None)
            raise Refusal(str(error)) from None
        if message:
            notify.to_person(session, desk, ticket.reporter.telegram_id,
                             message.format(number=ticket.number), ticket=ticket, kind="status")
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
    "claim": _claim, "start": _start, "info": _details, "ask": relay.ask_reporter,
    **work_flows.ACTIONS,
}


def register(application: Application) -> None:
    """Add the card buttons and the technicians' text steps."""
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^tk:"))
    work_flows.register_flows()
