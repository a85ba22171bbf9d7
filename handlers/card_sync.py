"""Keep every card of a ticket showing its current state; post a new one if it is gone.

Editing cards is slow (Telegram allows about 20 messages a minute per group), so a button
press never waits for it: the handler answers the press, then asks the CardRefresher, a
background task, to bring the ticket's cards up to date. Requests for the same ticket are
coalesced, and a ticket whose cards already show its current state is not edited again.

An edit that fails for a reason that may pass (network error, timeout, 5xx, 429) is tried
again with back-off (1 s, 2 s … a minute). Only a card Telegram says is gone or can no longer
be edited is posted anew; the old one's buttons are then refused as replaced (`replaced`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from telegram import Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot import card_sla, chat_migrations, message_links, outbox
from bot.desk import Desk
from bot.models import SlaAlert, Ticket
from bot.telegram_http import BACKGROUND
from handlers.callbacks import as_json, markup
from handlers.common import DESK_KEY
from handlers.notify import SENDER_KEY
from handlers.renderers.cards import card_rows, card_text, rows_for

logger = logging.getLogger(__name__)

REFRESHER_KEY = "card_refresher"
_REMEMBERED = 5000  # tickets whose last shown state we remember
_PARALLEL = 8
_GONE = ("message to edit not found", "message can't be edited")  # Telegram's words
_REPLACED_KEPT = 20000  # replaced cards remembered (their presses are refused)


_SIGNATURE = (Ticket.status, Ticket.assignee_id, Ticket.team_id, Ticket.pending_reason,
              Ticket.updated_at)  # what a card shows changes only when one of these (or the
#                                   ticket's SLA mark, bot.card_sla) does


class CardRefresher:
    """A background task that edits tickets' cards after their state changed."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self._dirty: OrderedDict[int, None] = OrderedDict()
        self._busy: set[int] = set()
        self._shown: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failures: dict[int, int] = {}  # ticket -> edits failed in a row (back-off)
        self._timers: dict[int, asyncio.TimerHandle] = {}  # ticket -> its retry
        self.retry_first = 1.0  # seconds before the first retry of a failed edit; doubles
        self.replaced: OrderedDict[tuple[int, int], None] = OrderedDict()
        self.catch_up_seconds = 30.0  # how often changes made elsewhere are looked for
        self._since: datetime | None = None  # tickets changed from then on are caught up
        self._catching_up: asyncio.Task[None] | None = None

    def request(self, ticket_id: int) -> None:
        """Bring this ticket's cards up to date soon."""
        self._dirty[ticket_id] = None
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="card-refresher")
        self._catching_up = asyncio.create_task(self._catch_up_often(), name="card-catch-up")

    async def catch_up(self) -> None:
        """Refresh the tickets changed since the last look, whoever changed them: the CLI
        (someone left a team), another process, or a path that forgot to ask."""
        desk: Desk = self.application.bot_data[DESK_KEY]
        if self._since is None:
            self._since = desk.clock.now()
            return
        ticket_ids, self._since = await desk.database.run(_changed_since, desk, self._since)
        for ticket_id in ticket_ids:
            self.request(ticket_id)

    async def _catch_up_often(self) -> None:
        while True:
            try:
                await self.catch_up()
            except Exception:  # the database may be away for a moment: look again later
                logger.exception("looking for changed tickets failed")
            await asyncio.sleep(self.catch_up_seconds)

    def retry_later(self, ticket_id: int) -> None:
        """An edit failed for a reason that may pass: try the ticket's cards again later."""
        failures = self._failures[ticket_id] = self._failures.get(ticket_id, 0) + 1
        delay = min(self.retry_first * 2 ** (failures - 1), 60.0)
        logger.info("cards of ticket %s: edit again in %.3g s", ticket_id, delay)
        if ticket_id not in self._timers:
            self._timers[ticket_id] = asyncio.get_running_loop().call_later(
                delay, self._retry_now, ticket_id)

    def _retry_now(self, ticket_id: int) -> None:
        self._timers.pop(ticket_id, None)
        self.request(ticket_id)

    def remember_replaced(self, cards: list[tuple[int, int]]) -> None:
        for card in cards:
            self.replaced[card] = None
        while len(self.replaced) > _REPLACED_KEPT:
            self.replaced.popitem(last=False)

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._catching_up is not None:
            self._catching_up.cancel()
            await asyncio.gather(self._catching_up, return_exceptions=True)
            self._catching_up = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._dirty:
            logger.info("%d tickets' cards left to refresh at shutdown", len(self._dirty))

    async def _run(self) -> None:
        """Keep up to _PARALLEL tickets refreshing; never two refreshes of the same ticket."""
        running: set[asyncio.Future[Any]] = set()
        try:
            while True:
                self._wake.clear()
                ready = [t for t in self._dirty if t not in self._busy]
                for ticket_id in ready[: max(_PARALLEL - len(running), 0)]:
                    del self._dirty[ticket_id]
                    self._busy.add(ticket_id)
                    running.add(asyncio.create_task(self._one(ticket_id)))
                waiter = asyncio.ensure_future(self._wake.wait())
                try:
                    done, _ = await asyncio.wait(running | {waiter},
                                                 return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                running -= done
        finally:
            for task in running:
                task.cancel()

    async def _one(self, ticket_id: int) -> None:
        try:
            outcome = await _refresh(self.application, ticket_id, self._shown)
            if outcome is None:
                self._failures.pop(ticket_id, None)
            else:
                self.retry_later(ticket_id)
        except Exception:  # a card that cannot be refreshed must not stop the others
            logger.exception("refreshing the cards of ticket %s failed", ticket_id)
        finally:
            self._busy.discard(ticket_id)
            while len(self._shown) > _REMEMBERED:
                self._shown.popitem(last=False)


def request_refresh(context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    """Ask for the ticket's cards to be refreshed; never waits (safe inside a transaction)."""
    refresher = context.application.bot_data.get(REFRESHER_KEY)
    if refresher is not None:
        refresher.request(ticket_id)
    else:
        context.application.create_task(_refresh(context.application, ticket_id, OrderedDict()))


async def refresh_cards(context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    """Refresh the ticket's cards in the background (kept async for its callers)."""
    request_refresh(context, ticket_id)


async def refresh_alerted(application: Application, since: datetime) -> None:
    """After an SLA sweep: refresh the cards of the tickets it alerted about (their SLA mark
    — 即将超时, 已超时, 已升级 — may have changed)."""
    refresher = application.bot_data.get(REFRESHER_KEY)
    if refresher is None:
        return
    desk: Desk = application.bot_data[DESK_KEY]
    for ticket_id in await desk.database.run(_alerted_since, desk, since):
        refresher.request(ticket_id)


def _alerted_since(desk: Desk, since: datetime) -> list[int]:
    with desk.database.transaction() as session:
        return list(session.scalars(select(SlaAlert.ticket_id).where(
            SlaAlert.fired_at >= since).distinct()))


def refresh_if_stale(context: ContextTypes.DEFAULT_TYPE, query: Any, ticket_id: int,
                     status: str | None) -> None:
    """A press on a card that no longer shows its ticket's state: bring the card up to date."""
    if shows_stale_card(query.message, ticket_id, status):
        request_refresh(context, ticket_id)


def shows_stale_card(message: Message | None, ticket_id: int, status: str | None) -> bool:
    """True if `message` is a card of the ticket whose buttons no longer fit its status."""
    if message is None or status is None or message.reply_markup is None:
        return False
    shown = {b.callback_data for row in message.reply_markup.inline_keyboard for b in row}
    if f"tk:info:{ticket_id}" not in shown:
        return False
    return shown != {data for row in rows_for(ticket_id, status) for _, data in row}


async def _refresh(application: Application, ticket_id: int,
                   shown: OrderedDict[int, tuple[Any, ...]]) -> str | None:
    """Edit the ticket's cards in place; a card Telegram says is gone is posted anew.
    Return why it must be tried again (an edit failed for a reason that may pass), or None."""
    desk: Desk = application.bot_data[DESK_KEY]
    state = await desk.database.run(_card_state, desk, ticket_id, shown.get(ticket_id))
    if state is None:
        return None
    signature, text, rows, links = state
    gone: list[tuple[int, int]] = []
    again = None
    for chat_id, message_id in links:
        try:
            await application.bot.edit_message_text(
                text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup(rows),
                rate_limit_args=BACKGROUND)  # after the replies people wait for
        except BadRequest as error:  # a NetworkError too: before the passing failures
            reason = str(error).lower()
            if any(words in reason for words in _GONE):
                gone.append((chat_id, message_id))
            elif "not modified" not in reason:
                logger.warning("card %s/%s of ticket %s refused: %s", chat_id, message_id,
                               ticket_id, error)
        except ChatMigrated as error:  # the group is a supergroup now: the card goes there
            _migrated(desk, chat_id, error.new_chat_id)
            gone.append((chat_id, message_id))
        except (RetryAfter, NetworkError) as error:
            again = f"{error.__class__.__name__}: {error}"
        except TelegramError as error:  # Forbidden: the bot is no longer in the group
            logger.warning("card %s/%s of ticket %s not edited: %s", chat_id, message_id,
                           ticket_id, error)
    if again is None:  # else the cards are not all showing it yet: edit them again later
        shown[ticket_id] = signature
        shown.move_to_end(ticket_id)
    if gone:
        _repost(desk, ticket_id, text, rows, gone)
        refresher = application.bot_data.get(REFRESHER_KEY)
        if refresher is not None:
            refresher.remember_replaced(gone)
        for chat_id, message_id in gone:  # best effort: the old card's buttons go
            try:
                await application.bot.edit_message_reply_markup(chat_id, message_id,
                                                                reply_markup=None)
            except TelegramError:
                pass
        sender = application.bot_data.get(SENDER_KEY)
        if sender is not None:
            sender.wake()
    return again


def replaced(context: ContextTypes.DEFAULT_TYPE, message: Message | None) -> bool:
    """Whether `message` is a card that was posted anew (its buttons are dead)."""
    refresher = context.application.bot_data.get(REFRESHER_KEY)
    return (refresher is not None and message is not None
            and (message.chat_id, message.message_id) in refresher.replaced)


def _card_state(desk: Desk, ticket_id: int, shown: tuple[Any, ...] | None
                ) -> tuple[tuple[Any, ...], str, list, list[tuple[int, int]]] | None:
    """The ticket's card and where it is posted; None if the cards already show it."""
    with desk.database.transaction() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        sla = card_sla.mark(ticket, desk.sla, desk.clock.now())
        signature = (*(getattr(ticket, column.key) for column in _SIGNATURE), sla)
        if shown == signature:
            return None
        links = [(link.chat_id, link.message_id)
                 for link in message_links.messages_of(session, ticket_id, "card")]
        return signature, card_text(ticket, desk.timezone, sla), card_rows(ticket), links


def _changed_since(desk: Desk, since: datetime) -> tuple[list[int], datetime]:
    """The tickets changed at or after `since` (at most _REMEMBERED), and the next `since`."""
    with desk.database.transaction() as session:
        rows = session.execute(select(Ticket.id, Ticket.updated_at)
                               .where(Ticket.updated_at >= since)
                               .order_by(Ticket.updated_at).limit(_REMEMBERED)).all()
    return [row.id for row in rows], max((row.updated_at for row in rows), default=since)


def _migrated(desk: Desk, old_chat_id: int, new_chat_id: int) -> None:
    """Record the group's new id (inline: it writes rows other transactions may want)."""
    with desk.sessions.begin() as session:
        chat_migrations.record(session, old_chat_id, new_chat_id, desk.clock.now())


def _repost(desk: Desk, ticket_id: int, text: str, rows: list,
            failed: list[tuple[int, int]]) -> None:
    """Post a fresh card where the old one could not be edited (deleted, too old …)."""
    with desk.sessions.begin() as session:
        for chat_id, message_id in failed:
            message_links.relabel(session, chat_id, message_id, "lost_card")
        moved = chat_migrations.current_ids(session)
        for chat_id in dict.fromkeys(moved.get(chat, chat) for chat, _ in failed):
            outbox.enqueue(session, desk.clock.now(), chat_id, text, keyboard=as_json(rows),
                           kind="card", ticket_id=ticket_id)
