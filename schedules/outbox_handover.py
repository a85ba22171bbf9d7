"""The outbox's side of direct replies that could not be sent (handlers.delivery).

A direct reply that fails for a reason that may pass is handed to the outbox; while the
outbox holds such a message, or one waiting for a retry, for a chat, later direct replies to
that chat are stored behind it, so the chat's order is kept. A direct reply that goes through
while the sender pauses after a network failure shows that Telegram answers again: the pause
ends and the messages waiting out a network back-off are due at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime

from bot import outbox
from bot.desk import Desk

logger = logging.getLogger(__name__)


class ReplyHandover:
    """Mixed into OutboxSender, which sets these attributes and sends what is stored."""

    desk: Desk
    _held: set[int]  # chats whose direct replies must go behind the outbox's messages
    _handed: Counter[int]  # replies handed over, per chat
    _failures: int
    _paused_until: datetime | None
    _resuming: asyncio.Future[None] | None

    def wake(self) -> None:
        raise NotImplementedError

    def holds(self, chat_id: int) -> bool:
        """Whether messages to this chat wait in the outbox (a reply must go behind them)."""
        return chat_id in self._held

    async def take_over(self, chat_id: int, text: str,
                        keyboard: outbox.Keyboard | None, reply_to: int | None) -> None:
        """Store a direct reply that could not be sent or must wait its turn; it is
        delivered in the chat's order, like every message of the outbox."""
        self._held.add(chat_id)
        self._handed[chat_id] += 1
        await self.desk.database.run(self._store_reply, chat_id, text, keyboard, reply_to)
        self.wake()

    def _store_reply(self, chat_id: int, text: str, keyboard: outbox.Keyboard | None,
                     reply_to: int | None) -> None:
        with self.desk.database.transaction() as session:
            outbox.enqueue(session, self.desk.clock.now(), chat_id, text, keyboard=keyboard,
                           kind="reply", reply_to_message_id=reply_to)

    def reachable(self) -> None:
        """A direct message went through: Telegram answers again. End the pause, and send
        what waits for a retry after a network failure now rather than after its back-off."""
        if not self._failures or self._resuming is not None:
            return
        self._paused_until = None
        self._resuming = asyncio.ensure_future(self.desk.database.run(self._retry_now))
        self._resuming.add_done_callback(self._resumed)

    def _retry_now(self) -> None:
        with self.desk.database.transaction() as session:
            outbox.retry_network_failures_now(session, self.desk.clock.now())

    def _resumed(self, task: asyncio.Future[None]) -> None:
        self._resuming = None
        if not task.cancelled() and task.exception() is not None:
            logger.error("could not resume the outbox", exc_info=task.exception())
        self.wake()

    def _held_chats(self) -> set[int]:
        with self.desk.database.transaction() as session:
            return outbox.held_chats(session)

    def _waiting(self, chat_id: int) -> bool:
        with self.desk.database.transaction() as session:
            return outbox.has_pending(session, chat_id)
