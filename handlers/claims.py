"""「认领」 on a ticket card: the hot path when a whole team presses the same card at once.

The database decides every claim (bot.work.claim: one conditional UPDATE). Around it: presses
on one ticket take turns, a press on a card that already has a winner is refused from the claim
memo without a query (bot.claim_memo), and the transaction runs where it keeps the event loop
free (bot.db_work). The winner's reporter and the winner are told through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot import work
from bot.claim_memo import ClaimMemo, Taken
from bot.desk import Desk
from bot.people import PersonView, view_by_telegram_id
from handlers import notify
from handlers.card_sync import refresh_if_stale, request_refresh
from handlers.common import desk_of, origin_in_chat
from handlers.ordering import Turns
from handlers.refusals import Refusal, refusals
from handlers.renderers import relay as relay_texts
from handlers.renderers import work as texts
from handlers.renderers.common import escape

TURNS_KEY = "claim_turns"


@refusals
async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView | None,
                 ticket_id: int, args: tuple[str, ...]) -> None:
    """Claim a ticket from its card: one conditional UPDATE decides; answer first, refresh after.

    Fifty technicians may press at once: one transaction per press, a few columns read, run
    where it keeps the loop free (Desk.database).
    """
    desk, query = desk_of(context), update.callback_query
    turns = context.application.bot_data.get(TURNS_KEY)
    if turns is None:
        turns = context.application.bot_data[TURNS_KEY] = Turns()
    async with turns.of(ticket_id):  # one press per ticket at a time asks the database
        outcome = _remembered_refusal(desk.claim_memo, update.effective_user.id, ticket_id)
        if outcome is None:
            outcome = await desk.database.run(_claim_transaction, desk,
                                              update.effective_user.id,
                                              update.effective_chat.id, ticket_id)
    if outcome.refusal is not None:
        if outcome.taken:
            refresh_if_stale(context, query, ticket_id, outcome.status)
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
            ticket = work.claim(session, ticket_id, person, origin_in_chat(person.id, chat_id),
                                desk.clock.now(), checked=True)
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
