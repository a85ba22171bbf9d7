"""Process updates concurrently across chats, but one at a time within a chat.

PTB's BaseUpdateProcessor takes a slot of its own semaphore before it hands an update to
`do_process_update`, that is before the update waits for its chat's turn. Were that the limit
of concurrency, one person sending hundreds of updates would hold every slot while their
updates wait for each other, and every other chat would starve. So PTB's semaphore only
admits updates (ADMITTED at once: a bound on memory), and the real limit — the slots — is
taken after the chat's turn: a chat holds at most one slot however much it sends. A person
who has more than `max_queued_per_chat` updates waiting in a chat is told once 「操作过于频繁，
请稍后再试」 and the excess is dropped (logged) until their queue has drained.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from handlers.renderers.common import TOO_BUSY

logger = logging.getLogger(__name__)

#: Updates admitted at once by PTB's own semaphore (waiting for their turn or running).
ADMITTED = 4096
#: Updates of one person in one chat that may wait (and run) at once; more are dropped.
#: A person's album of ten photos or a quick burst of presses stays far below it.
MAX_QUEUED_PER_CHAT = 50

Teller = Callable[[Update], Awaitable[None]]


async def tell_too_busy(update: Update) -> None:
    """Tell the person, once, that updates of theirs were dropped."""
    if update.callback_query is not None:
        await update.callback_query.answer(TOO_BUSY, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(TOO_BUSY)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Many chats at once; one person's updates in a chat in the order they arrived.

    A person's conversation steps must not race each other (two quick messages would
    otherwise both read the same step), while other people are not kept waiting.
    """

    def __init__(self, max_concurrent_updates: int = 256, *,
                 max_queued_per_chat: int = MAX_QUEUED_PER_CHAT,
                 tell: Teller = tell_too_busy) -> None:
        if max_concurrent_updates < 1 or max_queued_per_chat < 1:
            raise ValueError("limits must be positive")
        super().__init__(max(ADMITTED, max_concurrent_updates))
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._max_queued = max_queued_per_chat
        self._tell = tell
        self._turns = Turns()
        self._dropped: dict[Hashable, int] = {}  # key → updates dropped while it is flooded

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        if self._turns.queued(key) >= self._max_queued:
            await self._drop(key, update, coroutine)
            return
        try:
            async with self._turns.of(key):  # the chat's turn first, then a slot
                async with self._slots:
                    await coroutine
        finally:
            if not self._turns.queued(key) and key in self._dropped:
                logger.warning("chat %s, user %s: %d updates were dropped (more than %d "
                               "waiting)", *key, self._dropped.pop(key), self._max_queued)

    async def _drop(self, key: tuple[int, int], update: object,
                    coroutine: Awaitable[Any]) -> None:
        if isinstance(coroutine, Coroutine):
            coroutine.close()  # never run: no "never awaited" warning
        first = key not in self._dropped
        self._dropped[key] = self._dropped.get(key, 0) + 1
        if not first or not isinstance(update, Update):
            return
        logger.warning("chat %s, user %s has %d updates waiting: dropping more until they "
                       "are handled", *key, self._turns.queued(key))
        try:
            await self._tell(update)
        except Exception:  # the notice is a courtesy; the flood must not raise
            logger.warning("could not tell chat %s that it sends too fast", key[0],
                           exc_info=True)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class Turns:
    """One at a time per key, in arrival order; a key's lock lives while someone uses it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

    def queued(self, key: Hashable) -> int:
        """How many hold or wait for this key's turn."""
        return self._users.get(key, 0)

    @asynccontextmanager
    async def of(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                self._locks.pop(key, None)


def _chat_key(update: object) -> tuple[int, int] | None:
    """Order per person within a chat: in a group, people do not wait for each other."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return None
    user = update.effective_user
    return update.effective_chat.id, user.id if user is not None else 0
