"""Deliver the notification outbox: in order per chat, within Telegram's limits, with retries.

Network errors and RetryAfter are retried with back-off, forever: an unreachable Bot API
delays messages but loses none. A permanent refusal (blocked by the person, chat not found,
a message Telegram will not accept) is recorded as failed and not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import message_links, outbox
from bot.desk import Desk
from bot.models import Notification

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=60)
BATCH = 200
IDLE_WAIT = 1.0


def _markup(keyboard: outbox.Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
         for row in keyboard]
    )


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at a minute."""
    return min(timedelta(seconds=2 ** min(attempts + 1, 10)), MAX_BACKOFF)


class OutboxSender:
    """A background task that keeps the outbox empty."""

    def __init__(self, desk: Desk, bot: Bot) -> None:
        self.desk = desk
        self.bot = bot
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next tick."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.drain_once()
            except Exception:  # keep delivering whatever one bad round did
                logger.exception("outbox round failed")
                sent = 0
            if sent:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_WAIT)
            except TimeoutError:
                pass

    async def drain_once(self) -> int:
        """Send one batch of due messages; return how many were attempted."""
        with self.desk.sessions.begin() as session:
            batch = outbox.due(session, self.desk.clock.now(), BATCH)
            session.expunge_all()
        by_chat: dict[int, list[Notification]] = defaultdict(list)
        for item in batch:
            by_chat[item.chat_id].append(item)
        await asyncio.gather(*(self._send_chat(items) for items in by_chat.values()))
        return len(batch)

    async def _send_chat(self, items: list[Notification]) -> None:
        for item in items:
            if not await self._send_one(item):
                return  # keep this chat's order: later messages wait for this one

    async def _send_one(self, item: Notification) -> bool:
        try:
            message = await self._deliver(item)
        except RetryAfter as error:
            self._retry(item, timedelta(seconds=error.retry_after.total_seconds()
                                        if isinstance(error.retry_after, timedelta)
                                        else error.retry_after), str(error))
            return False
        except (Forbidden, BadRequest) as error:
            logger.warning("notification %s to %s refused: %s", item.id, item.chat_id, error)
            with self.desk.sessions.begin() as session:
                outbox.mark_failed(session, item.id, self.desk.clock.now(), str(error))
            return True
        except (NetworkError, TelegramError) as error:
            self._retry(item, backoff(item.attempts), f"{error.__class__.__name__}: {error}")
            return False
        with self.desk.sessions.begin() as session:
            now = self.desk.clock.now()
            outbox.mark_sent(session, item.id, now, message.message_id)
            if item.ticket_id is not None:
                message_links.link(session, item.chat_id, message.message_id, item.ticket_id,
                                   now, kind=item.kind)
        return True

    def _retry(self, item: Notification, delay: timedelta, error: str) -> None:
        logger.info("notification %s to %s: retry in %s (%s)", item.id, item.chat_id, delay,
                    error)
        with self.desk.sessions.begin() as session:
            outbox.mark_retry(session, item.id, self.desk.clock.now(), delay, error)

    async def _deliver(self, item: Notification) -> Message:
        markup = _markup(item.keyboard)
        reply = {"reply_to_message_id": item.reply_to_message_id} if item.reply_to_message_id \
            else {}
        if item.photo_file_id:
            return await self.bot.send_photo(item.chat_id, item.photo_file_id,
                                             caption=item.text[:1024], parse_mode=ParseMode.HTML,
                                             reply_markup=markup, **reply)
        return await self.bot.send_message(item.chat_id, item.text, parse_mode=ParseMode.HTML,
                                           reply_markup=markup, disable_web_page_preview=True,
                                           **reply)
