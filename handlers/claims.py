"""「认领」 on a ticket card: the hot path when a whole team presses the same card at once.

The database decides every claim (bot.work.claim_all: one conditional UPDATE). Around it: a press
on a card that already has a winner is refused from the claim memo without a query
(bot.claim_memo), and the presses that need the database in the same moment are decided
together — one transaction reads who pressed and the tickets they pressed, makes the claims
and stores the notices (bot.batches, bot.work.claim_all). The winners' reporters and the
winners are told through the outbox.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import ContextTypes

from bot import db, work
from bot.batches import Batches
from bot.claim_memo import ClaimMemo, Taken
from bot.desk import Desk
from bot.people import PersonView, views_by_telegram_id
from handlers import notify
from handlers.card_sync import refresh_if_stale, request_refresh
from handlers.common import desk_of, origin_in_chat
from handlers.refusals import Refusal, refusals
from handlers.renderers import relay as relay_texts
from handlers.renderers import work as texts
from handlers.renderers.common import escape

logger = logging.getLogger(__name__)

BATCHES_KEY = "claim_batches"


@refusals
async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView | None,
                ticket_id: int, args: tuple[str, ...]) -> None:
    """Claim a ticket from its card: one conditional UPDATE decides; answer first, refresh after.

    Fifty technicians may press at once: a press the memo cannot refuse joins the presses
    of the same moment, decided together in one short transaction inline on the loop (it
    holds ticket row locks, and work that holds a lock must never wait for the loop).
    """
    desk, query = desk_of(context), update.callback_query
    outcome = _remembered_refusal(desk.claim_memo, update.effective_user.id, ticket_id)
    if outcome is None:
        outcome = await batches_of(context).submit(
            Press(update.effective_user.id, ticket_id, update.effective_chat.id))
    if outcome.refusal is not None:
        if outcome.taken:
            refresh_if_stale(context, query, ticket_id, outcome.status)
        raise Refusal(outcome.refusal)
    request_refresh(context, ticket_id)
    await query.answer(texts.CLAIMED_ALERT.format(number=outcome.number))
    notify.wake(context)


@dataclass(frozen=True)
class Press:
    """A press of 「认领」 that the database has to decide."""

    telegram_id: int
    ticket_id: int
    chat_id: int


@dataclass(frozen=True)
class ClaimOutcome:
    number: str = ""
    refusal: str | None = None
    taken: bool = False  # someone else holds it (the card may show a stale state)
    status: str | None = None


def batches_of(context: ContextTypes.DEFAULT_TYPE) -> Batches[Press, ClaimOutcome]:
    bot_data = context.application.bot_data
    batches = bot_data.get(BATCHES_KEY)
    if batches is None:
        desk = desk_of(context)
        batches = bot_data[BATCHES_KEY] = Batches(functools.partial(decide, desk),
                                                  conclude=functools.partial(conclude, desk))
    return batches


def _remembered_refusal(memo: ClaimMemo, telegram_id: int,
                        ticket_id: int) -> ClaimOutcome | None:
    """The refusal for a press on a ticket known to be taken, from memory (bot.claim_memo)."""
    taken = memo.taken(ticket_id)
    if taken is None:
        return None
    known, person = memo.person(telegram_id)
    if not known:
        return None
    if person is None or not person.is_staff:
        return ClaimOutcome(refusal=texts.NO_RIGHT)
    try:
        work.check_may_claim(person, taken.team_code)
    except work.WorkRefused as error:
        return ClaimOutcome(refusal=str(error))
    return ClaimOutcome(refusal=str(work.AlreadyTaken(taken.holder, taken.status)),
                        taken=True, status=taken.status)


@dataclass(frozen=True)
class Decided:
    """A press as its batch's transaction decided it (committed): who pressed, and the claim
    made or the refusal; None when the presser is not staff."""

    person: PersonView | None
    result: work.ClaimTarget | Exception | None


def decide(desk: Desk, presses: Sequence[Press]) -> list[Decided]:
    """The presses of one moment in one transaction: who pressed, the claims, their notices.

    Raises only if the transaction did not commit (bot.batches then decides each press
    alone); a hook that fails after the commit is logged, the claims stand. No Telegram here.
    """
    session = desk.sessions()
    try:
        with session, session.begin():
            people = views_by_telegram_id(session, (press.telegram_id for press in presses))
            asked = [(index, work.ClaimRequest(press.ticket_id, person,
                                               origin_in_chat(person.id, press.chat_id)))
                     for index, press in enumerate(presses)
                     if (person := people[press.telegram_id]) is not None and person.is_staff]
            decided = work.claim_all(session, [request for _, request in asked],
                                     desk.clock.now())
            for (_, request), result in zip(asked, decided, strict=True):
                if isinstance(result, work.ClaimTarget):
                    _tell_claimed(session, desk, request.person, result)
    except Exception:
        if not db.committed(session):
            raise
        logger.exception("a hook failed after the claims' commit; the claims stand")
    results: list[work.ClaimTarget | Exception | None] = [None] * len(presses)
    for (index, _), result in zip(asked, decided, strict=True):
        results[index] = result
    return [Decided(people[press.telegram_id], result)
            for press, result in zip(presses, results, strict=True)]


def conclude(desk: Desk, press: Press, decided: Decided) -> ClaimOutcome:
    """What the presser is told about their committed press; the claim memo learns from it
    (only a cache: if it cannot, the answer stands)."""
    outcome = _outcome(decided)
    try:
        _remember(desk.claim_memo, press, decided)
    except Exception:
        logger.exception("the claim memo could not learn from a press on ticket %s",
                         press.ticket_id)
    return outcome


def _tell_claimed(session: Session, desk: Desk, person: PersonView,
                  target: work.ClaimTarget) -> None:
    """The reporter learns who took their ticket; the winner gets its conversation."""
    notify.to_person(session, desk, target.reporter_telegram_id,
                     texts.TO_REPORTER_CLAIMED.format(number=target.number,
                                                      name=escape(person.name)),
                     ticket_id=target.ticket_id, kind="status")
    notify.to_person(session, desk, person.telegram_id, relay_texts.TO_CLAIMER.format(
        number=target.number, category=escape(target.category_name),
        reporter=escape(target.reporter_name)), ticket_id=target.ticket_id, kind="claimed")


def _outcome(decided: Decided) -> ClaimOutcome:
    result = decided.result
    if result is None:
        return ClaimOutcome(refusal=texts.NO_RIGHT)
    if isinstance(result, work.ClaimTarget):
        return ClaimOutcome(number=result.number)
    if isinstance(result, work.AlreadyTaken):
        return ClaimOutcome(refusal=str(result), taken=True, status=result.status)
    return ClaimOutcome(refusal=str(result))


def _remember(memo: ClaimMemo, press: Press, decided: Decided) -> None:
    """Who pressed; and who holds the ticket now, if the press learned that."""
    memo.remember_person(press.telegram_id, decided.person)
    result = decided.result
    if isinstance(result, work.ClaimTarget) and decided.person is not None:
        memo.remember_taken(result.ticket_id,
                            Taken(decided.person.name, "assigned", result.team_code))
    elif isinstance(result, work.AlreadyTaken):
        memo.remember_taken(press.ticket_id,
                            Taken(result.holder, result.status, result.team_code))
