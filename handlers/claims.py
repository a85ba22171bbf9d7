"""「认领」 on a ticket card: the hot path when a whole team presses the same card at once.

The database decides every claim (bot.work.claim: one conditional UPDATE). Around it: presses
on one ticket take turns, a press on a card that already has a winner is refused from the claim
memo without a query (bot.claim_memo), the reads that refuse most other presses run as database
work that keeps the event loop free (bot.db_work), and the winner's short transaction runs
inline. The winner's reporter and the winner are told through the outbox.
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

    Fifty technicians may press at once. The check that refuses most of them is a read, run
    as database work (bot.db_work: its round trips overlap on PostgreSQL); the claim's short
    transaction runs inline — it holds the ticket's row lock, and work that holds a lock must
    never wait for the event loop.
    """
    desk, query = desk_of(context), update.callback_query
    turns = context.application.bot_data.get(TURNS_KEY)
    if turns is None:
        turns = context.application.bot_data[TURNS_KEY] = Turns()
    async with turns.of(ticket_id):  # one press per ticket at a time asks the database
        outcome = _remembered_refusal(desk.claim_memo, update.effective_user.id, ticket_id)
        if outcome is None:
            checked = await desk.database.run(_check, desk, update.effective_user.id,
                                              ticket_id)
            outcome = (_commit(desk, *checked, update.effective_chat.id)
                       if isinstance(checked, tuple) else checked)
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


def _check(desk: Desk, telegram_id: int,
           ticket_id: int) -> _ClaimOutcome | tuple[PersonView, work.ClaimTarget]:
    """Who pressed, and whether the ticket can still be claimed by them (reads only)."""
    memo = desk.claim_memo
    try:
        with desk.database.reads() as session:  # most presses under contention end here
            person = view_by_telegram_id(session, telegram_id)
            memo.remember_person(telegram_id, person)
            if person is None or not person.is_staff:
                return _ClaimOutcome(refusal=texts.NO_RIGHT)
            return person, work.check_claimable(session, ticket_id, person)
    except work.AlreadyTaken as error:
        return _taken(memo, ticket_id, error)
    except work.WorkRefused as error:
        return _ClaimOutcome(refusal=str(error))


def _commit(desk: Desk, person: PersonView, target: work.ClaimTarget,
            chat_id: int) -> _ClaimOutcome:
    """The claim's transaction with its two notices. No Telegram here."""
    try:
        with desk.sessions.begin() as session:
            work.claim(session, target.ticket_id, person, origin_in_chat(person.id, chat_id),
                       desk.clock.now(), target=target)
            notify.to_person(session, desk, target.reporter_telegram_id,
                             texts.TO_REPORTER_CLAIMED.format(number=target.number,
                                                              name=escape(person.name)),
                             ticket_id=target.ticket_id, kind="status")
            notify.to_person(session, desk, person.telegram_id, relay_texts.TO_CLAIMER.format(
                number=target.number, category=escape(target.category_name),
                reporter=escape(target.reporter_name)), ticket_id=target.ticket_id,
                kind="claimed")
    except work.AlreadyTaken as error:  # lost the race between the check and the UPDATE
        return _taken(desk.claim_memo, target.ticket_id, error)
    desk.claim_memo.remember_taken(target.ticket_id,
                                   Taken(person.name, "assigned", target.team_code))
    return _ClaimOutcome(number=target.number)


def _taken(memo: ClaimMemo, ticket_id: int, error: work.AlreadyTaken) -> _ClaimOutcome:
    memo.remember_taken(ticket_id, Taken(error.holder, error.status, error.team_code))
    return _ClaimOutcome(refusal=str(error), taken=True, status=error.status)
