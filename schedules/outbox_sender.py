"""Deliver the notification outbox: in order per chat, within Telegram's limits, with retries.

One task per chat with due messages sends them one after another, so a busy group (20 messages
a minute) never holds up a private chat; the bot's rate limiter
(bot.telegram_http.DeskRateLimiter) keeps all of them within 30 messages a second, and the
outbox's sends are background messages there: direct replies go first. Network errors pause the
whole sender with back-off (2 s … 60 s, by the desk clock) and probe with one message before
sending everything again: an unreachable Bot API delays messages but loses none. RetryAfter
delays that chat by what Telegram asked. A permanent refusal (blocked by the person, chat not
found, a message Telegram will not accept) is recorded as failed and not retried; so is a
message that still fails after MAX_AGE. A group that became a supergroup (ChatMigrated) gets
its pending messages and its team moved to the new chat id (bot.chat_migrations).

Delivery is at least once: a message whose request timed out after Telegram had received it
would be sent again (the Bot API has no idempotency key); the emulator's faults never deliver.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import chat_migrations, message_links, outbox
from bot.desk import Desk
from bot.models import Notification
from bot.telegram_http import BACKGROUND
from schedules.outbox_handover import ReplyHandover

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=60)
MAX_AGE = timedelta(hours=24)
BATCH = 200
IDLE_WAIT = 1.0
# The outbox paces itself a little under Telegram's limits (30/s, 20 a minute per group) that
# the bot's rate limiter enforces on every request: at exactly the limit, a few milliseconds of
# jitter between our limiter and Telegram's clock tip a full bucket over and keep it there.
# A smaller burst (half a second's worth) leaves room for requests that arrive bunched up.
SEND_RATE = 28  # messages per second, all chats
SEND_BURST_SECONDS = 0.5
GROUP_RATE = 19  # messages per minute into one group
# A sender claims the messages of a round for LEASE (desk time) before sending them, and sends
# none whose claim has less than LEASE_MARGIN left (a request lasts at most ~15 s): another
# sender can then never send it too. A round takes at most a minute's worth of a group's
# messages (GROUP_RATE), so a round ends well within its lease.
LEASE = timedelta(minutes=2)
LEASE_MARGIN = timedelta(seconds=30)


def _background(bot: Bot) -> dict[str, str]:
    """Mark a request as background for the rate limiter (bot.telegram_http), if it has one."""
    return {"rate_limit_args": BACKGROUND} if getattr(bot, "rate_limiter", None) else {}


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


def _seconds(retry_after: timedelta | float) -> timedelta:
    if isinstance(retry_after, timedelta):
        return retry_after
    return timedelta(seconds=float(retry_after))


class OutboxSender(ReplyHandover):
    """A background task that keeps the outbox empty."""

    def __init__(self, desk: Desk, bot: Bot) -> None:
        self.desk = desk
        self.bot = bot
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._failures = 0  # consecutive network failures
        self._pace = AsyncLimiter(SEND_RATE * SEND_BURST_SECONDS, SEND_BURST_SECONDS)
        self._group_pace: dict[int, AsyncLimiter] = {}
        self._paused_until: datetime | None = None  # desk time: nothing is tried before
        self._stopping = False
        self._round = asyncio.Lock()  # one look at the outbox at a time (it awaits database work)
        self._recording: set[asyncio.Future[None]] = set()  # sent, being recorded
        self.name = str(uuid.uuid4())  # whose claims are whose (bot.outbox.claim)
        self._held: set[int] = set()  # see ReplyHandover
        self._handed: Counter[int] = Counter()
        self._resuming: asyncio.Future[None] | None = None

    def wake(self) -> None:
        """Something was enqueued (or the clock moved): look now rather than at the next tick."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        # the flag, not only cancel(): Python 3.11's asyncio.wait_for loses a cancellation
        # that arrives as the awaited wake-up completes, and the loop would then run forever
        self._stopping = True
        self._wake.set()
        tasks = [t for t in (self._task, *self._busy.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._busy.clear()

    @property
    def paused(self) -> bool:
        """Whether a network failure holds every send back right now."""
        return self._paused_until is not None and self.desk.clock.now() < self._paused_until

    async def _run(self) -> None:
        try:  # what an earlier run left waiting keeps its place before new replies
            self._held |= await self.desk.database.run(self._held_chats)
        except Exception:
            logger.exception("could not read the outbox's waiting chats")
        while not self._stopping:
            self._wake.clear()
            try:
                await self.start_due()
            except Exception:  # keep delivering whatever one bad round did
                logger.exception("outbox round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_WAIT)
            except TimeoutError:
                pass

    async def start_due(self) -> list[asyncio.Task[None]]:
        """Start a sending task for every chat with due messages that has none running."""
        async with self._round:  # the loop and drain_once must not both start a chat
            return await self._start_due()

    async def _start_due(self) -> list[asyncio.Task[None]]:
        if self.paused:
            return []
        # probing after a network failure: one message first
        batch = await self.desk.database.run(self._due, tuple(self._busy), bool(self._failures))
        by_chat: dict[int, list[Notification]] = defaultdict(list)
        for item in batch:
            by_chat[item.chat_id].append(item)
        started = []
        for chat_id, items in by_chat.items():
            task = asyncio.create_task(self._send_chat(items), name=f"outbox-{chat_id}")
            self._busy[chat_id] = task
            task.add_done_callback(lambda t, chat=chat_id: self._finished(chat, t))
            started.append(task)
        return started

    def _due(self, busy: tuple[int, ...], probe: bool) -> list[Notification]:
        """The due messages this sender has claimed (a group's: a minute's worth; when
        probing, the first only)."""
        with self.desk.database.transaction() as session:
            now = self.desk.clock.now()
            batch, per_group = [], defaultdict(int)
            for item in outbox.due(session, now, BATCH, exclude_chats=busy):
                if item.chat_id < 0:
                    per_group[item.chat_id] += 1
                    if per_group[item.chat_id] > GROUP_RATE:
                        continue
                batch.append(item)
            batch = outbox.claim(session, batch[:1] if probe else batch, self.name, now, LEASE)
            session.expunge_all()
        return batch

    def _finished(self, chat_id: int, task: asyncio.Task[None]) -> None:
        if self._busy.get(chat_id) is task:
            del self._busy[chat_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("sending to chat %s failed", chat_id, exc_info=task.exception())
        self._wake.set()

    async def drain_once(self) -> int:
        """Send what is due now and wait for it; return how many chats were served."""
        tasks = await self.start_due()
        await asyncio.gather(*tasks, return_exceptions=True)
        return len(tasks)

    async def flush(self, timeout: float = 30.0) -> None:
        """Wait until nothing is due and nothing is being sent (tests, benchmarks). Messages
        another sender has claimed count as being sent: it sends them or gives them back."""
        async with asyncio.timeout(timeout):
            while True:
                if self._busy:
                    await asyncio.gather(*self._busy.values(), return_exceptions=True)
                    continue
                if await self.drain_once():
                    continue
                if not await self.desk.database.run(self._claimed_elsewhere):
                    return
                await asyncio.sleep(0.02)

    def _claimed_elsewhere(self) -> bool:
        with self.desk.database.transaction() as session:
            return outbox.claimed_by_others(session, self.name, self.desk.clock.now())

    async def _send_chat(self, items: list[Notification]) -> None:
        chat_id, handed = items[0].chat_id, self._handed[items[0].chat_id]
        for index, item in enumerate(items):
            if self.paused or not await self._send_one(item):
                # keep this chat's order: later messages wait for this one; the claims on
                # those not tried are given back (this one's, if it was not tried, too)
                untried = [i.id for i in items[index:] if i.claimed_by == self.name]
                await self.desk.database.run(self._release, untried)
                return
        if chat_id in self._held and not await self.desk.database.run(self._waiting, chat_id):
            if self._handed[chat_id] == handed:  # no reply was handed over meanwhile
                self._held.discard(chat_id)

    def _release(self, notification_ids: list[int]) -> None:
        with self.desk.database.transaction() as session:
            outbox.release(session, notification_ids, self.name)

    async def _send_one(self, item: Notification) -> bool:
        """Try one message; True if it is settled (sent, or failed for good)."""
        now = self.desk.clock.now()
        if item.attempts and now - item.created_at > MAX_AGE:
            await self._fail(item, f"gave up after {MAX_AGE} ({item.error})")
            return True
        try:
            async with self._paced(item.chat_id):
                if not self._still_claimed(item):
                    return False  # the next round claims it again
                message = await self._deliver(item)
        except RetryAfter as error:
            await self._retry(item, _seconds(error.retry_after), str(error))
            return False
        except ChatMigrated as error:  # pending messages and the team's group follow
            # inline, not database work: it updates the team's row (the lock rule, db_work)
            with self.desk.sessions.begin() as session:
                chat_migrations.record(session, item.chat_id, error.new_chat_id,
                                       self.desk.clock.now())
            return False
        except (Forbidden, BadRequest) as error:  # BadRequest is a NetworkError: check first
            await self._fail(item, str(error))
            return True
        except NetworkError as error:
            await self._network_failed(item, error)
            return False
        except TelegramError as error:
            await self._retry(item, backoff(item.attempts),
                              f"{error.__class__.__name__}: {error}")
            return False
        self._failures, self._paused_until = 0, None
        # as database work (on PostgreSQL its round trips leave the loop free); a reply to this
        # very message may arrive meanwhile, so the reply handlers await recorded() first
        record = asyncio.ensure_future(self.desk.database.run(
            self._record_sent, item.id, item.chat_id, item.ticket_id, item.kind,
            message.message_id))
        self._recording.add(record)
        record.add_done_callback(self._recording.discard)
        await record  # a stop meanwhile does not lose it: database work finishes (bot.db_work)
        return True

    def _record_sent(self, notification_id: int, chat_id: int, ticket_id: int | None,
                     kind: str, message_id: int) -> None:
        """The message is out: mark it sent and link it to its ticket, in one transaction."""
        with self.desk.database.transaction() as session:
            now = self.desk.clock.now()
            outbox.mark_sent(session, notification_id, now, message_id)
            if ticket_id is not None:
                message_links.link(session, chat_id, message_id, ticket_id, now, kind=kind)

    async def recorded(self) -> None:
        """Wait until every message sent so far is marked sent and linked to its ticket."""
        if self._recording:
            await asyncio.wait(set(self._recording))  # wait, not gather: never cancels them

    @asynccontextmanager
    async def _paced(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for this chat's turn under the outbox's own (slightly lower) limits."""
        if chat_id < 0:
            limiter = self._group_pace.get(chat_id)
            if limiter is None:
                limiter = self._group_pace[chat_id] = AsyncLimiter(GROUP_RATE, 60)
            await limiter.acquire()
        await self._pace.acquire()
        yield

    def _still_claimed(self, item: Notification) -> bool:
        """Whether this sender's claim on the message holds long enough to send it."""
        until = item.claimed_until
        return until is not None and self.desk.clock.now() + LEASE_MARGIN < until

    async def _network_failed(self, item: Notification, error: NetworkError) -> None:
        """The Bot API is unreachable: hold every send back, with growing pauses."""
        self._failures += 1
        delay = backoff(self._failures - 1)
        self._paused_until = self.desk.clock.now() + delay
        await self._retry(item, delay, f"{error.__class__.__name__}: {error}")

    # the records of a retry or a failure touch only the outbox's own rows: database work
    # (on PostgreSQL off the loop, bot.db_work), like the sent records
    async def _retry(self, item: Notification, delay: timedelta, error: str) -> None:
        logger.info("notification %s to %s: retry in %s (%s)", item.id, item.chat_id, delay,
                    error)
        self._held.add(item.chat_id)
        await self.desk.database.run(self._mark, outbox.mark_retry, item.id, delay, error)

    async def _fail(self, item: Notification, error: str) -> None:
        logger.warning("notification %s to %s failed for good: %s", item.id, item.chat_id,
                       error)
        await self.desk.database.run(self._mark, outbox.mark_failed, item.id, error)

    def _mark(self, mark: Callable[..., None], notification_id: int, *args: object) -> None:
        with self.desk.database.transaction() as session:
            mark(session, notification_id, self.desk.clock.now(), *args)

    async def _deliver(self, item: Notification) -> Message:
        markup = _markup(item.keyboard)
        reply = {"reply_to_message_id": item.reply_to_message_id,
                 "allow_sending_without_reply": True} if item.reply_to_message_id else {}
        if item.photo_file_id:
            return await self.bot.send_photo(item.chat_id, item.photo_file_id,
                                             caption=item.text[:1024], parse_mode=ParseMode.HTML,
                                             reply_markup=markup, **reply, **_background(self.bot))
        return await self.bot.send_message(item.chat_id, item.text, parse_mode=ParseMode.HTML,
                                           reply_markup=markup, disable_web_page_preview=True,
                                           **reply, **_background(self.bot))
