"""Process updates concurrently across chats, but one at a time within a chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Hashable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Many chats at once; one person's updates in a chat in the order they arrived.

    A person's conversation steps must not race each other (two quick messages would
    otherwise both read the same step), while other people are not kept waiting.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._turns = Turns()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        async with self._turns.of(key):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class Turns:
    """One at a time per key, in arrival order; a key's lock lives while someone uses it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

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
